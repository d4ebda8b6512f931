import { pollStretch, RateBudget, sharedRateBudget, tokenRatePerMinute } from "../../src/client/rate-budget";
import { manualClock } from "../helpers/manual-clock";
import { VirtualClock } from "../helpers/virtual-clock";

const START = Date.UTC(2026, 10, 23, 12, 0, 0);
const epochSeconds = (ms: number) => String(Math.floor(ms / 1000));

/**
 * DigitalOcean's samples, in the "Rate Limit" section of its API introduction
 * (packages/emulator/digitalocean-openapi/images.openapi.yaml), spelled as DigitalOcean spells them.
 */
const documented = {
  /** "Sample Rate Limit Headers" of an ordinary response. */
  ordinary: (remaining: number, resetAt: number) => ({
    "ratelimit-limit": "5000",
    "ratelimit-remaining": String(remaining),
    "rateLimit-reset": epochSeconds(resetAt),
  }),
  /** "Sample Rate Limit Headers When Burst Limit is Reached": the reset is the HOUR's oldest request. */
  burst: (resetAt: number, retryAfterSeconds: number) => ({
    "ratelimit-limit": "5000",
    "ratelimit-remaining": "0",
    "rateLimit-reset": epochSeconds(resetAt),
    "retry-after": String(retryAfterSeconds),
  }),
  /** The hourly limit: remaining 0 and no `retry-after` ("until the request reset has been reached"). */
  hourly: (resetAt: number) => ({ "ratelimit-limit": "5000", "ratelimit-remaining": "0", "rateLimit-reset": epochSeconds(resetAt) }),
};

/**
 * `count` requests started at once on a budget that has seen `headers`; `sent` lists the ones let
 * through so far, and `advance` moves the clock and lets the released ones run.
 */
function concurrentRequests(headers: Record<string, string>, count: number) {
  const clock = manualClock(START);
  const budget = new RateBudget(clock);
  budget.observe(headers);
  const sent: number[] = [];
  const requests = Array.from({ length: count }, (_, index) => budget.acquire().then(() => sent.push(index)));
  const advance = async (ms: number) => {
    clock.advance(ms);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { budget, sent, requests, advance };
}

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

  describe("DigitalOcean's documented rate-limit headers", () => {
    test.each([
      [
        "a burst-limit 429 pauses every request for its retry-after, not until the hour's oldest request expires",
        documented.burst(START + 55 * 60_000, 29),
        [29_000],
      ],
      [
        "an hourly 429 holds requests until ratelimit-reset, a minute at a time",
        documented.hourly(START + 150_000),
        [60_000, 60_000, 30_000],
      ],
      ["an ordinary response with plenty remaining holds nothing", documented.ordinary(4_000, START + 55 * 60_000), []],
      ["an ordinary response at the reserve holds requests until ratelimit-reset", documented.ordinary(500, START + 30_000), [30_000]],
    ])("%s", async (_what, headers, slept) => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(headers);
      await budget.acquire();
      expect(clock.slept).toEqual(slept);
    });

    test("a burst-limit 429 leaves the hourly count as the last ordinary response reported it", () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.ordinary(4_321, START + 40 * 60_000));
      budget.observe(documented.burst(START + 41 * 60_000, 29));
      expect(budget.snapshot()).toMatchObject({ limit: 5000, remaining: 4_321, resetAt: Math.floor((START + 40 * 60_000) / 1000) * 1000 });
    });

    test("a retry-after longer than a minute (a proxy's, a 503's) pauses the others for a minute at most", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe({ "retry-after": "3600" });
      await budget.acquire();
      expect(clock.slept).toEqual([60_000]);
    });

    test("after a burst-limit pause the requests go out without further waiting", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.ordinary(4_000, START + 55 * 60_000));
      budget.observe(documented.burst(START + 55 * 60_000, 29));
      for (let i = 0; i < 10; i++) await budget.acquire();
      expect(clock.slept).toEqual([29_000]);
    });
  });

  describe("the per-minute budget, counted locally", () => {
    test("a request over the minute's budget waits exactly until the minute's oldest request leaves the window", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock, { perMinute: 10, perHour: 5000, reserve: 0.1 });
      for (let i = 0; i < 9; i++) await budget.acquire();
      clock.advance(15_000);
      const tenth = await budget.acquire();
      expect(clock.slept).toEqual([45_000]);
      expect(tenth.at).toBe(START + 60_000);
    });

    test("a request a full minute old no longer counts against the minute", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock, { perMinute: 10, perHour: 5000, reserve: 0.1 });
      for (let i = 0; i < 9; i++) await budget.acquire();
      clock.advance(60_000);
      expect(budget.snapshot().sentLastMinute).toBe(0);
    });

    test("a request answered late counts from its answer, and the places of earlier answers free up first", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock, { perMinute: 10, perHour: 5000, reserve: 0.1 });
      const tickets = [];
      for (let i = 0; i < 9; i++) tickets.push(await budget.acquire());
      clock.advance(30_000);
      budget.settle(tickets[0]);
      await budget.acquire();
      expect(clock.slept).toEqual([30_000]);
      expect(budget.snapshot().sentLastMinute).toBe(2);
    });
  });

  describe("the hourly budget between responses", () => {
    test("counts every request sent against the remaining figure of the last response", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.ordinary(600, START + 30 * 60_000));
      for (let i = 0; i < 7; i++) await budget.acquire();
      expect(budget.snapshot().remaining).toBe(593);
    });

    test("sends what the hour has left above the reserve at once, then waits for ratelimit-reset", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.ordinary(503, START + 30_000));
      for (let i = 0; i < 3; i++) await budget.acquire();
      expect(clock.slept).toEqual([]);
      await budget.acquire();
      expect(clock.slept).toEqual([30_000]);
    });

    test.each([
      ["absent", {}],
      ["not numbers", { "ratelimit-limit": "many", "ratelimit-remaining": "some", "ratelimit-reset": "soon" }],
      ["blank", { "ratelimit-limit": " ", "ratelimit-remaining": "", "ratelimit-reset": " " }],
    ])("keeps the figures it knows when a response's rate-limit headers are %s", (_case, headers) => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.ordinary(4_321, START + 40 * 60_000));
      budget.observe(headers);
      expect(budget.snapshot()).toMatchObject({ limit: 5000, remaining: 4_321, resetAt: Math.floor((START + 40 * 60_000) / 1000) * 1000 });
    });

    test.each([
      ["ratelimit-limit", { "ratelimit-limit": "4000" }, { limit: 4000, remaining: 4_321 }],
      ["ratelimit-remaining", { "ratelimit-remaining": "4000" }, { limit: 5000, remaining: 4000 }],
      ["ratelimit-reset", { "ratelimit-reset": "1800000000" }, { limit: 5000, remaining: 4_321, resetAt: 1_800_000_000_000 }],
    ])("reads %s also when it comes alone, keeping the other figures", (_header, headers, figures) => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.ordinary(4_321, START + 40 * 60_000));
      budget.observe(headers);
      expect(budget.snapshot()).toMatchObject(figures);
    });

    test("an answer without rate-limit headers (a proxy's) does not stand for the answer the others wait for after the reset", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.ordinary(500, START + 10_000));
      await budget.acquire();
      budget.observe({ "content-type": "text/html" });
      const next = await budget.acquire();
      expect(next.at).toBe(START + 70_000);
    });

    test("a Retry-After that cannot be read pauses nothing", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe({ "retry-after": "soon" });
      await budget.acquire();
      expect(clock.slept).toEqual([]);
    });
  });

  describe("the hourly reserve once ratelimit-reset has passed, with no answers coming", () => {
    test("sends one request a minute, each exactly a minute after the one before", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.ordinary(500, START + 10_000));
      const first = await budget.acquire();
      clock.advance(500);
      const second = await budget.acquire();
      const third = await budget.acquire();
      expect([first.at, second.at, third.at]).toEqual([START + 10_000, START + 70_000, START + 130_000]);
    });
  });

  describe("the hourly reserve once ratelimit-reset has passed", () => {
    test("concurrent requests: exactly one goes out, and the others wait for its answer instead of spending the reserve", async () => {
      const { budget, sent, requests, advance } = concurrentRequests(documented.ordinary(500, START + 10_000), 20);

      await advance(10_000);
      expect(sent).toHaveLength(1);
      for (let second = 0; second < 5; second++) {
        await advance(1_000);
      }
      expect(sent).toHaveLength(1);

      // The first request's answer: two more places left the hour's window.
      budget.observe(documented.ordinary(502, START + 20_000));
      await advance(1_000);
      expect(sent).toHaveLength(3);
      expect(budget.snapshot().remaining).toBe(500);

      await advance(20_000);
      expect(sent).toHaveLength(4);
      budget.observe(documented.ordinary(600, START + 40 * 60_000));
      await advance(1_000);
      expect(sent).toHaveLength(20);
      await Promise.all(requests);
    });

    test("a request that went out after the reset and never got an answer does not hold the others for ever: another goes a minute later", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.ordinary(500, START + 10_000));
      const first = await budget.acquire();
      const second = await budget.acquire();
      expect(first.at).toBe(START + 10_000);
      expect(second.at).toBe(START + 70_000);
      expect(Math.max(...clock.slept)).toBeLessThanOrEqual(10_000);
    });
  });
  describe("an hourly 429 whose ratelimit-reset is already past by the local clock (clock skew, whole-second rounding)", () => {
    test("probes again a second later, then twice as long after each such answer up to a minute, instead of letting every waiting request through", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      const sentAt: number[] = [];
      for (let i = 0; i < 8; i++) {
        budget.observe(documented.hourly(clock.now() - 2_000));
        sentAt.push((await budget.acquire()).at - START);
      }
      expect(sentAt).toEqual([1_000, 3_000, 7_000, 15_000, 31_000, 63_000, 123_000, 183_000]);
    });

    test("concurrent requests: one probe at a time, each after the hold, never all at once", async () => {
      const { budget, sent, requests, advance } = concurrentRequests(documented.hourly(START - 2_000), 10);
      await advance(0);
      expect(sent).toHaveLength(0);
      await advance(1_000);
      expect(sent).toHaveLength(1);
      // The probe's answer: still spent, the reset still past.
      budget.observe(documented.hourly(START - 1_000));
      await advance(1_000);
      expect(sent).toHaveLength(1);
      await advance(1_000);
      expect(sent).toHaveLength(2);
      // The next answer frees the hour: the rest go when they look again, within a second.
      budget.observe(documented.ordinary(4_000, START + 30 * 60_000));
      await advance(1_000);
      expect(sent).toHaveLength(10);
      await Promise.all(requests);
    });

    test("an answer with places left ends the hold: the next such 429 waits a second again", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.hourly(START - 2_000));
      await budget.acquire();
      budget.observe(documented.hourly(clock.now() - 2_000));
      await budget.acquire();
      budget.observe(documented.ordinary(4_000, clock.now() + 30 * 60_000));
      await budget.acquire();
      budget.observe(documented.hourly(clock.now() - 2_000));
      await budget.acquire();
      expect(clock.slept).toEqual([1_000, 2_000, 1_000]);
    });

    test("an answer with places left ends the hold even when its reset is past too: the next such 429 waits a second again", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.hourly(START - 2_000));
      await budget.acquire();
      budget.observe(documented.hourly(clock.now() - 2_000));
      await budget.acquire();
      budget.observe(documented.ordinary(4_000, clock.now() - 2_000));
      await budget.acquire();
      budget.observe(documented.hourly(clock.now() - 2_000));
      await budget.acquire();
      expect(clock.slept).toEqual([1_000, 2_000, 1_000]);
    });

    test("an hourly 429 whose reset is still ahead ends the hold: requests wait for that reset, and a later 429 already past waits a second again", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.hourly(START - 2_000));
      await budget.acquire();
      budget.observe(documented.hourly(clock.now() + 5_000));
      await budget.acquire();
      budget.observe(documented.hourly(clock.now() - 2_000));
      await budget.acquire();
      expect(clock.slept).toEqual([1_000, 5_000, 1_000]);
    });

    test("a reset in this very second holds the next probe a second: it names the second the oldest request leaves, not the instant", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.hourly(START));
      expect((await budget.acquire()).at - START).toBe(1_000);
    });

    test("the reset is read against the answer's Date: with the local clock 90 minutes behind DigitalOcean's, a reset past there holds a second, not 90 minutes", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      const server = START + 90 * 60_000;
      budget.observe({ ...documented.hourly(server - 5_000), date: new Date(server).toUTCString() });
      expect((await budget.acquire()).at - START).toBe(1_000);
    });

    test("the reset is read against the answer's Date: with the local clock 90 minutes ahead, requests wait the 30 s left by DigitalOcean's", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      const server = START - 90 * 60_000;
      budget.observe({ ...documented.hourly(server + 30_000), date: new Date(server).toUTCString() });
      expect((await budget.acquire()).at - START).toBe(30_000);
    });

    test("an answer exactly at the reserve counts as the hour spent: with its reset past, the next probe waits a second", async () => {
      const clock = new VirtualClock(START);
      const budget = new RateBudget(clock);
      budget.observe(documented.ordinary(500, START - 2_000));
      expect((await budget.acquire()).at - START).toBe(1_000);
    });
  });
});

describe("polls give way to the token's other traffic", () => {
  const limits = { perMinute: 250, perHour: 5000, reserve: 0.1 };
  const policy = { minuteShare: 0.3, hourShare: 0.6, windowMs: 60_000, minSpanMs: 20_000 };

  test.each([
    ["no answers yet: no rate", [], 0],
    ["one answer: no rate", [{ at: 0, remaining: 4000 }], 0],
    [
      "100 fewer over a minute: 100 a minute",
      [
        { at: 0, remaining: 4900 },
        { at: 60_000, remaining: 4800 },
      ],
      100,
    ],
    [
      "50 fewer over 30 s: 100 a minute",
      [
        { at: 0, remaining: 4900 },
        { at: 10_000, remaining: 4880 },
        { at: 30_000, remaining: 4850 },
      ],
      100,
    ],
    [
      "10 fewer within 2 s is measured over 20 s, not read as a burst of 300 a minute",
      [
        { at: 0, remaining: 4900 },
        { at: 2_000, remaining: 4890 },
      ],
      30,
    ],
    [
      "a count that rose (requests left the hour's window) reads as none",
      [
        { at: 0, remaining: 4000 },
        { at: 30_000, remaining: 4100 },
      ],
      0,
    ],
  ])("the token's rate: %s", (_case, samples, rate) => {
    expect(tokenRatePerMinute(samples, policy.minSpanMs)).toBeCloseTo(rate, 6);
  });

  test.each([
    ["a quiet token: polls keep their schedule", 20, 4800, 30, undefined, 1],
    ["at 50 a minute, 60 % of the hour's 5,000 if kept up for an hour: still on schedule", 50, 4800, 30, undefined, 1],
    ["at 150 a minute, three times those 50: 9 times as far apart", 150, undefined, 30, undefined, 9],
    [
      "100 a minute with the reset a minute away: a sliding hour frees only its oldest request then, so the rate counts as kept up for an hour: 4 times",
      100,
      3000,
      1,
      undefined,
      4,
    ],
    ["an hourly limit of 20,000: the per-minute share binds, 150 a minute is twice 30 % of 250: 4 times", 150, 19_000, 30, 20_000, 4],
    ["20 a minute for the 30 minutes until the reset: 600 of the 2,000 left above the reserve: on schedule", 20, 2500, 30, undefined, 1],
    ["20 a minute for 50 minutes: 1,000 where 500 are left above the reserve: (2)² = 4 times", 20, 1000, 50, undefined, 4],
    ["no reset known: the rate for an hour, 40 a minute: 2,400 where 1,200 are left: 4 times", 40, 1700, undefined, undefined, 4],
    [
      "an hourly limit of 20,000 keeps a reserve of 2,000: 2,100 left is 100 above it, and 20 a minute for 10 minutes spends 200: 4 times",
      20,
      2100,
      10,
      20_000,
      4,
    ],
    ["at the reserve: as far apart as the waiter allows", 20, 500, 30, undefined, Number.POSITIVE_INFINITY],
    [
      "at the reserve with no traffic at all: as far apart as the waiter allows all the same, the reserve being other tools'",
      0,
      500,
      30,
      undefined,
      Number.POSITIVE_INFINITY,
    ],
    ["under the reserve (400 left of it): as far apart as the waiter allows", 20, 400, 30, undefined, Number.POSITIVE_INFINITY],
    ["both: the larger stretch, here the one near the reserve (7,500 where 500 are left)", 150, 1000, 50, undefined, 225],
  ])("the stretch: %s", (_case, ratePerMinute, remaining, minutesUntilReset, limit, stretch) => {
    const msUntilReset = minutesUntilReset === undefined ? undefined : minutesUntilReset * 60_000;
    const found = pollStretch(policy, limits, { ratePerMinute, remaining, limit, msUntilReset });
    if (stretch === Number.POSITIVE_INFINITY) expect(found).toBe(stretch);
    else expect(found).toBeCloseTo(stretch, 6);
  });

  test("reads the rate from ratelimit-remaining in the answers of the last minute", () => {
    const clock = new VirtualClock();
    const budget = new RateBudget(clock);
    for (let second = 0; second <= 60; second += 10) {
      budget.observe({ "ratelimit-limit": "5000", "ratelimit-remaining": String(4900 - second * 5), "ratelimit-reset": "0" });
      if (second < 60) clock.advance(10_000);
    }
    // 300 a minute, against 50 (60 % of 5,000 over an hour): (300 ÷ 50)² = 36 times as far apart.
    expect(budget.pollStretch()).toBeCloseTo(36, 6);
    // A minute later, with no answer since, the old answers have left the window: no rate to give way to.
    clock.advance(61_000);
    expect(budget.pollStretch()).toBe(1);
    // Nor once an answer shows no more traffic.
    budget.observe({ "ratelimit-limit": "5000", "ratelimit-remaining": "4600", "ratelimit-reset": "0" });
    expect(budget.pollStretch()).toBe(1);
  });

  test("an answer more than a minute old no longer counts once newer ones are in the window: traffic that stopped slows polls no more", () => {
    const clock = new VirtualClock();
    const budget = new RateBudget(clock);
    const answer = (remaining: number) =>
      budget.observe({ "ratelimit-limit": "5000", "ratelimit-remaining": String(remaining), "ratelimit-reset": "0" });
    answer(4900);
    clock.advance(30_000);
    answer(4800);
    clock.advance(40_000);
    answer(4800);
    // The last minute holds the answers at 30 s and 70 s: no fall, no rate.
    expect(budget.pollStretch()).toBe(1);
  });

  test("the last minute's answers include one exactly a minute old", () => {
    const clock = new VirtualClock();
    const budget = new RateBudget(clock);
    budget.observe({ "ratelimit-limit": "5000", "ratelimit-remaining": "4900", "ratelimit-reset": "0" });
    clock.advance(60_000);
    budget.observe({ "ratelimit-limit": "5000", "ratelimit-remaining": "4800", "ratelimit-reset": "0" });
    // 100 a minute, against 50: (100 ÷ 50)² = 4 times as far apart.
    expect(budget.pollStretch()).toBeCloseTo(4, 6);
  });
});
