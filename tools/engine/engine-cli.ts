import { execFileSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";

/**
 * Where the Pulumi CLI comes from: `pulumi` on PATH (a user's own install) or the one that
 * `npm run engine:install` built into a cache folder keyed by version. Either way the folder also
 * holds the two plugins a Pulumi install ships beside `pulumi` for Node.js programs.
 */

/** The language host `pulumi up` starts to run a Node.js program. */
export const LANGUAGE_HOST = "pulumi-language-nodejs";
/** The dynamic-provider plugin, a script from `@pulumi/pulumi`'s package root. */
export const DYNAMIC_PROVIDER_PLUGIN = "pulumi-resource-pulumi-nodejs";

const GO_MODULE_DIR = join(__dirname, "cli");

/** The release of github.com/pulumi/pulumi/pkg/v3 that tools/engine/cli/go.mod pins, e.g. `v3.274.0`. */
export function pinnedEngineVersion(goMod: string = readFileSync(join(GO_MODULE_DIR, "go.mod"), "utf8")): string {
  const match = /^\s*github\.com\/pulumi\/pulumi\/pkg\/v3 (v\d+\.\d+\.\d+)\b/m.exec(goMod);
  if (!match) throw new Error("tools/engine/cli/go.mod does not require github.com/pulumi/pulumi/pkg/v3 at a release version");
  return match[1]!;
}

/** `$XDG_CACHE_HOME` (default ~/.cache)/pulumi-digitalocean-custom-image/engine/<version>. */
export function engineCacheDir(version: string = pinnedEngineVersion(), env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cacheHome, "pulumi-digitalocean-custom-image", "engine", version);
}

export interface PulumiCli {
  /** Absolute path of the `pulumi` executable; LANGUAGE_HOST and DYNAMIC_PROVIDER_PLUGIN are beside it. */
  path: string;
  /** As `pulumi version` prints it, e.g. `v3.274.0`. */
  version: string;
  source: "PATH" | "engine:install";
}

/** The version `pulumi version` prints, or undefined when the file is not a working CLI. */
export function cliVersion(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return (
      execFileSync(path, ["version"], {
        encoding: "utf8",
        env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
        timeout: 30_000,
      }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The Node.js plugins missing from beside `pulumi` at `path`. */
export function missingPlugins(path: string): string[] {
  return [LANGUAGE_HOST, DYNAMIC_PROVIDER_PLUGIN].filter((plugin) => !executable(join(dirname(path), plugin)));
}

/**
 * `pulumi` on PATH first, then the one engine:install built, each only with the Node.js plugins
 * beside it; undefined when neither works. `rejected` says why a candidate was passed over.
 */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env, rejected: string[] = []): PulumiCli | undefined {
  const candidates: [string | undefined, PulumiCli["source"]][] = [
    [onPath("pulumi", env), "PATH"],
    [join(engineCacheDir(undefined, env), "pulumi"), "engine:install"],
  ];
  for (const [path, source] of candidates) {
    const version = path && cliVersion(path);
    if (!path || !version) continue;
    const missing = missingPlugins(path);
    if (missing.length === 0) return { path, version, source };
    rejected.push(`${path} has no ${missing.join(" or ")} beside it`);
  }
  return undefined;
}

/** Why findPulumiCli found none, from what it `rejected`: for the message of whatever needed one. */
export function noCliReason(rejected: readonly string[]): string {
  return rejected.length > 0
    ? `no Pulumi CLI with its Node.js plugins: ${rejected.join("; ")}. A Pulumi install has both; \`npm run engine:install -- --language-host <folder>\` builds them (tools/engine/README.md)`
    : "no Pulumi CLI: `pulumi` is not on PATH and `npm run engine:install` has not built one";
}
