import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../shared/example-package";

/**
 * `npm run engine:install -- --anchor`: the plugin of `@pulumi/digitalocean` (the anchor), at the
 * version of the repository's devDependency, for the cached CLI folder. The Go module proxy
 * refuses its module (tools/anchor/README.md), so this checks that first and fails with the
 * module, the version and the proxy's answer, rather than leaving the CLI to find no plugin.
 */

export const ANCHOR_MODULE = "github.com/pulumi/pulumi-digitalocean/provider/v4";
export const ANCHOR_PACKAGE = `${ANCHOR_MODULE}/cmd/pulumi-resource-digitalocean`;
/** Read from the module's `cmd/pulumi-resource-digitalocean/main.go`, which passes it to `tfbridge.Main`. */
export const ANCHOR_VERSION_SYMBOL = `${ANCHOR_MODULE}/pkg/version.Version`;

/** The exact `@pulumi/digitalocean` version that package-lock.json resolves. */
export function anchorVersion(lockText: string): string {
  const lock = JSON.parse(lockText) as { packages?: Record<string, { version?: string }> };
  const version = lock.packages?.["node_modules/@pulumi/digitalocean"]?.version;
  if (!version) throw new Error("package-lock.json resolves no node_modules/@pulumi/digitalocean: run npm install");
  return version;
}

/** What `go mod download -json module@version` reports: the module's folder, or why there is none. */
export function downloadOutcome(stdout: string): { dir: string } | { error: string } {
  const report = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (report.Error) return { error: report.Error.replace(/\s+/g, " ").trim() };
  if (report.Dir) return { dir: report.Dir };
  throw new Error(`go mod download reported neither a folder nor an error: ${stdout}`);
}

export function installAnchor(cliDir: string, log: (line: string) => void): void {
  const version = `v${anchorVersion(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8"))}`;
  const scratch = mkdtempSync(join(tmpdir(), "anchor-"));
  try {
    const download = spawnSync("go", ["mod", "download", "-json", `${ANCHOR_MODULE}@${version}`], { cwd: scratch, encoding: "utf8" });
    if (download.error) throw new Error(`--anchor needs Go (\`go\` on PATH): ${download.error.message}`);
    const outcome = downloadOutcome(download.stdout);
    if ("error" in outcome) {
      throw new Error(
        `cannot build pulumi-resource-digitalocean ${version} into ${cliDir}: the Go module proxy does not serve ${ANCHOR_MODULE}@${version} (${outcome.error}). ` +
          "The Terraform replay (tools/bench/terraform-replay.ts) stays the comparison; tools/anchor/README.md has the details.",
      );
    }
    log(`${ANCHOR_MODULE}@${version} is in ${outcome.dir}`);
    throw new Error(
      `${ANCHOR_MODULE}@${version} is served now, but its wrapper module is not written: it could not be fetched when this was (tools/anchor/README.md lists what the wrapper needs)`,
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
