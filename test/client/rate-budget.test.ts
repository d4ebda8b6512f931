import { RateBudget, sharedRateBudget } from "../../src/client/rate-budget";
import { VirtualClock } from "../helpers/virtual-clock";

describe("RateBudget", () => {
  test("lets requests through at once while the budget is ample", async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget(clock, { perMinute: 250, perHour: 5000, reserve: 0.1 });
    for (let i = 0; i < 100; i++) await budget.acquire();
    expect(clock.slept).toEqual([]);
    expect(budget.snapshot().sentLastMinute).toBe(100);
  });

  test("slows down before the per-minute limit instead of meeting a 429", async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget(clock, { perMinute: 10, perHour: 5000, reserve: 0.1 });
    const start = clock.now();
    const sentAt: number[] = [];
    for (let i = 0; i < 30; i++) {
      await budget.acquire();
      sentAt.push(clock.now() - start);
    }
    // Never more than 9 (10 less the reserve) inside any 60-second window.
    for (const t of sentAt) expect(sentAt.filter((u) => u >= t && u < t + 60_000).length).toBeLessThanOrEqual(9);
    expect(budget.snapshot().throttledMs).toBeGreaterThan(0);
  });

  test("waits for ratelimit-reset when the hourly remaining reaches the reserve", async () => {
    const clock = new VirtualClock();
    const budget = new RateBudget(clock, { perMinute: 250, perHour: 5000, reserve: 0.1 });
    const reset = Math.floor(clock.now() / 1000) + 30;
    budget.observe({ "ratelimit-limit": "5000", "ratelimit-remaining": "500", "ratelimit-reset": String(reset) });
    await budget.acquire();
    expect(clock.slept).toEqual([reset * 1000 - Date.UTC(2026, 10, 23, 12, 0, 0)]);
  });

  test("reads the ratelimit headers of every response", () => {
    const clock = new VirtualClock();
    const budget = new RateBudget(clock);
    budget.observe({ "ratelimit-limit": "5000", "ratelimit-remaining": "4321", "ratelimit-reset": "1800000000" });
    expect(budget.snapshot()).toMatchObject({ limit: 5000, remaining: 4321, resetAt: 1_800_000_000_000 });
  });

  test("is shared by every client of one token and endpoint, and keyed without the token", () => {
    const clock = new VirtualClock();
    const a = sharedRateBudget("canary-token-1", "https://api.example", clock);
    const b = sharedRateBudget("canary-token-1", "https://api.example", clock);
    const c = sharedRateBudget("canary-token-2", "https://api.example", clock);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(JSON.stringify(a)).not.toContain("canary-token");
  });
});
