import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../shared/example-package";

/**
 * Installs the programs the engine suite runs the way a user installs this package: `npm pack`
 * makes the tarball, and one folder outside the repository gets `npm install` of it (extracted,
 * not linked) next to the SDK the examples pin. Each program (an example, unchanged, or one of
 * test/engine/programs/) is a subfolder with its Pulumi.yaml, compiled by the installed TypeScript
 * with the program's own tsconfig.json into bin/index.js.
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

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** `names`: which programs (default all); `root`: an empty folder outside the repository. */
export function installPrograms(
  names: readonly string[] = Object.keys(SOURCES),
  root: string = mkdtempSync(join(tmpdir(), "custom-image-engine-programs-")),
): InstalledPrograms {
  const packed = run("npm", ["pack", "--silent", "--pack-destination", root], REPO_ROOT).trim().split("\n").at(-1)!;
  const tarball = join(root, packed);
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
        dependencies: { ...example.dependencies, "pulumi-digitalocean-custom-image": `file:${tarball}` },
        devDependencies: example.devDependencies,
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
  run(join(root, "node_modules", ".bin", "tsc"), ["--build", ...Object.values(dirs)], root);
  return { root, tarball, dirs };
}
