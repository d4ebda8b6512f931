/**
 * `npm run test:anchor`: the anchor's API client (godo, built from Go modules) against the
 * emulator (tools/anchor/README.md). Kept out of `npm test`, which needs no Go toolchain.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest configs are CommonJS
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ["<rootDir>/test/anchor"],
  testMatch: ["**/*.anchor.ts"],
  testTimeout: 600_000,
};
