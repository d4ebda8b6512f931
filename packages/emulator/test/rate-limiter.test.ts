import { RateLimiter } from "../src/rate-limiter";
import { programTime } from "../src/program-time";

const T0 = Date.UTC(2026, 0, 1);

describe("RateLimiter", () => {
  it("reports the hourly limit, what remains and when the oldest request expires", () => {
    const limiter = new RateLimiter({ perMinute: 10, perHour: 100 });
    expect(limiter.peek("a", T0)).toEqual({ allowed: true, limit: 100, remaining: 100, reset: T0 / 1000 });
    limiter.take("a", T0);
    expect(limiter.take("a", T0 + 1_500)).toEqual({ allowed: true, limit: 100, remaining: 98, reset: T0 / 1000 + 3600 });
  });

  it("answers a burst-limit refusal as DigitalOcean documents: remaining 0, the hourly reset, and retry-after for the minute", () => {
    const limiter = new RateLimiter({ perMinute: 2, perHour: 100 });
    limiter.take("a", T0);
    limiter.take("a", T0 + 20_000);
    // ratelimit-reset stays when the oldest request of the HOUR expires, an hour after T0, not in 30 s.
    expect(limiter.take("a", T0 + 30_000)).toEqual({
      allowed: false,
      limit: 100,
      remaining: 0,
      reset: T0 / 1000 + 3600,
      exceeded: "minute",
      retryAfter: 30,
    });
    expect(limiter.take("a", T0 + 60_000)).toMatchObject({ allowed: true, remaining: 97 });
  });

  it("answers an hourly refusal with remaining 0 and the reset time but no retry-after, which DigitalOcean sends only for the burst limit", () => {
    const limiter = new RateLimiter({ perMinute: 2, perHour: 2 });
    limiter.take("a", T0);
    limiter.take("a", T0 + 59_999);
    expect(limiter.take("a", T0 + 59_999)).toEqual({ allowed: false, limit: 2, remaining: 0, reset: T0 / 1000 + 3600, exceeded: "hour" });
  });

  it("rounds retry-after up to whole seconds", () => {
    const limiter = new RateLimiter({ perMinute: 1, perHour: 100 });
    limiter.take("a", T0);
    expect(limiter.take("a", T0 + 500)).toMatchObject({ allowed: false, retryAfter: 60 });
    expect(limiter.take("a", T0 + 59_500)).toMatchObject({ allowed: false, retryAfter: 1 });
  });

  it("forgets requests older than an hour and keeps keys apart", () => {
    const limiter = new RateLimiter({ perMinute: 1, perHour: 1 });
    limiter.take("a", T0);
    expect(limiter.take("b", T0).allowed).toBe(true);
    expect(limiter.take("a", T0 + 3_599_999).allowed).toBe(false);
    expect(limiter.take("a", T0 + 3_600_000)).toMatchObject({ allowed: true, remaining: 0 });
  });
});

describe("RateLimiter on a fast clock, for a program on the system clock", () => {
  const REAL_START = Date.UTC(2026, 11, 6, 2, 0, 0);
  const fast = (now: () => number) => programTime({ now, scale: 0.01, sleep: async () => {} }, "system", () => REAL_START);

  it("writes ratelimit-reset as the real moment the oldest request leaves the simulated window, at most an hour of the program's time ahead", () => {
    let now = T0;
    const limiter = new RateLimiter(
      { perMinute: 10, perHour: 100 },
      fast(() => now),
    );
    now = T0 + 12 * 3_600_000;
    limiter.take("a", now);
    // The simulated hour's window is 36 real seconds; 12 simulated hours are 432 real seconds.
    expect(limiter.peek("a", now).reset).toBe(REAL_START / 1000 + 432 + 36);
  });

  it("writes retry-after in the program's seconds", () => {
    const limiter = new RateLimiter(
      { perMinute: 1, perHour: 100 },
      fast(() => T0),
    );
    limiter.take("a", T0);
    expect(limiter.take("a", T0 + 500)).toMatchObject({ allowed: false, retryAfter: 1 });
  });
});
