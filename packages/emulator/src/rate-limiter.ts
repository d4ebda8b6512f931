/**
 * DigitalOcean's rate limits: per token, 5,000 requests per hour and 250 per minute (the "burst
 * limit"), both sliding windows; a request counts for an hour after it was made. Every response
 * reports the hourly window in `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (epoch
 * seconds when the oldest request in the window expires). A 429 says `ratelimit-remaining: 0`
 * whichever limit was met; only the burst limit's 429 adds `retry-after`, and its `ratelimit-reset`
 * is still the hourly one ("Sample Rate Limit Headers When Burst Limit is Reached",
 * https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/Rate-Limit).
 *
 * Rejected requests are not counted, so a client that waits as long as `retry-after` says is
 * admitted.
 *
 * The windows slide on the emulator's (possibly fast) clock; the headers are written on the
 * program's (`ProgramTime`): a program on the system clock reads `ratelimit-reset` as the real
 * moment the oldest request leaves the simulated window, at most an hour (at a time factor of
 * 0.01, 36 seconds) after the `date` of the answer, and `retry-after` as the real seconds until
 * the minute admits it again.
 */
import { type ProgramTime, sharedProgramTime } from "./program-time";

export interface RateLimit {
  perMinute: number;
  perHour: number;
}

export interface RateDecision {
  allowed: boolean;
  /** `ratelimit-limit`: the hourly limit. */
  limit: number;
  /** `ratelimit-remaining`: requests left in the hourly window after this one. */
  remaining: number;
  /** `ratelimit-reset`: epoch seconds when the oldest request in the hourly window expires. */
  reset: number;
  /** Set when not allowed: `minute` for the burst limit, `hour` for the hourly one. */
  exceeded?: "minute" | "hour";
  /** Whole seconds until the burst limit admits a request again; set only for a burst-limit 429, as DigitalOcean does. */
  retryAfter?: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

export class RateLimiter {
  /** Request times per key, oldest first, none older than an hour. */
  private readonly windows = new Map<string, number[]>();

  constructor(
    private readonly limits: RateLimit,
    private readonly time: ProgramTime = sharedProgramTime,
  ) {}

  /** Counts a request by `key` at `now` (simulated ms) if both windows admit it. */
  take(key: string, now: number): RateDecision {
    const times = this.window(key, now);
    const minuteStart = firstIndexAfter(times, now - MINUTE);
    const minuteCount = times.length - minuteStart;
    if (times.length >= this.limits.perHour) return { ...this.report(times, now), allowed: false, remaining: 0, exceeded: "hour" };
    if (minuteCount >= this.limits.perMinute) {
      // The request that must expire before one more is admitted is the one `perMinute` places from the end.
      const waitMs = times[times.length - this.limits.perMinute] + MINUTE - now;
      return {
        ...this.report(times, now),
        allowed: false,
        remaining: 0,
        exceeded: "minute",
        retryAfter: Math.max(1, Math.ceil(this.time.programSpan(waitMs) / 1000)),
      };
    }
    times.push(now);
    return this.report(times, now);
  }

  /** The headers `key` would see now, without counting a request. */
  peek(key: string, now: number): RateDecision {
    return this.report(this.window(key, now), now);
  }

  private report(times: number[], now: number): RateDecision {
    const oldest = times[0] ?? now;
    return {
      allowed: true,
      limit: this.limits.perHour,
      remaining: Math.max(0, this.limits.perHour - times.length),
      reset: Math.ceil(this.time.epochMs(times.length > 0 ? oldest + HOUR : now) / 1000),
    };
  }

  private window(key: string, now: number): number[] {
    let times = this.windows.get(key);
    if (!times) {
      times = [];
      this.windows.set(key, times);
    }
    const expired = firstIndexAfter(times, now - HOUR);
    if (expired > 0) times.splice(0, expired);
    return times;
  }
}

/** Index of the first time strictly after `limit` in ascending `times` (binary search). */
function firstIndexAfter(times: number[], limit: number): number {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (times[middle] <= limit) low = middle + 1;
    else high = middle;
  }
  return low;
}
