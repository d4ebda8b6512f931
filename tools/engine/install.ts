import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { installAnchor } from "../anchor/install-anchor";
import { cliVersion, engineCacheDir, pinnedEngineVersion } from "./engine-cli";

/**
 * `npm run engine:install`: builds the Pulumi CLI from Go modules at the release that
 * tools/engine/cli/go.mod pins, into a cache folder keyed by version. A second run only checks the
 * cached binary. The last line printed is the folder that holds `pulumi`.
 *
 * The Node.js language host is not built: its module is not served by the Go module proxy
 * (tools/engine/README.md). Programs reach the CLI through `--client` instead (program-server.ts).
 */

const PACKAGE = "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi";
const VERSION_SYMBOL = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function main(): void {
  const version = pinnedEngineVersion();
  const dir = engineCacheDir(version);
  const cli = join(dir, "pulumi");
  if (cliVersion(cli) === version) {
    log(`pulumi ${version} is already built`);
    console.log(dir);
    return;
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
  console.log(dir);
}

try {
  main();
  // `--anchor`: also the plugin of @pulumi/digitalocean, built from ../shared/third_party into the same folder (tools/anchor/README.md).
  if (process.argv.includes("--anchor")) installAnchor(engineCacheDir(pinnedEngineVersion()), log);
} catch (error) {
  log(`engine:install failed: ${(error as Error).message}`);
  process.exitCode = 1;
}
