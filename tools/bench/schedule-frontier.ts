import { defaultImageWaiterOptions, type ImageWaiterOptions, roundIntervalMs } from "../../src/client/image-waiter";
import { percentile } from "./request-phases";
import { IMPORT_WAIT, stateChangeSchedule } from "./terraform-replay";

/**
 * The lone-image frontier, worked out from the schedules alone (no clock, no server): for an
 * import that ends `durationMs` after its wait starts, which check first sees it available, and
 * how many checks that took, for a schedule of this provider's waiter and for Terraform's
 * `StateChangeConf`. Latencies leave out round trips; requests add what every create sends
 * besides its checks (`OVERHEAD`). The bench measures the chosen schedule for real; this table
 * places it among the alternatives tried.
 */

/** Besides checks, a lone create sends its POST, the marker listing, the late-copy listing and the marker DELETE (Terraform: the POST and the final Read). */
export const OVERHEAD = { ours: 4, terraform: 2 };

export interface ScheduleOutcome {
  checks: number;
  latencyMs: number;
}

/** A lone wait under `options`: its rounds are its own checks. */
export function oursAlone(options: Omit<ImageWaiterOptions, "progressEveryMs">, durationMs: number): ScheduleOutcome {
  let at = 0;
  let checks = 0;
  for (;;) {
    at += roundIntervalMs(options, checks === 0 ? [] : [at]);
    checks++;
    if (at >= durationMs) return { checks, latencyMs: at - durationMs };
  }
}

export function terraformAlone(durationMs: number): ScheduleOutcome {
  for (let count = 8; ; count *= 2) {
    const offsets = stateChangeSchedule(IMPORT_WAIT, count);
    const index = offsets.findIndex((at) => at >= durationMs);
    if (index >= 0) return { checks: index + 1, latencyMs: offsets[index]! - durationMs };
  }
}

export interface FrontierPoint {
  durationMs: number;
  /** Mean requests per create over the samples (the import's end `offsetsMs` after the duration), and the p95 (nearest rank) of detection. */
  ours: { requests: number; p95Ms: number };
  terraform: { requests: number; p95Ms: number };
}

export function frontier(
  options: Omit<ImageWaiterOptions, "progressEveryMs">,
  durationsMs: readonly number[],
  offsetsMs: readonly number[],
): FrontierPoint[] {
  return durationsMs.map((durationMs) => {
    const ours = offsetsMs.map((offset) => oursAlone(options, durationMs + offset));
    const terraform = offsetsMs.map((offset) => terraformAlone(durationMs + offset));
    const summary = (outcomes: ScheduleOutcome[], overhead: number) => ({
      requests: outcomes.reduce((sum, outcome) => sum + outcome.checks + overhead, 0) / outcomes.length,
      p95Ms: percentile(
        outcomes.map((outcome) => outcome.latencyMs),
        95,
      ),
    });
    return { durationMs, ours: summary(ours, OVERHEAD.ours), terraform: summary(terraform, OVERHEAD.terraform) };
  });
}

type Schedule = Omit<ImageWaiterOptions, "progressEveryMs">;
const schedule = (minIntervalMs: number, growth: number, maxIntervalMs: number): Schedule => ({
  minIntervalMs,
  growth,
  maxIntervalMs,
  maxYieldIntervalMs: defaultImageWaiterOptions.maxYieldIntervalMs,
});

/** The lone-image schedules tried before choosing the default (the last). */
export const SCHEDULES_TRIED: { label: string; options: Schedule }[] = [
  { label: "before: 2 s, ×1.5 a check, up to 5 s", options: schedule(2_000, 1.5, 5_000) },
  { label: "10 s, fixed", options: schedule(10_000, 1, 10_000) },
  { label: "4.3 s, ×1.1 a check, up to 25 s", options: schedule(4_300, 1.1, 25_000) },
  { label: "4.3 s, ×1.25 a check, up to 30 s", options: schedule(4_300, 1.25, 30_000) },
  { label: "4.3 s, ×1.25 a check, up to 20 s", options: schedule(4_300, 1.25, 20_000) },
  {
    label: `chosen: ${defaultImageWaiterOptions.minIntervalMs / 1000} s, ×${defaultImageWaiterOptions.growth} a check, up to ${defaultImageWaiterOptions.maxIntervalMs / 1000} s`,
    options: defaultImageWaiterOptions,
  },
];
