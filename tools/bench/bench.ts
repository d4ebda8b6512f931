import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { runMain } from "../shared/run-main";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { defaultImageWaiterOptions } from "../../src/client/image-waiter";
import { REPO_ROOT } from "../shared/example-package";
import { parseArgs } from "./bench-args";
import { type BenchPlan, FULL_PLAN, QUICK_PLAN } from "./bench-plan";
import { concurrentImports } from "./concurrent-imports";
import { manyStacks } from "./many-stacks";
import { multiRegion } from "./multi-region";
import { preview } from "./preview";
import { type BenchResults, type Lag, renderReport, type RunResults, storedResults } from "./render-report";
import { anchorBench } from "./anchor-bench";
import { ANCHOR_PLAN } from "./anchor-figures";
import { renderAnchorSection } from "./render-anchor";
import { machine } from "../shared/report";
import { singleImports } from "./single-import";
import { ACTION_WAIT, IMPORT_WAIT, stateChangeSchedule } from "./terraform-replay";
import { uploadScenario } from "./upload";
import { warmUp } from "./warm-up";

/**
 * `npm run bench` prints the report (markdown with a JSON appendix) on stdout and progress on
 * stderr; `-- --write` also writes it to docs/PERFORMANCE.md; `-- --quick` (or BENCH_QUICK=1)
 * runs the small variant CI runs; `-- --repeat N` runs every scenario N times (default 3). It is
 * not a test: it fails only when a run errors. `-- --anchor` runs the anchor's side instead
 * (anchor-bench.ts: the real CLI, real time, default 1 run); with `--write` it rewrites the report
 * around the replay's figures kept in its JSON appendix, as a full `--write` keeps the anchor's.
 */

const REPORT = join(REPO_ROOT, "docs", "PERFORMANCE.md");

async function main(args: string[]): Promise<void> {
  const { quick, anchor, write, repeat } = parseArgs(args);
  if (quick && write) throw new Error("--write records the full run in docs/PERFORMANCE.md; run it without --quick");
  const flags = [
    anchor ? "--anchor" : "",
    quick ? "--quick" : "",
    write ? "--write" : "",
    repeat === undefined ? "" : `--repeat ${repeat}`,
  ].filter(Boolean);
  const command = `npm run bench${flags.length > 0 ? ` -- ${flags.join(" ")}` : ""}`;
  if (anchor) {
    // Checked before minutes of measuring, read again after them (a full run may have written meanwhile).
    if (write && !stored()) throw new Error(`${REPORT} holds no figures of a full run to keep: run \`npm run bench -- --write\` first`);
    const results = await anchorBench({ ...ANCHOR_PLAN, ...(repeat === undefined ? {} : { repeat }) }, command, progress);
    if (!write) {
      process.stdout.write(`${renderAnchorSection(results).join("\n")}\n`);
      return;
    }
    const full = stored();
    if (!full) throw new Error(`${REPORT} lost the figures of its full run while the anchor was measured`);
    return writeReport({ ...full, anchor: results });
  }
  const plan = { ...(quick ? QUICK_PLAN : FULL_PLAN), ...(repeat === undefined ? {} : { repeat }) };
  const measured = await run(plan, command);
  const kept = stored()?.anchor;
  const results: BenchResults = { ...measured, ...(kept ? { anchor: kept } : {}) };
  if (!write) {
    process.stdout.write(renderReport(results));
    return;
  }
  writeReport(results);
}

/** The figures docs/PERFORMANCE.md was rendered from, if it has them. */
function stored(): BenchResults | undefined {
  return existsSync(REPORT) ? storedResults(readFileSync(REPORT, "utf8")) : undefined;
}

function writeReport(results: BenchResults): void {
  const report = renderReport(results);
  process.stdout.write(report);
  writeFileSync(REPORT, report);
  progress(`wrote ${REPORT}`);
}

async function run(plan: BenchPlan, command: string): Promise<BenchResults> {
  const date = new Date().toISOString();
  const started = performance.now();
  const lagOf = new Map<string, Lag>();
  const step = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    collectGarbage();
    const stepStarted = performance.now();
    progress(`${what} ...`);
    // How late this process's timers fired during the step: the time factor turns that into
    // simulated seconds, so the report shows how far the machine's load reached the figures.
    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    try {
      return await body();
    } finally {
      delay.disable();
      lagOf.set(what, { p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 });
      progress(`${what}: ${((performance.now() - stepStarted) / 1000).toFixed(1)} s`);
    }
  };

  await step("warm-up", warmUp);
  const runs: RunResults[] = [];
  for (let index = 1; index <= plan.repeat; index++) {
    const of = `run ${index} of ${plan.repeat}`;
    const { count, shortestMs, longestMs, scale: concurrentScale } = plan.concurrent;
    const single = await step(
      `${of}, scenario 1: ${plan.singleImportsMs.length} single imports × ${plan.singleSampleOffsetsMs.length}`,
      () => singleImports(plan.scale, plan.singleImportsMs, plan.singleSampleOffsetsMs),
    );
    const concurrent = await step(`${of}, scenario 2: ${count} concurrent imports`, () =>
      concurrentImports(concurrentScale, count, shortestMs, longestMs),
    );
    const regions = await step(`${of}, scenario 3: ${Object.keys(plan.multiRegion.transfersMs).length + 1} regions`, () =>
      multiRegion(plan.scale, plan.multiRegion.importMs, plan.multiRegion.transfersMs),
    );
    const stacks = await step(`${of}, scenario 5: ${plan.manyStacks.deployments} deployments on one token`, () =>
      manyStacks(plan.manyStacks),
    );
    const lag = Object.fromEntries(
      [...lagOf].filter(([what]) => what.startsWith(of)).map(([what, value]) => [what.slice(of.length + 2).replace(/:.*/, ""), value]),
    );
    runs.push({ singleImports: single, concurrentImports: concurrent, multiRegion: regions, manyStacks: stacks, lag });
  }
  const previewed = await step(`scenario 4: preview of ${plan.previewResources} resources`, () => preview(plan.previewResources));
  const upload = await step(`scenario 6: uploading a ${plan.upload.fileMiB} MiB file`, () => uploadScenario(plan.upload));

  return {
    plan,
    machine: machine(),
    command,
    date,
    durationSeconds: (performance.now() - started) / 1000,
    waiter: defaultImageWaiterOptions,
    terraformSchedule: {
      importPollsSeconds: stateChangeSchedule(IMPORT_WAIT, 6).map((ms) => ms / 1000),
      transferPollsSeconds: stateChangeSchedule(ACTION_WAIT, 6).map((ms) => ms / 1000),
    },
    runs,
    preview: previewed,
    upload,
  };
}

/**
 * A full collection before each scenario, so that this process (which runs the emulators and the
 * replay) is less likely to pause for one during a measurement: the time factor would stretch a
 * 50 ms pause into seconds of simulated time. `gc` is exposed at run time because tsx's command
 * line offers no place for `--expose-gc` and NODE_OPTIONS does not accept it.
 */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

runMain(() => main(process.argv.slice(2)), progress, 1);
