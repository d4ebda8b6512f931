#!/usr/bin/env node
// A file of its own, not dist/cli.js: npm links a workspace's bin only when its target exists at
// install time, and in a fresh clone `npm ci` runs before the build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("../dist/cli.js");
