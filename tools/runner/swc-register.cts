/**
 * Compiles TypeScript for `require` in the program's process with SWC, the compiler Jest uses
 * here: to CommonJS, as Pulumi's language host does with ts-node, but without type checking (as
 * with PULUMI_NODEJS_TRANSPILE_ONLY=true). Node strips this file's own types (it is CommonJS TypeScript, `.cts`), so nothing has
 * to compile it first. tsx's loader does the same job in 0.5 to 0.7 s more per run, because it
 * inspects every JavaScript file the SDK loads. No source maps: `--enable-source-maps` would cost
 * another 0.25 s, reading the SDK's maps.
 */
import type * as Swc from "@swc/core";
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a .cts file: CommonJS as written
const { readFileSync } = require("node:fs") as typeof import("node:fs");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a .cts file: CommonJS as written
const { transformSync } = require("@swc/core") as typeof Swc;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a .cts file: CommonJS as written
const Module = require("node:module") as unknown as {
  _extensions: Record<string, (module: { _compile(code: string, filename: string): void }, filename: string) => void>;
};

// Registering ".ts" also lets `require("./file")` find file.ts, as ts-node's hook does.
Module._extensions[".ts"] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, "utf8"), {
    filename,
    jsc: { parser: { syntax: "typescript" }, target: "es2023" },
    module: { type: "commonjs" },
  });
  module._compile(code, filename);
};
