/** Jest runs the TypeScript sources through SWC; `tsc --noEmit` checks types as its own step. */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test", "<rootDir>/packages/emulator/test"],
  // Tests use the emulator by its package name, as users do, from its sources (tsconfig.json's paths).
  moduleNameMapper: { "^pulumi-digitalocean-custom-image-emulator$": "<rootDir>/packages/emulator/src/emulator.ts" },
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2023", parser: { syntax: "typescript" } }, module: { type: "commonjs" } }],
  },
  testTimeout: 30000,
};
