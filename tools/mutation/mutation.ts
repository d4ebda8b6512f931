import { spawn, spawnSync } from "node:child_process";
import { runMain } from "../shared/run-main";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { basename, join } from "node:path";
import { machine } from "../shared/report";
import { REPO_ROOT } from "../shared/example-package";
import { CORE_FILES, type CoreFile, GOAL_PERCENT, QUICK_SAMPLE } from "./core-files";
import { changedLineRanges, type LineRange } from "./changed-lines";
import { EQUIVALENT_MUTANTS } from "./equivalent-mutants";
import {
  type FileScore,
  meetsGoal,
  mergeRuns,
  type MutationRun,
  recordedRun,
  renderReport,
  type StrykerReport,
  scoreFile,
} from "./mutation-report";

/**
 * `npm run mutation` runs StrykerJS on every core file (tools/mutation/core-files.ts), one file at a
 * time with that file's tests, prints the report (markdown) on stdout and progress on stderr, and
 * exits non-zero when a file scores below the goal. `-- --write` also writes docs/MUTATION.md
 * (with `--only`, replacing those files' figures and keeping the others').
 * `-- --quick` measures only the mutants of the core lines changed since `main` (`-- --base <rev>`
 * for another base), or a fixed sample when none changed: what CI runs. `-- --only <file>[,<file>]` picks files.
 */

const USAGE = "usage: npm run mutation [-- --write] [-- --quick [--base <rev>]] [-- --only <file>[,<file>]]";
const REPORTS = join(REPO_ROOT, "reports", "mutation");

interface Options {
  write: boolean;
  quick: boolean;
  base: string;
  only?: string[];
}

function parse(args: string[]): Options {
  const options: Options = { write: false, quick: false, base: "main" };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === "--write") options.write = true;
    else if (arg === "--quick") options.quick = true;
    else if (arg === "--base") options.base = args[++index] ?? "";
    else if (arg === "--only") options.only = (args[++index] ?? "").split(",").filter(Boolean);
    else throw new Error(`unknown argument ${arg}; ${USAGE}`);
  }
  const unknown = (options.only ?? []).filter((file) => !CORE_FILES.some((core) => core.file === file));
  if (unknown.length > 0 || options.only?.length === 0) {
    throw new Error(`--only takes core files (${CORE_FILES.map((core) => core.file).join(", ")}), got ${unknown.join(", ") || "none"}`);
  }
  if (options.write && options.quick) throw new Error("--write records the files it measures in docs/MUTATION.md; run it without --quick");
  return options;
}

/** A core file to measure, and the lines whose mutants count when only some do. */
interface Measured extends CoreFile {
  lines?: LineRange[];
}

/**
 * The lines of each core file that differ between `base` (where this branch left it) and the
 * working tree; undefined when git cannot tell.
 */
function changedCoreLines(base: string): Measured[] | undefined {
  const mergeBase = spawnSync("git", ["merge-base", base, "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" });
  if (mergeBase.status !== 0) return undefined;
  const changed: Measured[] = [];
  for (const core of CORE_FILES) {
    const diff = spawnSync("git", ["diff", "--unified=0", mergeBase.stdout.trim(), "--", core.file], { cwd: REPO_ROOT, encoding: "utf8" });
    if (diff.status !== 0) return undefined;
    const lines = changedLineRanges(diff.stdout);
    if (lines.length > 0) changed.push({ ...core, lines });
  }
  return changed;
}

/**
 * The quick run measures only the mutants of the lines changed since `base`, so that its cost
 * grows with the change, not with the files it touches; with no core line changed, the sample.
 */
function selectFiles(options: Options): Measured[] {
  if (options.only) return CORE_FILES.filter((core) => options.only!.includes(core.file));
  if (!options.quick) return [...CORE_FILES];
  const changed = changedCoreLines(options.base);
  if (changed === undefined) progress(`git cannot compare with ${options.base}: measuring the fixed sample`);
  if (changed !== undefined && changed.length > 0) return changed;
  return CORE_FILES.filter((core) => QUICK_SAMPLE.includes(core.file));
}

/** Stryker's options for one file: its tests only, the project's Jest setup, the TypeScript checker. */
function strykerConfig(core: Measured, reportFile: string): object {
  return {
    packageManager: "npm",
    testRunner: "jest",
    // Jest loads got (ESM) through vm modules, as `npm test` does.
    testRunnerNodeArgs: ["--experimental-vm-modules"],
    // `config` is laid over the project's jest.config.js.
    jest: {
      projectType: "custom",
      configFile: "jest.config.js",
      config: { testMatch: core.tests.map((test) => `<rootDir>/${test}`) },
      enableFindRelatedTests: false,
    },
    coverageAnalysis: "perTest",
    checkers: ["typescript"],
    tsconfigFile: "tsconfig.build.json",
    mutate: core.lines ? core.lines.map(([first, last]) => `${core.file}:${first}-${last}`) : [core.file],
    reporters: ["json", "clear-text", "progress-append-only"],
    clearTextReporter: { allowColor: false, logTests: false, reportMutants: false, reportScoreTable: true },
    jsonReporter: { fileName: reportFile },
    concurrency: Number(process.env.MUTATION_CONCURRENCY ?? Math.max(1, Math.min(2, cpus().length))),
    // The emulator's tests run on scaled clocks; a busy machine stretches them.
    timeoutMS: 10_000,
    tempDirName: ".stryker-tmp",
    ignorePatterns: ["dist", "reports", "coverage", "examples/*/node_modules", "tools/engine/cli"],
    thresholds: { high: 90, low: GOAL_PERCENT, break: null },
  };
}

async function runStryker(core: Measured): Promise<FileScore> {
  const name = basename(core.file, ".ts");
  const configFile = join(REPORTS, `${name}.stryker.json`);
  const reportFile = join(REPORTS, `${name}.json`);
  const logFile = join(REPORTS, `${name}.log`);
  writeFileSync(configFile, `${JSON.stringify(strykerConfig(core, reportFile), null, 2)}\n`);
  const date = new Date().toISOString();
  const started = performance.now();
  rmSync(reportFile, { force: true });
  const log = openSync(logFile, "w");
  const code = await new Promise<number | null>((resolve, reject) => {
    // Stryker's progress goes to the log as it comes, for `tail -f`.
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, "node_modules", "@stryker-mutator", "core", "bin", "stryker.js"), "run", configFile],
      {
        cwd: REPO_ROOT,
        stdio: ["ignore", log, log],
      },
    );
    child.once("error", reject);
    child.once("exit", resolve);
  }).finally(() => closeSync(log));
  if (code !== 0) throw new Error(`Stryker failed on ${core.file} (exit ${code}); its output is in ${logFile}`);
  const seconds = (performance.now() - started) / 1000;
  const report = (existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, "utf8")) : { files: {} }) as StrykerReport;
  // Changed lines that hold no mutant (a comment, a removal) leave the file out of Stryker's report.
  if (core.lines && !report.files[core.file]) report.files[core.file] = { source: "", mutants: [] };
  return scoreFile(core.file, core.tests, { date, seconds }, report, EQUIVALENT_MUTANTS);
}

/** docs/MUTATION.md with the files of `run` measured again and the others' figures kept. */
function writeDocs(run: MutationRun): void {
  const docs = join(REPO_ROOT, "docs", "MUTATION.md");
  const recorded = existsSync(docs) ? recordedRun(readFileSync(docs, "utf8")) : undefined;
  writeFileSync(
    docs,
    renderReport(
      mergeRuns(
        recorded,
        run,
        CORE_FILES.map((core) => core.file),
      ),
    ),
  );
}

function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(args: string[]): Promise<number> {
  const options = parse(args);
  const files = selectFiles(options);
  mkdirSync(REPORTS, { recursive: true });
  const command = `npm run mutation${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`;
  const run: MutationRun = { command, machine: machine(), files: [] };
  const started = performance.now();
  for (const core of files) {
    const lines = core.lines
      ? ` (lines ${core.lines.map(([first, last]) => (first === last ? first : `${first}-${last}`)).join(", ")})`
      : "";
    progress(`${core.file}${lines} with ${core.tests.join(", ")} ...`);
    const score = await runStryker(core);
    run.files.push(score);
    // Written after each file, so that an interrupted run keeps what it measured.
    if (options.write) writeDocs(run);
    progress(
      `${core.file}: ${score.score.toFixed(1)} % (${score.killed + score.timedOut} detected, ${score.undetected.length} undetected, ${score.equivalent.length} equivalent) in ${score.seconds.toFixed(0)} s`,
    );
  }
  process.stdout.write(renderReport(run));
  const below = run.files.filter((score) => !meetsGoal(score));
  progress(`mutation testing took ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (below.length === 0) return 0;
  progress(`below the goal of ${GOAL_PERCENT} %: ${below.map((score) => `${score.file} ${score.score.toFixed(1)} %`).join(", ")}`);
  return 1;
}

runMain(() => main(process.argv.slice(2)), progress);
