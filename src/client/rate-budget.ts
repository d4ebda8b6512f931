import { createHash } from "node:crypto";
import { type Clock, MINUTE_MS } from "./clock";
import { type Headers, msUntilServerInstant, numericHeader, retryAfterMs } from "./headers";

/**
 * DigitalOcean's request budget for one token: 250 requests per minute and 5,000 per hour
 * (https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/Rate-Limit).
 *
 * Every response reports the hourly budget in `ratelimit-limit`, `ratelimit-remaining` and
 * `ratelimit-reset` (epoch seconds when the oldest request of the hour leaves the window). The
 * per-minute limit is not reported, so it is tracked locally from the requests this process
 * sends. Requests wait in `acquire()` before either budget runs out, instead of spending it and
 * meeting 429s.
 *
 * One exception: a 429 of the per-minute "burst limit" also says `ratelimit-remaining: 0`, with
 * the hour's `ratelimit-reset`, and adds `retry-after` ("Sample Rate Limit Headers When Burst
 * Limit is Reached" in the same section). Its remaining count is the minute's, not the hour's:
 * read as the hour's, it would hold every request until the hour's oldest request expires, up to
 * an hour. A response with `retry-after` therefore pauses every request for that long and leaves
 * the hourly figures as they were.
 */
export interface RateBudgetOptions {
  perMinute: number;
  perHour: number;
  /** Fraction of each budget kept in reserve (for other tools using the same token). */
  reserve: number;
  /** When polls give way to the token's other traffic; see `pollStretch`. Defaults: `defaultPollYield`. */
  pollYield?: Partial<PollYield>;
}

/**
 * The token's budget belongs to every process and tool using it (CI jobs running `pulumi up` side
 * by side, doctl, Terraform), and each response's `ratelimit-remaining` counts all of them. Writes
 * cannot wait without holding up a deployment; polls can, at the cost of noticing a finished import
 * later. So polls are spaced further apart as the token's traffic grows, before any limit is near:
 *
 * - The token's rate may reach `minuteShare` of the per-minute limit and, kept up for an hour,
 *   `hourShare` of the hourly one (with DigitalOcean's limits, 75 and 50 requests a minute; the
 *   lower binds). Above that a poll's interval is stretched by (rate ÷ that ceiling)², so that many
 *   processes doing the same settle a little above it, leaving the rest to writes. The hour's
 *   window slides: `ratelimit-reset` frees only its oldest request, not the hour, so a steady rate
 *   is weighed as kept up for a whole hour, whatever the reset says.
 * - Close to the reserve: when the token's rate, kept up until `ratelimit-reset`, would spend more
 *   than is left above the reserve, polls are stretched by (that spending ÷ what is left)², and
 *   at the reserve as far as the waiter allows.
 *
 * The token's rate is read from how far `ratelimit-remaining` fell over the last `windowMs`,
 * measured over at least `minSpanMs` so that two close answers do not read as a burst.
 */
export interface PollYield {
  minuteShare: number;
  hourShare: number;
  windowMs: number;
  minSpanMs: number;
}

export const defaultPollYield: PollYield = { minuteShare: 0.3, hourShare: 0.6, windowMs: 60_000, minSpanMs: 20_000 };

export const defaultRateBudgetOptions: RateBudgetOptions = { perMinute: 250, perHour: 5000, reserve: 0.1 };

/** One `ratelimit-remaining` seen, and when. */
export interface RemainingSample {
  at: number;
  remaining: number;
}

/**
 * The token's requests per minute, from the fall of `ratelimit-remaining` across `samples` (oldest
 * first, within the window). Requests leaving the hourly window raise the count again, so after a
 * steady hour this reads low: polls then yield only once the reserve is reached (with every other
 * request, in `acquire`).
 */
export function tokenRatePerMinute(samples: readonly RemainingSample[], minSpanMs: number): number {
  if (samples.length < 2) return 0;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const fallen = Math.max(0, first.remaining - last.remaining);
  return (fallen * MINUTE_MS) / Math.max(last.at - first.at, minSpanMs);
}

/** What `pollStretch` weighs: the token's rate (requests a minute) and its hourly count as last answered. */
export interface TokenLoad {
  ratePerMinute: number;
  remaining?: number;
  limit?: number;
  /** Until `ratelimit-reset`; an hour when unknown. */
  msUntilReset?: number;
}

/** How many times longer a poll should wait than its schedule says (1: not at all; Infinity: as long as the waiter allows); see `PollYield`. */
export function pollStretch(policy: PollYield, limits: { perMinute: number; perHour: number; reserve: number }, load: TokenLoad): number {
  const perHour = load.limit ?? limits.perHour;
  const ceiling = Math.min(limits.perMinute * policy.minuteShare, (perHour * policy.hourShare * MINUTE_MS) / HOUR_MS);
  const byRate = load.ratePerMinute > ceiling ? (load.ratePerMinute / ceiling) ** 2 : 1;
  let byLeft = 1;
  if (load.remaining !== undefined) {
    const left = load.remaining - perHour * limits.reserve;
    const spending = (load.ratePerMinute * Math.max(MINUTE_MS, load.msUntilReset ?? HOUR_MS)) / MINUTE_MS;
    if (left <= 0) byLeft = Number.POSITIVE_INFINITY;
    else if (spending > left) byLeft = (spending / left) ** 2;
  }
  return Math.max(1, byRate, byLeft);
}

export interface RateBudgetSnapshot {
  sentLastMinute: number;
  limit?: number;
  remaining?: number;
  resetAt?: number;
  throttledMs: number;
}

const HOUR_MS = 60 * MINUTE_MS;
/**
 * Once `ratelimit-reset` has passed with the hourly budget at its reserve, one request goes out to
 * learn the new count; the others look again this often until its answer arrives, or send
 * another after `PROBE_LOST_MS` if none does (a request that failed without a response).
 */
const PROBE_RECHECK_MS = 1_000;
const PROBE_LOST_MS = MINUTE_MS;

/** One request counted against the per-minute budget; `at` moves to when its response arrived. */
export interface RateTicket {
  at: number;
  /** How long `acquire` held the request back (0: not at all). */
  waitedMs: number;
}

export class RateBudget {
  private sent: RateTicket[] = [];
  private limit?: number;
  private remaining?: number;
  private resetAt?: number;
  /** When the one request sent after `ratelimit-reset` passed went out; cleared by the next response. */
  private probeAt?: number;
  /** No probe before then: the last answer said the hour is spent although its reset had passed. */
  private probeNotBefore = 0;
  /** Answers in a row that said the hour is spent with a reset already past (see `observe`). */
  private staleResets = 0;
  /** Set by a burst-limit 429's `retry-after`: no request goes out before then. */
  private pausedUntil = 0;
  private throttledMs = 0;
  /** `ratelimit-remaining` as answered within the poll yield's window, oldest first. */
  private samples: RemainingSample[] = [];
  private readonly pollYield: PollYield;

  constructor(
    private readonly clock: Clock,
    private readonly options: RateBudgetOptions = defaultRateBudgetOptions,
  ) {
    this.pollYield = { ...defaultPollYield, ...options.pollYield };
  }

  /** How many times longer than its schedule the next poll should wait, for the token's other traffic (see `PollYield`). */
  pollStretch(): number {
    const now = this.clock.now();
    this.pruneSamples(now);
    const ratePerMinute = tokenRatePerMinute(this.samples, this.pollYield.minSpanMs);
    const msUntilReset = this.resetAt === undefined ? undefined : this.resetAt - now;
    return pollStretch(this.pollYield, this.options, { ratePerMinute, remaining: this.remaining, limit: this.limit, msUntilReset });
  }

  private pruneSamples(now: number): void {
    const start = now - this.pollYield.windowMs;
    const firstKept = this.samples.findIndex((sample) => sample.at >= start);
    this.samples = firstKept < 0 ? [] : this.samples.slice(firstKept);
  }

  /** Waits until a request fits in both budgets, then counts it as sent. */
  async acquire(signal?: AbortSignal): Promise<RateTicket> {
    let waitedMs = 0;
    for (;;) {
      const waitMs = this.waitMs(this.clock.now());
      if (waitMs <= 0) break;
      this.throttledMs += waitMs;
      waitedMs += waitMs;
      await this.clock.sleep(waitMs, signal);
    }
    const ticket = { at: this.clock.now(), waitedMs };
    this.sent.push(ticket);
    if (this.remaining !== undefined) this.remaining -= 1;
    return ticket;
  }

  /**
   * Marks the request as answered now. The server counted it somewhere between `acquire` and
   * now; counting it from the later time keeps the local window from running ahead of the
   * server's when responses take a while.
   */
  settle(ticket: RateTicket | undefined): void {
    if (ticket) ticket.at = this.clock.now();
  }

  /** Reads DigitalOcean's `ratelimit-*` and `retry-after` headers from any response, errors included. */
  observe(headers: Headers): void {
    const now = this.clock.now();
    const limit = numericHeader(headers, "ratelimit-limit");
    const remaining = numericHeader(headers, "ratelimit-remaining");
    const reset = numericHeader(headers, "ratelimit-reset");
    const retryAfter = retryAfterMs(headers, now);
    if (limit === undefined && remaining === undefined && reset === undefined && retryAfter === undefined) return;
    this.probeAt = undefined;
    if (limit !== undefined) this.limit = limit;
    if (retryAfter !== undefined) {
      // A burst limit frees up within its minute; a longer `retry-after` (a proxy's, a 503's)
      // holds only the request that got it, through the retry policy.
      this.pausedUntil = Math.max(this.pausedUntil, now + Math.min(retryAfter, MINUTE_MS));
      return;
    }
    if (remaining !== undefined) {
      this.remaining = remaining;
      this.samples.push({ at: now, remaining });
      this.pruneSamples(now);
    }
    // By the local clock: a reset read against DigitalOcean's `Date`, not ours, which may lag by an hour.
    if (reset !== undefined) this.resetAt = now + msUntilServerInstant(headers, reset, now);
    this.holdProbeAfterStaleReset(now);
  }

  /**
   * An answer that says the hour is spent (at or under the reserve) with a `ratelimit-reset` not
   * after now is DigitalOcean's clock or its whole-second rounding disagreeing with ours, not a
   * freed place: probing again at once would let every waiting request (and every retry of an
   * hourly 429) through one after another, each meeting a 429. The next probe waits a second, then
   * twice as long after each such answer, up to a minute.
   */
  private holdProbeAfterStaleReset(now: number): void {
    const spent = this.remaining !== undefined && this.remaining <= this.hourFloor();
    if (!spent || (this.resetAt !== undefined && this.resetAt > now)) {
      this.staleResets = 0;
      this.probeNotBefore = 0;
      return;
    }
    this.probeNotBefore = now + Math.min(PROBE_RECHECK_MS * 2 ** this.staleResets, MINUTE_MS);
    this.staleResets += 1;
  }

  private hourFloor(): number {
    return Math.ceil((this.limit ?? this.options.perHour) * this.options.reserve);
  }

  snapshot(): RateBudgetSnapshot {
    this.prune(this.clock.now());
    return {
      sentLastMinute: this.sent.length,
      limit: this.limit,
      remaining: this.remaining,
      resetAt: this.resetAt,
      throttledMs: this.throttledMs,
    };
  }

  private prune(now: number): void {
    this.sent = this.sent.filter((ticket) => ticket.at > now - MINUTE_MS);
  }

  private waitMs(now: number): number {
    this.prune(now);
    const { perMinute, reserve } = this.options;
    const minuteCap = Math.max(1, Math.floor(perMinute * (1 - reserve)));
    const times = this.sent.map((ticket) => ticket.at).sort((a, b) => a - b);
    // The request that must leave the window before one more fits is `minuteCap` places from the end.
    const minuteWait = times.length >= minuteCap ? times[times.length - minuteCap]! + MINUTE_MS - now : 0;

    const hourFloor = this.hourFloor();
    let hourWait = 0;
    if (this.remaining !== undefined && this.remaining <= hourFloor) {
      if (this.resetAt !== undefined && this.resetAt > now) {
        hourWait = Math.min(this.resetAt - now, MINUTE_MS);
      } else if (this.probeNotBefore > now) {
        hourWait = this.probeNotBefore - now;
      } else if (this.probeAt === undefined || now - this.probeAt >= PROBE_LOST_MS) {
        // Past the reset time the oldest request has left the window, which frees at least one
        // place: exactly one request takes it, and its response tells how many more there are.
        this.probeAt = now;
        this.remaining = hourFloor + 1;
      } else {
        hourWait = Math.min(PROBE_RECHECK_MS, this.probeAt + PROBE_LOST_MS - now);
      }
    }
    const pauseWait = this.pausedUntil - now;
    return Math.max(minuteWait, hourWait, pauseWait);
  }
}

const budgets = new Map<string, RateBudget>();

/**
 * The one budget of a token against an endpoint, shared by every client in the process. The map is
 * keyed by a hash, so the token itself is never kept here.
 */
export function sharedRateBudget(token: string, apiEndpoint: string, clock: Clock, options?: Partial<RateBudgetOptions>): RateBudget {
  const key = createHash("sha256").update(`${apiEndpoint}\n${token}`).digest("hex");
  let budget = budgets.get(key);
  if (!budget) {
    budget = new RateBudget(clock, { ...defaultRateBudgetOptions, ...options });
    budgets.set(key, budget);
  }
  return budget;
}
