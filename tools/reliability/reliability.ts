import { writeFileSync } from "node:fs";
import { runMain } from "../shared/run-main";
import { join } from "node:path";
import { machine } from "../shared/report";
import { REPO_ROOT } from "../shared/example-package";
import { badInputs } from "./bad-inputs";
import { crashes } from "./crashes";
import { drift } from "./drift";
import { Expectations } from "./expectations";
import { faultMatrix } from "./fault-matrix";
import { load } from "./load";
import { type ReliabilityResults, renderReport, type SuiteName, SUITES } from "./render-report";
import { secrets } from "./secrets";
import { replayCommand, soak, soakFigures } from "./soak";
import { SIZES } from "./soak-sequence";

/**
 * `npm run reliability` runs the seven suites (fault matrix, bad inputs, secrets, crashes, load,
 * drift, and the quick size of the randomized soak with a random seed, or `SOAK_SEED`) through the SDK's dynamic-provider host against the emulator, prints the report (markdown
 * with a JSON appendix) on stdout and progress on stderr, and exits non-zero when any expectation
 * failed, listing them. `-- --write` also writes the report to docs/RELIABILITY.md; `-- --only
 * <suite>[,<suite>]` runs some suites (for development; it cannot be combined with --write).
 */

const USAGE = `usage: npm run reliability [-- --write] [-- --only ${SUITES.join(",")}]`;

function parse(args: string[]): { write: boolean; only: SuiteName[] } {
  let write = false;
  let only: SuiteName[] = [...SUITES];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === "--write") write = true;
    else if (arg === "--only") {
      const names = (args[++index] ?? "").split(",");
      const unknown = names.filter((name) => !SUITES.includes(name as SuiteName));
      if (unknown.length > 0 || names.length === 0) throw new Error(`unknown suite ${unknown.join(",")}; ${USAGE}`);
      only = names as SuiteName[];
    } else throw new Error(`unknown argument ${arg}; ${USAGE}`);
  }
  if (write && only.length !== SUITES.length) throw new Error("--write records every suite in docs/RELIABILITY.md; run it without --only");
  return { write, only };
}

async function main(args: string[]): Promise<number> {
  const { write, only } = parse(args);
  const command = `npm run reliability${write ? " -- --write" : only.length < SUITES.length ? ` -- --only ${only.join(",")}` : ""}`;
  const date = new Date().toISOString();
  const started = performance.now();
  const checks: Record<SuiteName, Expectations> = Object.fromEntries(SUITES.map((suite) => [suite, new Expectations(suite)])) as Record<
    SuiteName,
    Expectations
  >;
  const results: ReliabilityResults = { command, date, machine: machine(), durationSeconds: 0, suites: {} };

  const run = async <K extends SuiteName>(suite: K, body: () => Promise<NonNullable<ReliabilityResults["suites"][K]>>) => {
    if (!only.includes(suite)) return;
    const suiteStarted = performance.now();
    progress(`${suite} ...`);
    try {
      results.suites[suite] = await body();
    } catch (error) {
      checks[suite].expect(
        `the ${suite} suite ran to its end`,
        false,
        error instanceof Error ? (error.stack ?? error.message) : String(error),
      );
    }
    progress(
      `${suite}: ${((performance.now() - suiteStarted) / 1000).toFixed(1)} s, ${checks[suite].failed.length} of ${checks[suite].all.length} expectations failed`,
    );
  };

  // The fault matrix first and alone: its hosts abandon requests after 400 real ms (so that a
  // hang costs little), and a request slowed past that by a busy machine would be a fault of its
  // own. Then the light suites beside the crash scenarios, whose margins are wide; the load last.
  await run("faults", () => faultMatrix(checks.faults, (line) => progress(`  faults: ${line}`)));
  await Promise.all([
    (async () => {
      await run("inputs", () => badInputs(checks.inputs));
      await run("secrets", () => secrets(checks.secrets));
      await run("drift", () => drift(checks.drift));
    })(),
    run("crashes", () => crashes(checks.crashes)),
  ]);
  await run("load", () => load(checks.load));
  // Last and alone: its steps are bounded in simulated time, which a busy machine stretches.
  await run("soak", async () => {
    const seed = process.env.SOAK_SEED !== undefined ? Number(process.env.SOAK_SEED) : Math.floor(Math.random() * 2 ** 31);
    progress(`  soak: seed ${seed}`);
    const results = await soak({ size: SIZES.quick, seed, log: (line) => progress(`  soak: ${line}`) });
    const figures = soakFigures(results);
    checks.soak.none(
      `soak: every sequence keeps the account and the states in agreement and converges (${figures.sequences} sequences, ${figures.steps} steps, seed ${seed})`,
      results.sequences.flatMap((report) => report.violations.map((violation) => `[${replayCommand(results, report.path)}] ${violation}`)),
    );
    return results;
  });

  results.durationSeconds = (performance.now() - started) / 1000;
  results.expectations = SUITES.filter((suite) => only.includes(suite)).map((suite) => ({
    suite,
    total: checks[suite].all.length,
    failed: checks[suite].failed,
  }));
  const report = renderReport(results);
  process.stdout.write(report);
  if (write) {
    const path = join(REPO_ROOT, "docs", "RELIABILITY.md");
    writeFileSync(path, report);
    progress(`wrote ${path}`);
  }
  const failed = results.expectations.flatMap((suite) => suite.failed);
  const total = results.expectations.reduce((sum, suite) => sum + suite.total, 0);
  if (failed.length > 0) {
    progress(`${failed.length} of ${total} expectations FAILED:`);
    for (const expectation of failed)
      progress(`  ✗ [${expectation.suite}] ${expectation.what}${expectation.detail ? `: ${expectation.detail}` : ""}`);
    return 1;
  }
  progress(`all ${total} expectations met in ${results.durationSeconds.toFixed(1)} s`);
  return 0;
}

function progress(message: string): void {
  process.stderr.write(`[reliability] ${message}\n`);
}

runMain(() => main(process.argv.slice(2)), progress);
