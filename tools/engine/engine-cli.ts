import { execFileSync } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, join } from "node:path";

/**
 * Where the Pulumi CLI comes from: `pulumi` on PATH (a user's own install) or the one that
 * `npm run engine:install` built from Go modules into a cache folder keyed by version.
 */

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
  /** Absolute path of the `pulumi` executable. */
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

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** `pulumi` on PATH first, then the one engine:install built; undefined when neither works. */
export function findPulumiCli(env: NodeJS.ProcessEnv = process.env): PulumiCli | undefined {
  const candidates: [string | undefined, PulumiCli["source"]][] = [
    [onPath("pulumi", env), "PATH"],
    [join(engineCacheDir(undefined, env), "pulumi"), "engine:install"],
  ];
  for (const [path, source] of candidates) {
    const version = path && cliVersion(path);
    if (path && version) return { path, version, source };
  }
  return undefined;
}
