/**
 * `npm run test:engine`: example programs and the lifecycle through the real Pulumi CLI
 * (tools/engine/README.md). Kept out of `npm test`, which needs no CLI. One worker: every scenario
 * already runs the CLI, the language host with the program and a provider host at once.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest configs are CommonJS
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ["<rootDir>/test/engine"],
  testMatch: ["**/*.engine.ts"],
  globalSetup: "<rootDir>/test/engine/global-setup.ts",
  globalTeardown: "<rootDir>/test/engine/global-teardown.ts",
  maxWorkers: 1,
  testTimeout: 600_000,
};
