import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { defaultImageWaiterOptions } from "../../src/client/image-waiter";
import { REPO_ROOT } from "../helpers/example-package";
import { type BenchPlan, FULL_PLAN, QUICK_PLAN } from "./bench-plan";
import { concurrentImports } from "./concurrent-imports";
import { multiRegion } from "./multi-region";
import { preview } from "./preview";
import { type BenchResults, machine, renderReport } from "./render-report";
import { singleImports } from "./single-import";
import { ACTION_WAIT, IMPORT_WAIT, stateChangeSchedule } from "./terraform-replay";
import { warmUp } from "./warm-up";

/**
 * `npm run bench` prints the report (markdown with a JSON appendix) on stdout and progress on
 * stderr; `-- --write` also writes it to docs/PERFORMANCE.md; `-- --quick` (or BENCH_QUICK=1)
 * runs the small variant CI runs. It is not a test: it fails only when a run errors.
 */

const USAGE = "usage: npm run bench [-- --quick] [-- --write]";

async function main(args: string[]): Promise<void> {
  const unknown = args.filter((arg) => arg !== "--quick" && arg !== "--write");
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(" ")}; ${USAGE}`);
  const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
  const write = args.includes("--write");
  if (quick && write) throw new Error("--write records the full run in docs/PERFORMANCE.md; run it without --quick");
  const plan = quick ? QUICK_PLAN : FULL_PLAN;
  const command = `npm run bench${quick ? " -- --quick" : write ? " -- --write" : ""}`;

  const results = await run(plan, command);
  const report = renderReport(results);
  process.stdout.write(report);
  if (write) {
    const path = join(REPO_ROOT, "docs", "PERFORMANCE.md");
    writeFileSync(path, report);
    progress(`wrote ${path}`);
  }
}

async function run(plan: BenchPlan, command: string): Promise<BenchResults> {
  const date = new Date().toISOString();
  const started = performance.now();
  const step = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    collectGarbage();
    const stepStarted = performance.now();
    progress(`${what} ...`);
    const result = await body();
    progress(`${what}: ${((performance.now() - stepStarted) / 1000).toFixed(1)} s`);
    return result;
  };

  await step("warm-up", warmUp);
  const single = await step(`scenario 1: ${plan.singleImportsMs.length} single imports`, () => singleImports(plan.scale, plan.singleImportsMs));
  const { count, shortestMs, longestMs } = plan.concurrent;
  const concurrent = await step(`scenario 2: ${count} concurrent imports`, () => concurrentImports(plan.scale, count, shortestMs, longestMs));
  const capSeconds = defaultImageWaiterOptions.maxIntervalMs / 1000;
  const variantSeconds = plan.capVariantSeconds;
  const capVariant =
    variantSeconds !== undefined && variantSeconds !== capSeconds
      ? await step(`scenario 2 with a ${variantSeconds} s poll interval cap`, () =>
          concurrentImports(plan.scale, count, shortestMs, longestMs, {
            providerConfig: { "digitalocean-custom-image:pollIntervalSeconds": String(variantSeconds) },
            terraform: false,
          }),
        )
      : undefined;
  const regions = await step(`scenario 3: ${Object.keys(plan.multiRegion.transfersMs).length + 1} regions`, () =>
    multiRegion(plan.scale, plan.multiRegion.importMs, plan.multiRegion.transfersMs),
  );
  const previewed = await step(`scenario 4: preview of ${plan.previewResources} resources`, () => preview(plan.previewResources));

  return {
    plan,
    machine: machine(),
    command,
    date,
    durationSeconds: (performance.now() - started) / 1000,
    providerCapSeconds: capSeconds,
    terraformSchedule: {
      importPollsSeconds: stateChangeSchedule(IMPORT_WAIT, 6).map((ms) => ms / 1000),
      transferPollsSeconds: stateChangeSchedule(ACTION_WAIT, 6).map((ms) => ms / 1000),
    },
    singleImports: single,
    concurrentImports: concurrent,
    capVariant,
    multiRegion: regions,
    preview: previewed,
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

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
