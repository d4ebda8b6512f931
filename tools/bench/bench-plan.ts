import type { ManyStacksPlan } from "./many-stacks";
import type { UploadPlan } from "./upload";

/** What one run of the benchmark measures; all durations simulated ms. */
export interface BenchPlan {
  name: "full" | "quick";
  /** Runs of every scenario; a goal is met only when every run meets it (`--repeat N` overrides). */
  repeat: number;
  /** Real ms per simulated ms for scenarios 1 to 3 (scenario 4 is measured in real time, scenario 5 has its own). */
  scale: number;
  /** Scenario 1: one import on its own, per duration ... */
  singleImportsMs: number[];
  /** ... each sampled with its end this much later, across one 70 s cycle of Terraform's schedule, so that a p95 means something. */
  singleSampleOffsetsMs: number[];
  /** Scenario 2: concurrent imports with durations spread evenly between the two, on its own time factor. */
  concurrent: { count: number; shortestMs: number; longestMs: number; scale: number };
  /** Scenario 3: the import region nyc3, then a transfer to each of these regions. */
  multiRegion: { importMs: number; transfersMs: Record<string, number> };
  /** Scenario 4: resources in the previewed program. */
  previewResources: number;
  /** Scenario 5: many deployments, each its own host process, on one token. */
  manyStacks: ManyStacksPlan;
  /** Scenario 6: a `file` uploaded to a local S3-compatible server, once (real time). */
  upload: UploadPlan;
}

const MINUTE = 60_000;

/**
 * 0.02 keeps scenarios 1 and 3 within about two minutes a run while a real millisecond of loopback
 * counts as 50 simulated ms: small against the tens of seconds compared there (see the error
 * section of the report). Scenario 2's goal is a p95 within 4.7 s and scenario 5 runs twenty hosts
 * on two cores, so both run on a slower clock (1 real ms = 20 simulated ms), where a pause of the
 * machine costs less simulated time.
 */
export const FULL_PLAN: BenchPlan = {
  name: "full",
  repeat: 3,
  scale: 0.02,
  singleImportsMs: [30_000, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE, 60 * MINUTE],
  singleSampleOffsetsMs: [0, 23_300, 46_700],
  concurrent: { count: 100, shortestMs: 1 * MINUTE, longestMs: 20 * MINUTE, scale: 0.05 },
  multiRegion: { importMs: 2 * MINUTE, transfersMs: { ams3: 3 * MINUTE, sgp1: 4 * MINUTE, lon1: 5 * MINUTE, fra1: 6 * MINUTE } },
  previewResources: 200,
  manyStacks: {
    deployments: 20,
    imagesEach: 5,
    shortestMs: 1 * MINUTE,
    longestMs: 20 * MINUTE,
    staggerMs: 6_000,
    backgroundPerMinute: 60,
    scale: 0.05,
  },
  upload: { fileMiB: 256, rssFileMiB: 2048, pairs: 3 },
};

/** For CI: every scenario, small, in about a minute for its three runs; its figures are a smoke test, not a measurement. */
export const QUICK_PLAN: BenchPlan = {
  name: "quick",
  repeat: 3,
  scale: 0.01,
  singleImportsMs: [30_000, 2 * MINUTE],
  singleSampleOffsetsMs: [0, 35_000],
  concurrent: { count: 10, shortestMs: 1 * MINUTE, longestMs: 3 * MINUTE, scale: 0.01 },
  multiRegion: { importMs: 30_000, transfersMs: { ams3: 1 * MINUTE, sgp1: 2 * MINUTE } },
  previewResources: 20,
  manyStacks: {
    deployments: 3,
    imagesEach: 2,
    shortestMs: 1 * MINUTE,
    longestMs: 3 * MINUTE,
    staggerMs: 6_000,
    backgroundPerMinute: 60,
    scale: 0.02,
  },
  upload: { fileMiB: 24, rssFileMiB: 64, pairs: 2 },
};
