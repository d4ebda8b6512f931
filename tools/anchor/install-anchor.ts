import { execFileSync } from "node:child_process";
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { REPO_ROOT } from "../shared/example-package";

/**
 * `npm run engine:install -- --anchor`: `pulumi-resource-digitalocean`, the plugin behind
 * `@pulumi/digitalocean` (the anchor), built from the sources in `../shared/third_party/` (the Go
 * module proxy does not serve its module), with the steps of that folder's README, into the
 * folder that holds the CLI. The sources are copied to a scratch folder, never into this
 * repository. A second run checks the built plugin's version and stops.
 */

/** The release the third-party sources are (pulumi-digitalocean's tag; its README's table). */
export const ANCHOR_VERSION = "v4.76.0";
export const ANCHOR_PLUGIN = "pulumi-resource-digitalocean";
const VERSION_SYMBOL = "github.com/pulumi/pulumi-digitalocean/provider/v4/pkg/version.Version";

/** `THIRD_PARTY_DIR`, else `../shared/third_party` beside the repository. */
export function thirdPartyDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.THIRD_PARTY_DIR || join(REPO_ROOT, "..", "shared", "third_party"));
}

/** The folders of the third-party sources the build needs that are missing, named for the message. */
export function missingSources(dir: string): string[] {
  const needed = ["pulumi-digitalocean/provider/go.mod", "pulumi-digitalocean/patches", "terraform-provider-digitalocean/go.mod"];
  return needed.filter((path) => !existsSync(join(dir, path)));
}

/** The version the plugin prints with `-version` (`v4.76.0`), or undefined when it is no working plugin. */
export function pluginVersion(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return execFileSync(path, ["-version"], { encoding: "utf8", timeout: 30_000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * `schema-embed.json`, which `main.go` embeds and which pulumi-digitalocean's `go:generate` step
 * writes: the committed schema with its version set.
 */
export function embeddedSchema(schemaText: string, version: string): string {
  const schema = JSON.parse(schemaText) as Record<string, unknown>;
  return JSON.stringify({ ...schema, version: version.replace(/^v/, "") });
}

/** Builds the plugin into `dir` unless it is there at ANCHOR_VERSION; returns its path. */
export function installAnchor(dir: string, log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): string {
  const plugin = join(dir, ANCHOR_PLUGIN);
  if (pluginVersion(plugin) === ANCHOR_VERSION) {
    log(`${ANCHOR_PLUGIN} ${ANCHOR_VERSION} is already built`);
    return plugin;
  }
  const sources = thirdPartyDir(env);
  const missing = missingSources(sources);
  if (missing.length > 0) {
    throw new Error(
      `--anchor builds ${ANCHOR_PLUGIN} ${ANCHOR_VERSION} from the pulumi-digitalocean and terraform-provider-digitalocean sources, ` +
        `but ${sources} lacks ${missing.join(", ")}: get the shared third_party folder (its README names the commits) or set THIRD_PARTY_DIR to it`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const scratch = mkdtempSync(join(dir, ".anchor-build-"));
  const started = Date.now();
  try {
    // The layout pulumi-digitalocean builds in: upstream/ (patched) beside provider/.
    cpSync(join(sources, "pulumi-digitalocean", "provider"), join(scratch, "provider"), { recursive: true });
    cpSync(join(sources, "terraform-provider-digitalocean"), join(scratch, "upstream"), { recursive: true });
    const patches = join(sources, "pulumi-digitalocean", "patches");
    const patchFiles = readdirSync(patches)
      .filter((name) => name.endsWith(".patch"))
      .sort()
      .map((name) => join(patches, name));
    execFileSync("git", ["apply", ...patchFiles], { cwd: join(scratch, "upstream"), stdio: ["ignore", "inherit", "inherit"] });
    const cmd = join(scratch, "provider", "cmd", ANCHOR_PLUGIN);
    writeFileSync(join(cmd, "schema-embed.json"), embeddedSchema(readFileSync(join(cmd, "schema.json"), "utf8"), ANCHOR_VERSION));
    log(`building ${ANCHOR_PLUGIN} ${ANCHOR_VERSION} from ${sources} (about a minute with warm Go caches, several with empty ones)`);
    execFileSync(
      "go",
      [
        "build",
        "-trimpath",
        "-ldflags",
        `-s -w -X ${VERSION_SYMBOL}=${ANCHOR_VERSION}`,
        "-o",
        join(scratch, ANCHOR_PLUGIN),
        `./cmd/${ANCHOR_PLUGIN}`,
      ],
      { cwd: join(scratch, "provider"), stdio: ["ignore", "inherit", "inherit"] },
    );
    renameSync(join(scratch, ANCHOR_PLUGIN), plugin);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const built = pluginVersion(plugin);
  if (built !== ANCHOR_VERSION) throw new Error(`the built ${plugin} reports version ${built ?? "(none)"}, expected ${ANCHOR_VERSION}`);
  log(`built ${ANCHOR_PLUGIN} ${ANCHOR_VERSION} in ${Math.round((Date.now() - started) / 1000)} s`);
  return plugin;
}
