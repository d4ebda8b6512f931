/** What one run of the benchmark measures; all durations simulated ms. */
export interface BenchPlan {
  name: "full" | "quick";
  /** Real ms per simulated ms for scenarios 1 to 3 (scenario 4 is measured in real time). */
  scale: number;
  /** Scenario 1: one import on its own, per duration. */
  singleImportsMs: number[];
  /** Scenario 2: concurrent imports with durations spread evenly between the two. */
  concurrent: { count: number; shortestMs: number; longestMs: number };
  /** Scenario 2 again for the provider alone with this poll interval cap (seconds), to show what the cap trades. */
  capVariantSeconds?: number;
  /** Scenario 3: the import region nyc3, then a transfer to each of these regions. */
  multiRegion: { importMs: number; transfersMs: Record<string, number> };
  /** Scenario 4: resources in the previewed program. */
  previewResources: number;
}

const MINUTE = 60_000;

/**
 * 0.02 keeps the bench within about three minutes while a real millisecond of loopback counts as
 * 50 simulated ms: small against the seconds being measured (see the error section of the report).
 */
export const FULL_PLAN: BenchPlan = {
  name: "full",
  scale: 0.02,
  singleImportsMs: [30_000, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE],
  concurrent: { count: 100, shortestMs: 1 * MINUTE, longestMs: 20 * MINUTE },
  capVariantSeconds: 4.5,
  multiRegion: { importMs: 2 * MINUTE, transfersMs: { ams3: 3 * MINUTE, sgp1: 4 * MINUTE, lon1: 5 * MINUTE, fra1: 6 * MINUTE } },
  previewResources: 200,
};

/** For CI: every scenario, small, in well under a minute; its figures are a smoke test, not a measurement. */
export const QUICK_PLAN: BenchPlan = {
  name: "quick",
  scale: 0.005,
  singleImportsMs: [30_000, 2 * MINUTE],
  concurrent: { count: 10, shortestMs: 1 * MINUTE, longestMs: 3 * MINUTE },
  multiRegion: { importMs: 30_000, transfersMs: { ams3: 1 * MINUTE, sgp1: 2 * MINUTE } },
  previewResources: 20,
};
