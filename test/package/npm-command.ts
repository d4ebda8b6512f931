import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export interface CommandOutput {
  stdout: string;
  stderr: string;
}

/**
 * The environment a user's shell would give a command: without what `npm test` and Jest add
 * (`npm_*` variables naming this repository, `NODE_OPTIONS=--experimental-vm-modules`, whose
 * ExperimentalWarning would count as a printed warning).
 */
export function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name !== "NODE_OPTIONS" && !name.toLowerCase().startsWith("npm_")),
  );
}

/** Runs a command to completion in `cwd`; rejects with its output when it exits non-zero. */
export async function run(command: string, args: string[], cwd: string): Promise<CommandOutput> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd, env: userEnvironment(), maxBuffer: 64 * 1024 * 1024 });
    return { stdout, stderr };
  } catch (error) {
    const { stdout, stderr } = error as CommandOutput;
    throw new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${stdout}\n${stderr}`);
  }
}

/** What `npm pack --dry-run --json` reports; scripts are skipped so that `prepack` does not rebuild dist under running tests. */
export async function packedFiles(cwd: string): Promise<string[]> {
  const { stdout } = await run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], cwd);
  const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
  return pack!.files.map((file) => file.path).sort();
}

/** Packs the package in `cwd` into `destination` (scripts skipped, dist as built); returns the tarball's file name. */
export async function pack(cwd: string, destination: string): Promise<string> {
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", destination], cwd);
  const [{ filename }] = JSON.parse(stdout) as { filename: string }[];
  return filename;
}

/** A folder as an empty user project: a private package.json whose `allowScripts` approves nothing. */
function userProjectManifest(): string {
  // protobufjs comes with @pulumi/pulumi, so every Pulumi project meets its postinstall, which only prints a hint (see the README's "Install scripts").
  return JSON.stringify({ name: "user-program", private: true, allowScripts: { protobufjs: false } });
}

/**
 * Packs each package folder of `dirs` into `project`, makes `project` an empty user project and
 * installs the tarballs there with `extra` (`name@version`, found in npm's cache when this
 * repository uses the same versions); returns what npm printed.
 */
export async function installPacked(project: string, dirs: string[], extra: string[] = []): Promise<string> {
  const tarballs: string[] = [];
  for (const dir of dirs) tarballs.push(await pack(dir, project));
  writeFileSync(join(project, "package.json"), userProjectManifest());
  const { stdout, stderr } = await run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", ...tarballs.map((file) => `./${file}`), ...extra],
    project,
  );
  return stdout + stderr;
}

/** The ways a user's TypeScript program resolves a package: Pulumi's CommonJS template, CommonJS and ESM under nodenext. */
export const MODULE_SETUPS: [string, string, Record<string, unknown>][] = [
  [
    "a CommonJS program as Pulumi's TypeScript template configures it",
    "commonjs.ts",
    { module: "commonjs", moduleResolution: "node10", esModuleInterop: true },
  ],
  ["a CommonJS program with nodenext resolution", "commonjs.cts", { module: "nodenext" }],
  ["an ES module program with nodenext resolution", "esm.mts", { module: "nodenext" }],
];

/** Typechecks `source` as `file` in `project` with the project's own typescript, strictly and with the packages' declarations checked. */
export function typecheck(project: string, file: string, source: string, compilerOptions: Record<string, unknown>): Promise<CommandOutput> {
  writeFileSync(join(project, file), source);
  const tsconfig = { compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, types: [], ...compilerOptions }, files: [file] };
  writeFileSync(join(project, `tsconfig.${file}.json`), JSON.stringify(tsconfig));
  return run("node", [join("node_modules", "typescript", "bin", "tsc"), "-p", `tsconfig.${file}.json`], project);
}
