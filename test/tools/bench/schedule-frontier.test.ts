import { defaultImageWaiterOptions } from "../../../src/client/image-waiter";
import { frontier, oursAlone, terraformAlone } from "../../../tools/bench/schedule-frontier";

const MINUTE = 60_000;
const fixed = (intervalMs: number) => ({ minIntervalMs: intervalMs, maxIntervalMs: intervalMs, growth: 1, maxYieldIntervalMs: 45_000 });

describe("the lone-image frontier, from the schedules alone", () => {
  test.each([
    ["an import of 30 s is seen by the poll at +61 s", 30_000, { checks: 2, latencyMs: 31_000 }],
    ["an import of 2 min by the poll at +131 s", 2 * MINUTE, { checks: 4, latencyMs: 11_000 }],
    ["an import ending exactly at a poll, by that poll", 71_000, { checks: 3, latencyMs: 0 }],
  ])("Terraform: %s", (_case, durationMs, outcome) => {
    expect(terraformAlone(durationMs)).toEqual(outcome);
  });

  test.each([
    ["a fixed 10 s sees an import of 25 s at 30 s, with its third check", fixed(10_000), 25_000, { checks: 3, latencyMs: 5_000 }],
    [
      "intervals of 1 s, 2 s, 4 s (×2) see an import of 6 s at 7 s",
      { ...fixed(1_000), maxIntervalMs: 60_000, growth: 2 },
      6_000,
      { checks: 3, latencyMs: 1_000 },
    ],
  ])("this provider: %s", (_case, options, durationMs, outcome) => {
    expect(oursAlone(options, durationMs)).toEqual(outcome);
  });

  test("the default schedule meets the lone-image goals at every duration the bench measures: ≤ 3× Terraform's requests, detection p95 below Terraform's, an hour in ≤ 300 requests", () => {
    const points = frontier(defaultImageWaiterOptions, [30_000, 2 * MINUTE, 10 * MINUTE, 30 * MINUTE, 60 * MINUTE], [0, 23_300, 46_700]);
    for (const point of points) {
      expect(point.ours.requests / point.terraform.requests).toBeLessThanOrEqual(3);
      expect(point.ours.p95Ms).toBeLessThan(point.terraform.p95Ms);
    }
    expect(points.at(-1)!.ours.requests).toBeLessThanOrEqual(300);
  });

  test("the schedule before (2 s growing to 5 s) costs more than 3× Terraform's requests", () => {
    const before = { minIntervalMs: 2_000, maxIntervalMs: 5_000, growth: 1.5, maxYieldIntervalMs: 45_000 };
    expect(
      Math.max(...frontier(before, [30 * MINUTE], [0]).map((point) => point.ours.requests / point.terraform.requests)),
    ).toBeGreaterThan(3);
  });
});
