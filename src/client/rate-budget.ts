import { createHash } from "node:crypto";
import type { Clock } from "./clock";

/**
 * DigitalOcean's request budget for one token: 250 requests per minute and 5,000 per hour
 * (https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/Rate-Limit).
 *
 * Every response reports the hourly budget in `ratelimit-limit`, `ratelimit-remaining` and
 * `ratelimit-reset` (epoch seconds when the oldest request leaves the window). The per-minute
 * limit is not reported, so it is tracked locally from the requests this process sends. Requests
 * wait in `acquire()` before either budget runs out, instead of spending it and meeting 429s.
 */
export interface RateBudgetOptions {
  perMinute: number;
  perHour: number;
  /** Fraction of each budget kept in reserve (for other tools using the same token). */
  reserve: number;
}

export const defaultRateBudgetOptions: RateBudgetOptions = { perMinute: 250, perHour: 5000, reserve: 0.1 };

export interface RateBudgetSnapshot {
  sentLastMinute: number;
  limit?: number;
  remaining?: number;
  resetAt?: number;
  throttledMs: number;
}

const MINUTE_MS = 60_000;

/** One request counted against the per-minute budget; `at` moves to when its response arrived. */
export interface RateTicket {
  at: number;
}

export class RateBudget {
  private sent: RateTicket[] = [];
  private limit?: number;
  private remaining?: number;
  private resetAt?: number;
  private throttledMs = 0;

  constructor(
    private readonly clock: Clock,
    private readonly options: RateBudgetOptions = defaultRateBudgetOptions,
  ) {}

  /** Waits until a request fits in both budgets, then counts it as sent. */
  async acquire(signal?: AbortSignal): Promise<RateTicket> {
    for (;;) {
      const waitMs = this.waitMs(this.clock.now());
      if (waitMs <= 0) break;
      this.throttledMs += waitMs;
      await this.clock.sleep(waitMs, signal);
    }
    const ticket = { at: this.clock.now() };
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

  /** Reads DigitalOcean's `ratelimit-*` headers from any response, errors included. */
  observe(headers: Record<string, string | string[] | undefined>): void {
    const read = (name: string) => {
      const raw = headers[name];
      const value = Number(Array.isArray(raw) ? raw[0] : raw);
      return raw === undefined || !Number.isFinite(value) ? undefined : value;
    };
    const limit = read("ratelimit-limit");
    const remaining = read("ratelimit-remaining");
    const reset = read("ratelimit-reset");
    if (limit !== undefined) this.limit = limit;
    if (remaining !== undefined) this.remaining = remaining;
    if (reset !== undefined) this.resetAt = reset * 1000;
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
    const { perMinute, perHour, reserve } = this.options;
    const minuteCap = Math.max(1, Math.floor(perMinute * (1 - reserve)));
    const times = this.sent.map((ticket) => ticket.at).sort((a, b) => a - b);
    // The request that must leave the window before one more fits is `minuteCap` places from the end.
    const minuteWait = times.length >= minuteCap ? times[times.length - minuteCap]! + MINUTE_MS - now : 0;

    const hourFloor = Math.ceil((this.limit ?? perHour) * reserve);
    let hourWait = 0;
    if (this.remaining !== undefined && this.remaining <= hourFloor) {
      // Past the reset time one more request has left the window; the next response refreshes the count.
      hourWait = this.resetAt !== undefined && this.resetAt > now ? Math.min(this.resetAt - now, MINUTE_MS) : 0;
      if (hourWait === 0) this.remaining = hourFloor + 1;
    }
    return Math.max(minuteWait, hourWait);
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
