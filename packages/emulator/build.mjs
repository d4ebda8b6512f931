/**
 * Builds dist/: the library (emulator.js) and the bin (cli.js) as CommonJS bundles, and one
 * declaration file. Bundled because the emulator shares two modules with the provider, one copy in
 * the repository (the clock and DigitalOcean's enums, under ../../src), without depending on the
 * provider package: installing the emulator pulls only its own three dependencies.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { build } from "esbuild";

const require = createRequire(import.meta.url);
const { dependencies } = require("./package.json");

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node22",
  // The spec is read from ../digitalocean-openapi relative to the bundle, and the package's own
  // dependencies are installed next to it: neither is inlined.
  external: Object.keys(dependencies),
  logLevel: "warning",
};

await build({ ...common, entryPoints: ["src/emulator.ts"], outfile: "dist/emulator.js" });
// The bin loads the library bundle rather than carrying a second copy of it.
await build({ ...common, entryPoints: ["src/cli.ts"], outfile: "dist/cli.js", external: [...common.external, "./emulator"] });

execFileSync(
  process.execPath,
  [
    require.resolve("dts-bundle-generator/dist/bin/dts-bundle-generator.js"),
    "--silent",
    "--no-banner",
    "--project",
    "tsconfig.build.json",
    "-o",
    "dist/emulator.d.ts",
    "src/emulator.ts",
  ],
  { stdio: "inherit" },
);
