import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../shared/example-package";

/**
 * Installs the programs the engine suite runs the way a user installs this package: `npm pack`
 * makes the tarball, and one folder outside the repository gets `npm install` of it (extracted,
 * not linked) next to the SDK, TypeScript and @types/node the examples pin. Each program (an
 * example, unchanged, or one of programs/) is a subfolder with its Pulumi.yaml, index.ts and
 * tsconfig.json; `pulumi` runs index.ts through Pulumi's run harness, which compiles it (ts-node
 * with the installed TypeScript), as on a user's machine.
 */

/** The programs written for the engine suite's specs, beside them. */
const PROGRAMS_DIR = join(REPO_ROOT, "test", "engine", "programs");
const SOURCES: Record<string, string> = {
  basic: join(REPO_ROOT, "examples", "basic"),
  "multi-region": join(REPO_ROOT, "examples", "multi-region"),
  ...Object.fromEntries(readdirSync(PROGRAMS_DIR).map((name) => [name, join(PROGRAMS_DIR, name)])),
};
const PROGRAM_FILES = ["Pulumi.yaml", "index.ts", "tsconfig.json"];

export interface InstalledPrograms {
  root: string;
  tarball: string;
  dirs: Record<string, string>;
}

function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`package-lock.json resolves no ${name}: run npm install`);
  return version;
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export interface InstallOptions {
  /** An empty folder outside the repository; default a new temp folder. */
  root?: string;
  /** The package's tarball from an earlier install; default a new `npm pack`. */
  tarball?: string;
  /** false: without the examples' devDependencies (`typescript`, `@types/node`). Default true. */
  typescript?: boolean;
}

/** `names`: which programs (default all). */
export function installPrograms(names: readonly string[] = Object.keys(SOURCES), options: InstallOptions = {}): InstalledPrograms {
  const root = options.root ?? mkdtempSync(join(tmpdir(), "custom-image-engine-programs-"));
  const tarball =
    options.tarball ?? join(root, run("npm", ["pack", "--silent", "--pack-destination", root], REPO_ROOT).trim().split("\n").at(-1)!);
  const example = JSON.parse(readFileSync(join(SOURCES.basic!, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  writeFileSync(
    join(root, "package.json"),
    JSON.stringify(
      {
        name: "custom-image-engine-programs",
        private: true,
        dependencies: {
          ...example.dependencies,
          "pulumi-digitalocean-custom-image": `file:${tarball}`,
          // The anchor's SDK, for programs/migrate (at the version the repository locks).
          "@pulumi/digitalocean": lockedVersion("@pulumi/digitalocean"),
        },
        devDependencies: options.typescript === false ? {} : example.devDependencies,
      },
      null,
      2,
    ),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], root);
  const dirs: Record<string, string> = {};
  for (const name of names) {
    const source = SOURCES[name];
    if (!source) throw new Error(`no program "${name}"; there are ${Object.keys(SOURCES).join(", ")}`);
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    for (const file of PROGRAM_FILES) copyFileSync(join(source, file), join(dir, file));
    dirs[name] = dir;
  }
  return { root, tarball, dirs };
}
