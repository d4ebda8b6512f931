import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { installAnchor } from "../anchor/install-anchor";
import { cliVersion, engineCacheDir, pinnedEngineVersion } from "./engine-cli";
import { installDynamicProviderPlugin, installLanguageHost, languageHostSource } from "./install-language-host";

/**
 * `npm run engine:install [-- --language-host <folder>]`: builds the Pulumi CLI from Go modules at
 * the release that tools/engine/cli/go.mod pins into a cache folder keyed by version, then puts
 * beside it what a Pulumi install ships for Node.js programs: `pulumi-language-nodejs`, built from
 * the source folder that `--language-host` or PULUMI_LANGUAGE_NODEJS_SOURCE names, and
 * `pulumi-resource-pulumi-nodejs` (install-language-host.ts). A second run only checks what is
 * cached. The last line printed is the folder that holds all three.
 */

const PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi";
const VERSION_SYMBOL = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function main(): void {
  const dir = installCli();
  installLanguageHost(dir, languageHostSource(process.argv.slice(2)), log);
  installDynamicProviderPlugin(dir);
  // `--anchor`: also the plugin of @pulumi/digitalocean, into the same folder (tools/anchor/README.md).
  if (process.argv.includes("--anchor")) installAnchor(dir, log);
  console.log(dir);
}

/** Builds `pulumi` unless the cached one reports the pinned version; returns its folder. */
function installCli(): string {
  const version = pinnedEngineVersion();
  const dir = engineCacheDir(version);
  const cli = join(dir, "pulumi");
  if (cliVersion(cli) === version) {
    log(`pulumi ${version} is already built`);
    return dir;
  }
  const go = spawnSync("go", ["version"], { encoding: "utf8" });
  if (go.status !== 0) {
    throw new Error(`engine:install needs Go (\`go\` on PATH) to build pulumi ${version}: ${go.error?.message ?? go.stderr.trim()}`);
  }
  log(`building pulumi ${version} with ${go.stdout.trim()} (several minutes with empty Go caches)`);
  mkdirSync(dir, { recursive: true });
  const partial = mkdtempSync(join(dir, ".build-"));
  const started = Date.now();
  try {
    execFileSync(
      "go",
      ["build", "-trimpath", "-ldflags", `-s -w -X ${VERSION_SYMBOL}=${version}`, "-o", join(partial, "pulumi"), PACKAGE],
      {
        cwd: join(__dirname, "cli"),
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
    renameSync(join(partial, "pulumi"), cli);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  const built = cliVersion(cli);
  if (built !== version) throw new Error(`the built ${cli} reports version ${built ?? "(none)"}, expected ${version}`);
  log(`built pulumi ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return dir;
}

try {
  main();
} catch (error) {
  log(`engine:install failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
