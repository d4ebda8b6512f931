/**
 * `npm run test:anchor`: `@pulumi/digitalocean`'s plugin (the anchor, built by
 * `npm run engine:install -- --anchor`) and this package side by side through the real CLI, against
 * the emulator (tools/anchor/README.md). Kept out of `npm test`, which needs neither Go nor the CLI.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest configs are CommonJS
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ["<rootDir>/test/anchor"],
  testMatch: ["**/*.anchor.ts"],
  globalSetup: "<rootDir>/test/engine/global-setup.ts",
  globalTeardown: "<rootDir>/test/engine/global-teardown.ts",
  maxWorkers: 1,
  testTimeout: 900_000,
};
