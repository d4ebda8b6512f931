import { type Machine, markdownTable, rounded } from "../shared/report";
import type { BenchPlan } from "./bench-plan";
import type { ConcurrentImportsFigures } from "./concurrent-imports";
import type { MultiRegionFigures } from "./multi-region";
import type { PreviewFigures } from "./preview";
import type { ImageWaiterOptions } from "../../src/client/image-waiter";
import { defaultPollYield } from "../../src/client/rate-budget";
import type { ManyStacksFigures } from "./many-stacks";
import { frontier, SCHEDULES_TRIED } from "./schedule-frontier";
import type { SingleImportFigures } from "./single-import";
import type { ToolFigures } from "./tool-figures";
import { renderUpload, type UploadFigures } from "./upload";
import type { AnchorResults } from "./anchor-bench";
import { renderAnchorSection } from "./render-anchor";

/** How late the bench process's timers fired during a scenario (real ms). */
export interface Lag {
  p99Ms: number;
  maxMs: number;
}

/** One run of the scaled-clock scenarios. */
export interface RunResults {
  singleImports: SingleImportFigures[];
  concurrentImports: ConcurrentImportsFigures;
  multiRegion: MultiRegionFigures;
  manyStacks: ManyStacksFigures;
  /** By scenario ("scenario 1", ...). */
  lag: Record<string, Lag>;
}

export interface BenchResults {
  plan: BenchPlan;
  machine: Machine;
  command: string;
  /** ISO 8601, when the run started. */
  date: string;
  /** Real seconds the whole run took. */
  durationSeconds: number;
  /** The provider's default schedule (src/client/image-waiter.ts). */
  waiter: ImageWaiterOptions;
  /** Offsets of Terraform's first refreshes after a wait starts, simulated seconds. */
  terraformSchedule: { importPollsSeconds: number[]; transferPollsSeconds: number[] };
  runs: RunResults[];
  /** Measured once, in real time. */
  preview: PreviewFigures;
  /** Scenario 6, measured once, in real time. */
  upload: UploadFigures;
  /** `npm run bench -- --anchor`'s figures, kept from the report's JSON appendix by the run that did not measure them. */
  anchor?: AnchorResults;
}

const JSON_HEADING = "## Figures (JSON)";

/**
 * The figures a report was rendered from (its JSON appendix, rounded to 3 decimals), so that
 * `--anchor --write` can rewrite the report around the replay's last figures and `--write` keep
 * the anchor's; undefined when the report has no appendix.
 */
export function storedResults(report: string): BenchResults | undefined {
  const start = report.indexOf(`${JSON_HEADING}\n\n\`\`\`json\n`);
  if (start < 0) return undefined;
  const body = report.slice(report.indexOf("{", start));
  return JSON.parse(body.slice(0, body.lastIndexOf("\n```"))) as BenchResults;
}

/** The issue's goals for this provider. */
const GOALS = {
  loneRequestRatio: 3,
  loneHourRequests: 300,
  p95Seconds: 4.7,
  pollsPerMinute: 15,
  rateLimited: 0,
  transferRatio: 1.2,
  providerChars: 2048,
  stacksDetectionSeconds: 60,
  stacksHourRequests: 5000,
};
const RATE_LIMIT_PER_MINUTE = 250;
const HOUR_SECONDS = 3600;

// ---- formatting ------------------------------------------------------------------------------

const fixed = (value: number, digits: number) => value.toFixed(digits);
/** One decimal, without a trailing ".0". */
const short = (value: number) => fixed(value, 1).replace(/\.0$/, "");
const count = (value: number) => Math.round(value).toLocaleString("en-US");
const seconds = (value: number) => (Math.abs(value) >= 120 ? `${short(value / 60)} min` : `${short(value)} s`);
const ratio = (value: number, base: number) => (base === 0 ? "—" : `${fixed(value / base, 2)}×`);
const megabytes = (value: number | undefined) => (value === undefined ? "n/a" : `${fixed(value, 0)} MB`);
const ms = (value: number) => `${fixed(value, value < 10 ? 1 : 0)} ms`;
const offsets = (values: number[]) => `${values.map((value) => `+${value} s`).join(", ")}, …`;

interface GoalCheck {
  met: boolean;
  text: string;
}

/** `value` against an upper bound, in the figure's own unit. */
function atMost(value: number, limit: number, format: (value: number) => string, shownLimit = format(limit)): GoalCheck {
  const met = value <= limit;
  return { met, text: met ? `≤ ${shownLimit}: **met**` : `≤ ${shownLimit}: **missed** by ${format(value - limit)}` };
}

/** `value` strictly below a bound. */
function below(value: number, limit: number, format: (value: number) => string, shownLimit = format(limit)): GoalCheck {
  const met = value < limit;
  return { met, text: met ? `< ${shownLimit}: **met**` : `< ${shownLimit}: **missed** by ${format(value - limit)}` };
}

const p95Goal = (value: number) => atMost(value, GOALS.p95Seconds, (v) => `${fixed(v, 2)} s`, `${GOALS.p95Seconds} s`);
const loneRatioGoal = (value: number) => atMost(value, GOALS.loneRequestRatio, (v) => `${fixed(v, 2)}×`, `${GOALS.loneRequestRatio}×`);
const loneHourGoal = (value: number) => atMost(value, GOALS.loneHourRequests, (v) => fixed(v, 0));
const loneP95Goal = (ours: number, terraform: number) =>
  below(ours, terraform, (v) => `${fixed(v, 1)} s`, `Terraform's ${fixed(terraform, 1)} s`);
const stacksDetectionGoal = (value: number) => atMost(value, GOALS.stacksDetectionSeconds, (v) => `${fixed(v, 1)} s`);
const stacksHourGoal = (value: number) => below(value, GOALS.stacksHourRequests, count);
const noneGoal = (value: number): GoalCheck =>
  value === 0 ? { met: true, text: "none: **met**" } : { met: false, text: `none: **missed** (${count(value)})` };
const pollsGoal = (value: number) => atMost(value, GOALS.pollsPerMinute, count);
const rateLimitedGoal = noneGoal;
const transferGoal = (value: number) => atMost(value, GOALS.transferRatio, (v) => `${fixed(v, 2)}×`, `${GOALS.transferRatio}×`);
const providerGoal = (value: number) => atMost(value, GOALS.providerChars, count);

// ---- the table ------------------------------------------------------------------------------

type Row = [scenario: string, figure: string, ours: string, terraform: string, ratio: string, goal: string];

function tableRows(results: BenchResults, run: RunResults): Row[] {
  const rows: Row[] = [];
  const samples = results.plan.singleSampleOffsetsMs.length;
  for (const single of run.singleImports) {
    const scenario = `1 · one import of ${seconds(single.importSeconds)} (+${results.plan.singleSampleOffsetsMs.map((offset) => short(offset / 1000)).join(", +")} s)`;
    const { ours, terraform } = single;
    const hour = single.importSeconds === HOUR_SECONDS ? `; ${loneHourGoal(ours.requests).text.replace("≤", "and ≤")}` : "";
    rows.push([
      scenario,
      `requests per import, mean of ${samples} (physical limit: 2)`,
      fixed(ours.requests, 1),
      fixed(terraform.requests, 1),
      ratio(ours.requests, terraform.requests),
      `${loneRatioGoal(ours.requests / terraform.requests).text}${hour}`,
    ]);
    rows.push([
      scenario,
      `detection latency p95 of ${samples} (of which the poll schedule's p95) (physical limit: 0 s)`,
      `${seconds(ours.detectionP95)} (${seconds(ours.scheduleP95)})`,
      `${seconds(terraform.detectionP95)} (${seconds(terraform.scheduleP95)})`,
      ratio(ours.detectionP95, terraform.detectionP95),
      loneP95Goal(ours.detectionP95, terraform.detectionP95).text,
    ]);
  }

  const concurrent = run.concurrentImports;
  const ours = concurrent.ours;
  const terraform = concurrent.terraform!;
  const scenario = `2 · ${concurrent.images} concurrent imports of ${seconds(concurrent.shortestImportSeconds)}–${seconds(concurrent.longestImportSeconds)}`;
  const both = (figure: string, pick: (tool: ToolFigures) => number, format: (value: number) => string, goal = ""): Row => [
    scenario,
    figure,
    format(pick(ours)),
    format(pick(terraform)),
    ratio(pick(ours), pick(terraform)),
    goal,
  ];
  rows.push(both("requests in total", (tool) => tool.requests.total, count));
  rows.push(
    both("polling requests in the busiest minute", (tool) => tool.peakPerMinute.poll, count, pollsGoal(ours.peakPerMinute.poll).text),
  );
  rows.push(
    both(
      "polling requests per minute, mean",
      (tool) => tool.meanPollsPerMinute,
      (value) => fixed(value, 1),
    ),
  );
  rows.push(
    both(`all requests in the busiest minute (DigitalOcean allows ${RATE_LIMIT_PER_MINUTE})`, (tool) => tool.peakPerMinute.all, count),
  );
  rows.push(both("429 responses", (tool) => tool.rateLimited, count, rateLimitedGoal(ours.rateLimited).text));
  rows.push(both("detection latency p50", (tool) => tool.detection.p50, seconds));
  rows.push(both("detection latency p95", (tool) => tool.detection.p95, seconds, p95Goal(ours.detection.p95).text));
  rows.push(both("detection latency max", (tool) => tool.detection.max, seconds));
  rows.push(both(`wall time (longest import: ${seconds(concurrent.longestImportSeconds)})`, (tool) => tool.wallSeconds, seconds));
  rows.push(
    both(
      "wall time ÷ longest import",
      (tool) => tool.wallSeconds / concurrent.longestImportSeconds,
      (value) => `${fixed(value, 3)}×`,
    ),
  );
  rows.push([scenario, "host peak memory (VmHWM)", megabytes(concurrent.hostPeakRssMb), "—", "", ""]);

  const multi = run.multiRegion;
  const regionsScenario = `3 · one image to ${multi.regions.length} regions`;
  const transferRatio = (figures: MultiRegionFigures["ours"]) => figures.transferPhaseSeconds / multi.slowestTransferSeconds;
  rows.push([
    regionsScenario,
    `transfers: first transfer POST to create returned (slowest transfer: ${seconds(multi.slowestTransferSeconds)})`,
    seconds(multi.ours.transferPhaseSeconds),
    seconds(multi.terraform.transferPhaseSeconds),
    ratio(multi.ours.transferPhaseSeconds, multi.terraform.transferPhaseSeconds),
    "",
  ]);
  rows.push([
    regionsScenario,
    "transfers ÷ slowest transfer",
    `${fixed(transferRatio(multi.ours), 2)}×`,
    `${fixed(transferRatio(multi.terraform), 2)}×`,
    ratio(transferRatio(multi.ours), transferRatio(multi.terraform)),
    transferGoal(transferRatio(multi.ours)).text,
  ]);
  rows.push([
    regionsScenario,
    `whole create (import + slowest transfer: ${seconds(multi.importSeconds + multi.slowestTransferSeconds)})`,
    seconds(multi.ours.createSeconds),
    seconds(multi.terraform.createSeconds),
    ratio(multi.ours.createSeconds, multi.terraform.createSeconds),
    "",
  ]);
  rows.push([
    regionsScenario,
    "requests",
    count(multi.ours.requests.total),
    count(multi.terraform.requests.total),
    ratio(multi.ours.requests.total, multi.terraform.requests.total),
    "",
  ]);

  rows.push(...manyStacksRows(run.manyStacks));

  const preview = results.preview;
  const previewScenario = `4 · preview of ${preview.resources} resources`;
  const notReplayed = "not replayed";
  const memory = preview.hostRssMb;
  rows.push([previewScenario, "host start-up", ms(preview.hostStartupMs), notReplayed, "", ""]);
  rows.push([previewScenario, "first call (the host loads the provider)", ms(preview.firstCallMs), notReplayed, "", ""]);
  rows.push([previewScenario, "wall time: Check + Diff of every resource, all in flight", ms(preview.wallMs), notReplayed, "", ""]);
  rows.push([previewScenario, "per resource (wall ÷ resources)", ms(preview.perResourceMs), notReplayed, "", ""]);
  rows.push([
    previewScenario,
    "one resource's Check + Diff, p50 / max",
    `${ms(preview.resourceLatencyMs.p50)} / ${ms(preview.resourceLatencyMs.max)}`,
    notReplayed,
    "",
    "",
  ]);
  rows.push([
    previewScenario,
    "`__provider` per resource (characters)",
    count(preview.providerChars),
    notReplayed,
    "",
    providerGoal(preview.providerChars).text,
  ]);
  rows.push([previewScenario, "one resource's outputs as JSON (characters)", count(preview.stateCharsPerResource), notReplayed, "", ""]);
  rows.push([previewScenario, "API requests", count(preview.apiRequests), notReplayed, "", ""]);
  rows.push([
    previewScenario,
    "host memory (RSS): configured / provider loaded / peak (VmHWM)",
    memory ? `${megabytes(memory.atStart)} / ${megabytes(memory.providerLoaded)} / ${megabytes(memory.peak)}` : "n/a",
    notReplayed,
    "",
    "",
  ]);
  rows.push([previewScenario, "host peak memory of the `up` that created them", megabytes(preview.upHostPeakRssMb), notReplayed, "", ""]);
  return rows;
}

function manyStacksRows(stacks: ManyStacksFigures): Row[] {
  const { plan } = stacks;
  const scenario = `5 · ${plan.deployments} deployments × ${plan.imagesEach} imports of ${seconds(plan.shortestMs / 1000)}–${seconds(plan.longestMs / 1000)}, one token, ${plan.backgroundPerMinute} other requests a minute`;
  const row = (figure: string, value: string, goal = ""): Row => [scenario, figure, value, "not replayed", "", goal];
  const { requests, rateLimited, detection, budgetWaits } = stacks;
  return [
    row(
      "the token's requests during the run (this provider + other traffic)",
      `${count(stacks.peakPerHour)} (${count(requests.ours)} + ${count(requests.background)})`,
    ),
    row(
      `the token's hour holding the run, the other traffic steady all hour (this provider + ${plan.backgroundPerMinute} × 60)`,
      count(stacks.hourWithSteadyBackground),
      stacksHourGoal(stacks.hourWithSteadyBackground).text,
    ),
    row("this provider's writes / GETs", `${count(requests.oursWrites)} / ${count(requests.oursGets)}`),
    row(`the token's requests in the busiest minute (DigitalOcean allows ${RATE_LIMIT_PER_MINUTE})`, count(stacks.peakPerMinute)),
    row(
      "429 responses: this provider / other traffic",
      `${count(rateLimited.ours)} / ${count(rateLimited.background)}`,
      noneGoal(rateLimited.ours + rateLimited.background).text,
    ),
    row(
      "writes the rate budget held back (GETs held back)",
      `${count(budgetWaits.writes)} (${count(budgetWaits.gets)})`,
      noneGoal(budgetWaits.writes).text,
    ),
    row("detection latency p50 / p95", `${seconds(detection.p50)} / ${seconds(detection.p95)}`),
    row("detection latency max", seconds(detection.max), stacksDetectionGoal(detection.max).text),
    row("wall time, first deployment's start to last create's return", seconds(stacks.wallSeconds)),
    row(`peak memory of the ${plan.deployments} hosts, summed (VmHWM)`, megabytes(stacks.hostsPeakRssMb)),
  ];
}

/** The lone-image schedules tried, worked out from the schedules (see schedule-frontier.ts), and the chosen one as measured. */
function frontierTable(results: BenchResults): string {
  const durationsMs = results.plan.singleImportsMs;
  const offsetsMs = results.plan.singleSampleOffsetsMs;
  const hour = durationsMs.includes(HOUR_SECONDS * 1000);
  const rows = SCHEDULES_TRIED.map(({ label, options }) => {
    const points = frontier(options, durationsMs, offsetsMs);
    const worstRatio = Math.max(...points.map((point) => point.ours.requests / point.terraform.requests));
    const worstP95 = points.reduce((worst, point) =>
      point.ours.p95Ms - point.terraform.p95Ms > worst.ours.p95Ms - worst.terraform.p95Ms ? point : worst,
    );
    const hourPoint = points.find((point) => point.durationMs === HOUR_SECONDS * 1000);
    const met =
      worstRatio <= GOALS.loneRequestRatio &&
      worstP95.ours.p95Ms < worstP95.terraform.p95Ms &&
      (!hourPoint || hourPoint.ours.requests <= GOALS.loneHourRequests);
    return [
      label,
      `${fixed(worstRatio, 2)}× (${seconds(points.find((point) => point.ours.requests / point.terraform.requests === worstRatio)!.durationMs / 1000)})`,
      hourPoint ? fixed(hourPoint.ours.requests, 0) : "—",
      `${seconds(worstP95.ours.p95Ms / 1000)} vs ${seconds(worstP95.terraform.p95Ms / 1000)} (${seconds(worstP95.durationMs / 1000)})`,
      `${fixed(60_000 / options.minIntervalMs, 1)}`,
      met ? "all met" : "missed",
    ];
  });
  const measured = results.runs.map((run) => {
    const worstRatio = Math.max(...run.singleImports.map((single) => single.ours.requests / single.terraform.requests));
    const worst = run.singleImports.reduce((a, b) =>
      b.ours.detectionP95 - b.terraform.detectionP95 > a.ours.detectionP95 - a.terraform.detectionP95 ? b : a,
    );
    const hourImport = run.singleImports.find((single) => single.importSeconds === HOUR_SECONDS);
    return { worstRatio, worst, hourRequests: hourImport?.ours.requests };
  });
  const spread = (values: number[], format: (value: number) => string) => values.map(format).join(" / ");
  rows.push([
    `the default, measured (${results.runs.length} runs, through the host)`,
    spread(
      measured.map((run) => run.worstRatio),
      (value) => `${fixed(value, 2)}×`,
    ),
    hour
      ? spread(
          measured.map((run) => run.hourRequests ?? Number.NaN),
          (value) => fixed(value, 0),
        )
      : "—",
    measured
      .map(
        (run) =>
          `${seconds(run.worst.ours.detectionP95)} vs ${seconds(run.worst.terraform.detectionP95)} (${seconds(run.worst.importSeconds)})`,
      )
      .join(" / "),
    fixed(60_000 / results.waiter.minIntervalMs, 1),
    measured.every(
      (run) =>
        run.worstRatio <= GOALS.loneRequestRatio &&
        run.worst.ours.detectionP95 < run.worst.terraform.detectionP95 &&
        (run.hourRequests ?? 0) <= GOALS.loneHourRequests,
    )
      ? "all met"
      : "missed",
  ]);
  return markdownTable(
    [
      "schedule of one wait",
      `requests ÷ Terraform's, worst duration (goal ≤ ${GOALS.loneRequestRatio}×)`,
      `60 min import, requests (goal ≤ ${GOALS.loneHourRequests})`,
      "detection p95 vs Terraform's, closest duration (goal: below)",
      `rounds a minute for many imports (goal ≤ ${GOALS.pollsPerMinute})`,
      "lone-image goals",
    ],
    rows,
  );
}

// ---- the discussion --------------------------------------------------------------------------

const seconds1 = (value: number) => `${fixed(value, 1)} s`;
/** Every run's value, "a / b / c". */
const perRun = (results: BenchResults, pick: (run: RunResults) => number, format: (value: number) => string) =>
  results.runs.map((run) => format(pick(run))).join(" / ");
const range = (values: number[]) => ({ min: Math.min(...values), max: Math.max(...values) });

function discussion(results: BenchResults): string[] {
  const { plan, preview, waiter } = results;
  const run = results.runs[results.runs.length - 1]!;
  const { concurrentImports: concurrent, multiRegion: multi, manyStacks: stacks } = run;
  const ours = concurrent.ours;
  const terraform = concurrent.terraform!;
  const runs = results.runs.length;
  const paragraphs: string[] = [];

  paragraphs.push(
    `**Terraform's schedule, replayed literally.** \`StateChangeConf\` (terraform-plugin-sdk v2 \`helper/retry\`) doubles each wait, then raises it to \`MinTimeout\` or else caps it at 10 s. With \`Delay\` 1 s and \`MinTimeout\` 60 s an import is therefore polled at ${offsets(results.terraformSchedule.importPollsSeconds)}: the waits alternate 60 s and 10 s, two polls per 70 s (about 1.7 a minute), not "at least 60 s apart" as the issue's anchor reads. Transfers (\`Delay\` 10 s, \`MinTimeout\` 3 s) are polled at ${offsets(results.terraformSchedule.transferPollsSeconds)}, one region after another. The replay sends exactly these requests with a plain HTTP client, plus the POSTs and the Read that ends every create.`,
  );

  const singles = run.singleImports;
  if (singles.length > 0) {
    const hourImport = singles.find((single) => single.importSeconds === HOUR_SECONDS);
    const offsetsText = plan.singleSampleOffsetsMs.map((offset) => `+${short(offset / 1000)} s`).join(", ");
    paragraphs.push(
      `**One image: a schedule that earns its requests.** Every wait has its own interval: ${seconds(waiter.minIntervalMs / 1000)} at first, each one ${waiter.growth} times the one before, up to ${seconds(waiter.maxIntervalMs / 1000)}. An import that has already taken minutes is unlikely to end in the next few seconds, so a lone image is checked often at first and then every ${seconds(waiter.maxIntervalMs / 1000)}, about ${fixed(60 / (waiter.maxIntervalMs / 1000), 0)} requests a minute (${fixed((60 / (waiter.maxIntervalMs / 1000) / RATE_LIMIT_PER_MINUTE) * 100, 1)} % of DigitalOcean's ${RATE_LIMIT_PER_MINUTE} per minute) where the schedule before cost 12. Each duration is sampled ${plan.singleSampleOffsetsMs.length} times, with the import's end at ${offsetsText} (across Terraform's 70 s cycle: one sample says only where one end fell between two polls), each sample in its own host. In the last run, per import, this provider sent ${singles.map((single) => fixed(single.ours.requests, 1)).join(", ")} requests against Terraform's ${singles.map((single) => fixed(single.terraform.requests, 1)).join(", ")} for ${singles.map((single) => seconds(single.importSeconds)).join(", ")} (at most ${fixed(Math.max(...singles.map((single) => single.ours.requests / single.terraform.requests)), 2)}×; goal ≤ ${GOALS.loneRequestRatio}×)${hourImport ? `, ${fixed(hourImport.ours.requests, 0)} for the hour-long import (goal ≤ ${GOALS.loneHourRequests})` : ""}, and noticed the end within ${singles.map((single) => seconds(single.ours.detectionP95)).join(", ")} at p95 against Terraform's ${singles.map((single) => seconds(single.terraform.detectionP95)).join(", ")}. Four requests of every create are not checks: the POST, the one listing of images left by an interrupted run (once per host), the look for late copies of the import and the DELETE of its marker tag; Terraform adds only its final Read. The table below places this point among the schedules tried, worked out from the schedules alone (no round trips) for the same durations and offsets: the schedule before was fast but cost up to ${fixed(Math.max(...frontier(SCHEDULES_TRIED[0]!.options, plan.singleImportsMs, plan.singleSampleOffsetsMs).map((point) => point.ours.requests / point.terraform.requests)), 1)}× Terraform's requests; a fixed 10 s costs more than 3× on long imports; caps of 20 s and more save requests but give away detection for nothing the goals ask.`,
    );
  }

  const rateLimited =
    ours.rateLimited + terraform.rateLimited === 0
      ? "neither met a 429"
      : `this provider met ${count(ours.rateLimited)} 429s and Terraform ${count(terraform.rateLimited)}`;
  paragraphs.push(
    `**${concurrent.images} concurrent imports: one listing serves every wait.** While more images wait than one listing page (200 images) holds, each round of this provider's waiter is one \`GET /v2/images?private=true\`. A round serves every wait, so the rounds come as often as the waits' intervals together ask (${concurrent.images} waits due every ${seconds(waiter.maxIntervalMs / 1000)}: one every ${fixed(waiter.maxIntervalMs / 1000 / concurrent.images, 2)} s), but never closer than ${seconds(waiter.minIntervalMs / 1000)}: at most ${fixed(60 / (waiter.minIntervalMs / 1000), 1)} rounds a minute, whatever the number of images. ${concurrent.images} imports cost ${count(ours.requests.total)} requests here against ${count(terraform.requests.total)} for Terraform (${ratio(ours.requests.total, terraform.requests.total)}), ${count(concurrent.images)} of each being the import POSTs. The busiest minute held ${count(ours.peakPerMinute.poll)} polling requests (goal ≤ ${GOALS.pollsPerMinute}: ${pollsGoal(ours.peakPerMinute.poll).met ? "met" : "missed"}; over the ${runs} runs ${perRun(results, (each) => each.concurrentImports.ours.peakPerMinute.poll, count)}) against ${count(terraform.peakPerMinute.poll)} for Terraform, whose mean was ${fixed(terraform.meanPollsPerMinute, 0)} a minute (the issue's anchor: about one per image per minute) and whose busiest minute held ${fixed(terraform.peakPerMinute.poll / terraform.meanPollsPerMinute, 1)}× that. With the POSTs the busiest minute held ${count(ours.peakPerMinute.all)} requests against ${count(terraform.peakPerMinute.all)} (DigitalOcean allows ${RATE_LIMIT_PER_MINUTE}); ${rateLimited}. Detection latency p50/p95 was ${seconds(ours.detection.p50)}/${seconds(ours.detection.p95)} against ${seconds(terraform.detection.p50)}/${seconds(terraform.detection.p95)}. The deployment took ${seconds(ours.wallSeconds)} against ${seconds(terraform.wallSeconds)}: ${fixed(ours.wallSeconds / concurrent.longestImportSeconds, 3)}× and ${fixed(terraform.wallSeconds / concurrent.longestImportSeconds, 3)}× the longest import.`,
  );

  const p95s = results.runs.map((each) => each.concurrentImports.ours.detection.p95);
  const worstP95 = Math.max(...p95s);
  paragraphs.push(
    `**Detection latency p95: ${perRun(
      results,
      (each) => each.concurrentImports.ours.detection.p95,
      (value) => `${fixed(value, 2)} s`,
    )}** over the ${runs} runs, against the goal of ${GOALS.p95Seconds} s (${p95Goal(worstP95).met ? `met in every run, by ${fixed(GOALS.p95Seconds - worstP95, 2)} s at the least` : `missed: worst ${fixed(worstP95, 2)} s`}). Rounds ${seconds(waiter.minIntervalMs / 1000)} apart (${fixed(ours.pollGapSeconds.p50, 2)} s at the median here) leave a p95 near 0.95 × that gap for import ends spread evenly (${fixed(ours.schedule.p95, 2)} s measured), and delivering the result to the engine adds the marker's removal and a round trip (${fixed(ours.delivery.p50, 2)} s at the median). The old 5 s cap put the p95 at 5.1 s; rounds ${seconds(waiter.minIntervalMs / 1000)} apart leave about ${fixed(GOALS.p95Seconds - 0.95 * (waiter.minIntervalMs / 1000), 2)} s of the goal for the delivery and make at most ${Math.ceil(60 / (waiter.minIntervalMs / 1000))} rounds in any minute. Over the runs the poll schedule's p95 was ${perRun(
      results,
      (each) => each.concurrentImports.ours.schedule.p95,
      (value) => `${fixed(value, 2)} s`,
    )}; ${
      p95Goal(worstP95).met
        ? "the delivery fitted in what was left"
        : `what is over the goal is the machine's: rounds late by a pause of the host or of this process (the gaps between rounds reached ${perRun(
            results,
            (each) => each.concurrentImports.ours.pollGapSeconds.p95,
            (value) => `${fixed(value, 2)} s`,
          )} at p95, for ${seconds(waiter.minIntervalMs / 1000)} scheduled) and deliveries stretched by it, on a machine whose other work kept both cores busy (see “Figures that hold on every run”)`
    }. The last few images of the deployment, alone, are checked on their own longer schedule, which the p95 does not reach.`,
  );

  const transferSum = Object.values(multi.transferSeconds).reduce((total, value) => total + value, 0);
  const transferRatio = multi.ours.transferPhaseSeconds / multi.slowestTransferSeconds;
  const transfers = Object.keys(multi.transferSeconds).length;
  paragraphs.push(
    `**${multi.regions.length} regions.** This provider starts the ${transfers} transfers together once the import is available; from the first transfer POST to the create returning took ${seconds(multi.ours.transferPhaseSeconds)} against the slowest transfer's ${seconds(multi.slowestTransferSeconds)}: ${fixed(transferRatio, 2)}× (goal ≤ ${GOALS.transferRatio}×: ${transferGoal(transferRatio).met ? "met" : "missed"}). Terraform transfers one region after another, each first polled after 10 s: ${seconds(multi.terraform.transferPhaseSeconds)}, ${fixed(multi.terraform.transferPhaseSeconds / multi.slowestTransferSeconds, 2)}× the slowest transfer (the transfers alone add up to ${seconds(transferSum)}). Parallel transfers are polled together, one listing of the image's actions per round: the whole create cost ${count(multi.ours.requests.total)} requests against ${count(multi.terraform.requests.total)}.`,
  );

  const memory = preview.hostRssMb;
  const memoryText = memory
    ? ` The host's resident memory was ${megabytes(memory.atStart)} once configured (Pulumi's SDK), ${megabytes(memory.providerLoaded)} once the provider was loaded, and ${megabytes(memory.peak)} at its peak; the \`up\` that created the resources peaked at ${megabytes(preview.upHostPeakRssMb)}.${
        preview.sdkLoadedTwice
          ? " In this checkout examples/basic has its own node_modules: the host runs its copy of @pulumi/pulumi while the provider, linked to the repository, loads the repository's copy, so the SDK is loaded twice and the step from configured to provider loaded is mostly that second copy. A user's install has one copy as long as npm can dedupe the package's @pulumi/pulumi with the program's."
          : ""
      }`
    : "";
  paragraphs.push(
    `**Preview of ${preview.resources} resources.** Check and Diff are pure functions, so the preview made ${count(preview.apiRequests)} API requests. A fresh host, as every \`pulumi preview\` starts one, started in ${ms(preview.hostStartupMs)}; its first call, which loads the provider, took ${ms(preview.firstCallMs)}; then Check and Diff of all ${preview.resources} resources took ${ms(preview.wallMs)}, ${ms(preview.perResourceMs)} per resource (one resource's Check + Diff ${ms(preview.resourceLatencyMs.p50)} at the median, queued behind the others). \`__provider\` is ${count(preview.providerChars)} characters per resource (goal ≤ ${count(GOALS.providerChars)}: ${providerGoal(preview.providerChars).met ? `met, ${count(GOALS.providerChars - preview.providerChars)} to spare` : "missed"}), one resource's outputs ${count(preview.stateCharsPerResource)} characters.${memoryText}`,
  );

  const stacksPlan = stacks.plan;
  const hostsWaiting = stacksPlan.deployments * stacksPlan.imagesEach;
  paragraphs.push(
    `**${stacksPlan.deployments} deployments on one token.** ${stacksPlan.deployments} provider hosts, each its own process as ${stacksPlan.deployments} CI jobs each run their own \`pulumi up\`, start ${seconds(stacksPlan.staggerMs / 1000)} apart and import ${stacksPlan.imagesEach} images each (${hostsWaiting} in all, ${seconds(stacksPlan.shortestMs / 1000)} to ${seconds(stacksPlan.longestMs / 1000)}), against one emulator that enforces DigitalOcean's 250 a minute and 5,000 an hour for the one token, next to ${stacksPlan.backgroundPerMinute} other requests a minute on the same token (tag listings standing in for doctl and Terraform). Alone, each host would make up to ${fixed(60 / (waiter.minIntervalMs / 1000), 0)} rounds a minute while its images are young: ${count((stacksPlan.deployments * 60) / (waiter.minIntervalMs / 1000))} a minute together, over the limit before a single write. Each host reads the token's traffic from the fall of \`ratelimit-remaining\` in its own answers (every process sees the whole token's count) and, once the token's rate, kept up for an hour, would use more than ${fixed(defaultPollYield.hourShare * 100, 0)} % of the hourly limit (${count((5000 * defaultPollYield.hourShare) / 60)} a minute; ${fixed(defaultPollYield.minuteShare * 100, 0)} % of the per-minute limit would bind first if it were lower), stretches its rounds by the square of the excess (and, close to the reserve, by the square of how far the token's rate would overspend what is left before \`ratelimit-reset\`), up to ${seconds(waiter.maxYieldIntervalMs / 1000)} apart; writes never wait for this, only for the hard limits. Together the hosts settle well under the limit: the busiest minute held ${count(stacks.peakPerMinute)} requests of the token (over the runs ${perRun(results, (each) => each.manyStacks.peakPerMinute, count)}), with ${count(stacks.rateLimited.ours)} 429s for this provider and ${count(stacks.rateLimited.background)} for the other traffic; ${stacks.budgetWaits.writes === 0 ? "no write was held back by the rate budget" : `${count(stacks.budgetWaits.writes)} writes were held back by the rate budget, the longest ${seconds1(stacks.budgetWaits.longestWriteSeconds)}`}${stacks.budgetWaits.gets > 0 ? ` (${count(stacks.budgetWaits.gets)} GETs were)` : ""}. Detection latency was ${seconds(stacks.detection.p50)} at p50, ${seconds(stacks.detection.p95)} at p95 and ${seconds(stacks.detection.max)} at most (goal ≤ ${GOALS.stacksDetectionSeconds} s, Terraform's own worst case). The run lasted ${seconds(stacks.wallSeconds)}, and the token sent ${count(stacks.peakPerHour)} requests in it (${count(stacks.requests.ours)} of this provider's, ${count(stacks.requests.background)} others'); the hour that holds it, with the other traffic going on all hour, holds ${count(stacks.hourWithSteadyBackground)} (goal < ${count(GOALS.stacksHourRequests)}). That is the budget that binds: a steady ${stacksPlan.backgroundPerMinute} a minute from other tools take ${count(stacksPlan.backgroundPerMinute * 60)} of the hour's 5,000, and the hosts' rounds are stretched whenever the token's rate, kept up for an hour, would pass ${count(5000 * defaultPollYield.hourShare)}. They do not trust \`ratelimit-reset\` to end the hour's spending: the window slides, and the reset frees only its oldest request. The hosts' warm-up requests open that window ${perRun(
      results,
      (each) => each.manyStacks.warmUpSeconds / 60,
      (minutes) => `${fixed(minutes, 1)} min`,
    )} before the run (${stacksPlan.deployments} start-ups, stretched by the time factor and by the machine's load), so the reset comes that much earlier in the run; a rule that spent what was left above the reserve by the reset (the one this provider had before) spent more the longer the warm-up took, so a loaded machine missed the hour. The scenario runs on its own slower clock (time factor ${stacksPlan.scale}: 1 real ms = ${fixed(1 / stacksPlan.scale, 0)} simulated ms) because ${stacksPlan.deployments} hosts and the emulator share the machine's cores; every host is started and its provider loaded before the scenario starts, and the figures above count only requests after that.`,
  );

  const lagKeys = Object.keys(run.lag);
  const lagText = lagKeys
    .map((key) => {
      const scale = key.includes("scenario 5") ? stacksPlan.scale : key.includes("scenario 2") ? plan.concurrent.scale : plan.scale;
      const worst = Math.max(...results.runs.map((each) => each.lag[key]?.p99Ms ?? 0));
      return `${key} ${ms(worst)} (${seconds1(worst / scale / 1000)} simulated)`;
    })
    .join(", ");
  const polls = range(results.runs.map((each) => each.concurrentImports.ours.requests.poll));
  paragraphs.push(
    `**Figures that hold on every run.** A fresh clone once counted 343 polling requests for scenario 2 where this file said 242, and 19 in the busiest minute where it said 13. The cause was not the machine: between the two measurements the provider began to look for late copies of every import (one \`GET /v2/images?tag_name=<marker>\` per create, after the image is available, to delete a copy made by an import POST that DigitalOcean carried out after it timed out), and the bench counted every \`GET /v2/images\` as a poll, so ${concurrent.images} such looks, 5 a minute at the start, were added to the polls. They are now counted as reads, like the one listing of images left by an interrupted run that every host makes before its first import. The bench also runs every scenario ${runs} times (\`--repeat N\`), shows every run's figures and calls a goal met only when every run meets it: over these runs scenario 2 polled ${polls.min === polls.max ? count(polls.min) : `${count(polls.min)} to ${count(polls.max)}`} times. What load can still move is the stretch of real time: the 99th percentile of how late this process's timers fired, at its worst over the runs, was ${lagText}. A round of checks is scheduled from the start of the last one, so a late round never brings the next one closer: load can lengthen gaps and latencies, never add polls to a minute.`,
  );

  const scale = plan.concurrent.scale;
  const deliveryRealMs = (value: number) => fixed(value * 1000 * scale, 1);
  paragraphs.push(
    `**Measurement and its error.** Each scenario runs on a scaled clock shared by its emulators, the provider inside the host (\`digitalocean-custom-image:clock\`) and the replay: in scenario 2 the time factor is ${scale}, so a simulated hour passes in ${fixed(3600 * scale, 0)} real seconds and both tools' sleeps and poll intervals shrink alike (${plan.scale} in scenarios 1 and 3). Whatever takes real time is stretched by the same factor: one real millisecond counts as ${fixed(1 / scale, 0)} simulated ms (${fixed(1 / plan.scale, 0)} in scenarios 1 and 3), and so does any moment the machine leaves a process waiting for a core. The schedules are exact; the work between them is stretched: an HTTP round trip to the emulator (which validates every request and answer against DigitalOcean's OpenAPI description), the host's processing, the gRPC answer. The detection latency splits into the poll schedule (from available to the poll that saw it) and delivery (from that poll to the create returning); delivery is almost all stretched real time: in scenario 2 its median was ${seconds(ours.delivery.p50)} for this provider (${deliveryRealMs(ours.delivery.p50)} ms real) and ${seconds(terraform.delivery.p50)} for the replay (${deliveryRealMs(terraform.delivery.p50)} ms real, two GETs). Each latency carries about that much, standing in for the network round trip to DigitalOcean.${terraform.detection.max > 60 ? ` Terraform's polls of many images arrive together and are answered one after another, which the factor stretches too: hence its worst latency of ${seconds(terraform.detection.max)}, beyond the 60 s its schedule allows.` : ""} The same stretch spaces this provider's rounds a little more than ${seconds(waiter.minIntervalMs / 1000)} apart: in scenario 2 its listings were ${fixed(ours.pollGapSeconds.p50, 2)} s apart at the median, ${fixed(ours.pollGapSeconds.p95, 2)} s at p95 and ${fixed(ours.pollGapSeconds.max, 2)} s at most, the outliers being pauses (garbage collection in the host or this process, tens of real ms) that the factor turns into seconds; this process collects garbage before each scenario to make that rarer. The ${count(concurrent.images)} creates of scenario 2 took ${fixed(ours.postSpreadSeconds * 1000 * scale, 0)} ms of real time to send (${seconds(ours.postSpreadSeconds)} simulated); the longest import is sent first so that this does not reach the wall time. Scenario 4 is measured in real time, once.`,
  );

  paragraphs.push(
    `**Not covered.** Terraform runs 10 operations at a time by default (\`-parallelism=10\`); the replay starts all ${concurrent.images} together as the issue's anchor assumes, which is Terraform's fastest and busiest case. Pulumi's engine is not in the loop: the host is driven over gRPC as the engine drives it, so the engine's own overhead is not measured. The emulator is not DigitalOcean: imports and transfers take exactly their set durations, and every answer is consistent at once. In scenario 5 the other traffic is steady; a burst from another tool is seen by the hosts only through \`ratelimit-remaining\`, one poll later, and the hourly rule reads the token's hour from the same header, whose count also falls as old requests leave the window.`,
  );
  return paragraphs;
}

/** One goal checked on every run: met only when every run meets it. */
function goalSummary(results: BenchResults): string {
  type Goal = [goal: string, value: (run: RunResults) => number, format: (value: number) => string, check: (run: RunResults) => GoalCheck];
  const ratio1 = (value: number) => `${fixed(value, 2)}×`;
  const worstLone = (run: RunResults) =>
    run.singleImports.reduce((a, b) =>
      b.ours.detectionP95 - b.terraform.detectionP95 > a.ours.detectionP95 - a.terraform.detectionP95 ? b : a,
    );
  const loneRatio = (run: RunResults) => Math.max(...run.singleImports.map((single) => single.ours.requests / single.terraform.requests));
  const hourImport = (run: RunResults) => run.singleImports.find((single) => single.importSeconds === HOUR_SECONDS)?.ours.requests;
  const transfer = (run: RunResults) => run.multiRegion.ours.transferPhaseSeconds / run.multiRegion.slowestTransferSeconds;
  const goals: Goal[] = [
    [
      "one image: detection p95 below Terraform's at every duration (scenario 1; this provider − Terraform, closest duration)",
      (run) => worstLone(run).ours.detectionP95 - worstLone(run).terraform.detectionP95,
      (value) => `${fixed(value, 1)} s`,
      (run) => loneP95Goal(worstLone(run).ours.detectionP95, worstLone(run).terraform.detectionP95),
    ],
    [
      `one image: requests ≤ ${GOALS.loneRequestRatio}× Terraform's at every duration (scenario 1, worst duration)`,
      loneRatio,
      ratio1,
      (run) => loneRatioGoal(loneRatio(run)),
    ],
  ];
  if (results.plan.singleImportsMs.includes(HOUR_SECONDS * 1000)) {
    goals.push([
      `one image: an hour-long import in ≤ ${GOALS.loneHourRequests} requests (scenario 1)`,
      (run) => hourImport(run)!,
      (value) => fixed(value, 0),
      (run) => loneHourGoal(hourImport(run)!),
    ]);
  }
  goals.push(
    [
      `detection latency p95 ≤ ${GOALS.p95Seconds} s (scenario 2)`,
      (run) => run.concurrentImports.ours.detection.p95,
      (value) => `${fixed(value, 2)} s`,
      (run) => p95Goal(run.concurrentImports.ours.detection.p95),
    ],
    [
      `≤ ${GOALS.pollsPerMinute} polling requests in the busiest minute (scenario 2)`,
      (run) => run.concurrentImports.ours.peakPerMinute.poll,
      count,
      (run) => pollsGoal(run.concurrentImports.ours.peakPerMinute.poll),
    ],
    [
      "no 429 (scenario 2)",
      (run) => run.concurrentImports.ours.rateLimited,
      count,
      (run) => rateLimitedGoal(run.concurrentImports.ours.rateLimited),
    ],
    [`regions in ≤ ${GOALS.transferRatio}× the slowest transfer (scenario 3)`, transfer, ratio1, (run) => transferGoal(transfer(run))],
    [
      "one token, many deployments: no 429, for this provider or the other traffic (scenario 5)",
      (run) => run.manyStacks.rateLimited.ours + run.manyStacks.rateLimited.background,
      count,
      (run) => noneGoal(run.manyStacks.rateLimited.ours + run.manyStacks.rateLimited.background),
    ],
    [
      "one token, many deployments: no write held back by the rate budget (scenario 5)",
      (run) => run.manyStacks.budgetWaits.writes,
      count,
      (run) => noneGoal(run.manyStacks.budgetWaits.writes),
    ],
    [
      `one token, many deployments: every detection ≤ ${GOALS.stacksDetectionSeconds} s (scenario 5, max)`,
      (run) => run.manyStacks.detection.max,
      seconds1,
      (run) => stacksDetectionGoal(run.manyStacks.detection.max),
    ],
    [
      `one token, many deployments: < ${count(GOALS.stacksHourRequests)} requests in the hour, other traffic steady all hour (scenario 5)`,
      (run) => run.manyStacks.hourWithSteadyBackground,
      count,
      (run) => stacksHourGoal(run.manyStacks.hourWithSteadyBackground),
    ],
  );
  const rows = goals.map(([goal, value, format, check]) => {
    const checks = results.runs.map(check);
    const missed = checks.filter((each) => !each.met).length;
    const verdict = missed === 0 ? `**met** in all ${results.runs.length} runs` : `**missed** in ${missed} of ${results.runs.length} runs`;
    return [goal, results.runs.map((run) => format(value(run))).join(" / "), verdict];
  });
  rows.push([
    `\`__provider\` ≤ ${count(GOALS.providerChars)} characters (scenario 4, measured once)`,
    count(results.preview.providerChars),
    providerGoal(results.preview.providerChars).met ? "**met**" : "**missed**",
  ]);
  return markdownTable(["goal", `this provider, run 1 / … / ${results.runs.length}`, "verdict"], rows);
}

/** Figures that moved between runs (scenario 2 and 5), side by side. */
function spreadTable(results: BenchResults): string {
  type Figure = [figure: string, pick: (run: RunResults) => number, format: (value: number) => string];
  const figures: Figure[] = [
    ["2 · polling requests in total", (run) => run.concurrentImports.ours.requests.poll, count],
    ["2 · polling requests in the busiest minute", (run) => run.concurrentImports.ours.peakPerMinute.poll, count],
    ["2 · polling requests per minute, mean", (run) => run.concurrentImports.ours.meanPollsPerMinute, (value) => fixed(value, 1)],
    ["2 · gap between rounds, median", (run) => run.concurrentImports.ours.pollGapSeconds.p50, (value) => `${fixed(value, 2)} s`],
    ["2 · detection latency p95", (run) => run.concurrentImports.ours.detection.p95, (value) => `${fixed(value, 2)} s`],
    ["2 · delivery, median", (run) => run.concurrentImports.ours.delivery.p50, (value) => `${fixed(value, 2)} s`],
    ["5 · the token's requests, busiest minute", (run) => run.manyStacks.peakPerMinute, count],
    ["5 · the token's hour, other traffic steady all hour", (run) => run.manyStacks.hourWithSteadyBackground, count],
    ["5 · detection latency p95", (run) => run.manyStacks.detection.p95, seconds1],
  ];
  return markdownTable(
    ["figure", ...results.runs.map((_, index) => `run ${index + 1}`), "spread (max − min)"],
    figures.map(([figure, pick, format]) => {
      const values = results.runs.map(pick);
      const { min, max } = range(values);
      return [figure, ...values.map(format), format(max - min)];
    }),
  );
}

// ---- the document ----------------------------------------------------------------------------

export function renderReport(results: BenchResults): string {
  const { machine: host, plan } = results;
  const quick = plan.name === "quick";
  return [
    "# Performance",
    "",
    `<!-- Generated by \`${results.command}\` (tools/bench/bench.ts)${results.anchor ? ` and \`${results.anchor.command}\` (the first section)` : ""}; either rewrites this file, keeping the other's figures from the JSON appendix. -->`,
    "",
    quick
      ? "> **Quick variant** (`--quick`, as `.ci/run` runs it): small scenarios on a faster clock, to keep the benchmark from rotting. Its figures are a smoke test, not a measurement."
      : "",
    "",
    "What users feel is how fast an `up` finishes once DigitalOcean is done, and whether a big deployment meets the rate limit. " +
      "This report has two parts. The first runs `@pulumi/digitalocean`'s own plugin (the anchor) and this package through the real Pulumi CLI, in real time, on short scenarios: " +
      "its ratios are measured, not modelled. The long and 100-image scenarios would take hours in real time, so the second part replays the anchor's polling schedule on a scaled clock.",
    "",
    ...(results.anchor
      ? renderAnchorSection(results.anchor)
      : ["## Against the real anchor, in real time", "", "Not measured yet: `npm run bench -- --anchor --write` adds it.", ""]),
    "## The long and 100-image scenarios: a replay of Terraform's schedule",
    "",
    "This part runs the real provider (the built package) through Pulumi's own dynamic-provider host, driven over gRPC as the engine drives it, " +
      "against the DigitalOcean emulator (packages/emulator), and in the same run replays the schedule of terraform-provider-digitalocean v2.99 " +
      "(which `@pulumi/digitalocean` runs) against an identical emulator. One time factor scales the emulators' durations and every wait and poll interval of both tools, " +
      "so that hours are simulated in seconds. Requests are counted from the emulators' request logs; an image's detection latency is the simulated time from the moment " +
      "its import ended (created at + import duration) to its create returning. Ratios are this provider ÷ Terraform. " +
      "The Terraform column is that replay, not the plugin: the plugin runs only in real time, measured in the section above on short scenarios; " +
      "`npm run test:anchor` checks the replay's polls against the Terraform SDK's own `StateChangeConf` run in real time (tools/anchor/README.md).",
    "",
    "### The replay's run",
    "",
    `- Command: \`${results.command}\``,
    `- Date: ${results.date}`,
    `- Machine: ${host.cpu}, ${host.cores} cores, ${fixed(host.memoryGiB, 1)} GiB memory, ${host.os}`,
    `- Node: ${host.node}`,
    `- Time factor: ${plan.scale} real ms per simulated ms for scenarios 1 and 3 (1 real ms = ${fixed(1 / plan.scale, 0)} simulated ms), ${plan.concurrent.scale} for scenario 2, ${plan.manyStacks.scale} for scenario 5; scenario 4 in real time`,
    `- Runs: every scenario but 4 ran ${results.runs.length} times; a goal is met only when every run meets it`,
    `- The run took ${fixed(results.durationSeconds, 0)} s`,
    "",
    "### Goals, over every run",
    "",
    goalSummary(results),
    "",
    `### Every figure, run ${results.runs.length} of ${results.runs.length}`,
    "",
    markdownTable(
      ["scenario", "figure", "this provider", "Terraform (replay)", "ratio", "goal (this provider)"],
      tableRows(results, results.runs[results.runs.length - 1]!),
    ),
    "",
    "### What moved between runs",
    "",
    spreadTable(results),
    "",
    ...renderUpload(results.upload),
    "### The lone-image schedules tried (scenario 1's durations and offsets)",
    "",
    frontierTable(results),
    "",
    "### Discussion of the replay",
    "",
    ...discussion(results).flatMap((paragraph) => [paragraph, ""]),
    JSON_HEADING,
    "",
    "```json",
    JSON.stringify(rounded(results), null, 2),
    "```",
    "",
  ]
    .filter((line, index, lines) => !(line === "" && lines[index - 1] === ""))
    .join("\n");
}
