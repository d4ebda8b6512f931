import { type Headers, msUntilServerInstant, numericHeader, retryAfterMs } from "./headers";

/**
 * When and how long to wait before retrying a request, written once as data and one pure function.
 *
 * got performs the retries (its `retry.calculateDelay` calls `retryDelay`); the POST that imports an
 * image adds its own verify-then-retry step on top (see `createCustom` in digitalocean-client.ts).
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  limit: number;
  /**
   * Fewer retries after failures that repeating seldom cures, by Node's error code (see
   * `retryLimit`): a refused or unresolvable endpoint is nearly always a wrong `apiEndpoint` or no
   * network, and a request that gets no answer costs a whole request timeout per try, so an
   * endpoint that never answers would otherwise take six timeouts (3 minutes) to fail.
   */
  limitByErrorCode: Readonly<Record<string, number>>;
  /** Methods retried on any retryable status or network error: idempotent by RFC 9110 §9.2.2. */
  idempotentMethods: string[];
  /** Statuses worth retrying (DigitalOcean: 429 rate limited, 5xx transient). */
  statusCodes: number[];
  /** Network errors worth retrying on an idempotent method. */
  errorCodes: string[];
  /**
   * Failures after which the server has certainly not acted, so that even a POST may be retried:
   * a 429 (DigitalOcean rejects the request before processing it) and connection errors raised
   * before a single byte was sent (refused, DNS). A reset or a timeout may come after the server
   * acted, so a POST that fails that way is never retried blindly.
   */
  unsentStatusCodes: number[];
  unsentErrorCodes: string[];
  /** First backoff delay; doubles each attempt. */
  baseDelayMs: number;
  /** Ceiling of the exponential backoff. */
  maxDelayMs: number;
  /**
   * Ceiling on a server hint (`Retry-After`, `ratelimit-reset`). got gives up entirely when a
   * `Retry-After` exceeds its `maxRetryAfter`; we wait the cap instead and try again.
   */
  maxRetryAfterMs: number;
  /**
   * The least an hourly 429 waits, however near or past its `ratelimit-reset`: the reset is whole
   * epoch seconds (the request it names leaves the window up to a second later) read against a
   * clock that may differ from DigitalOcean's by seconds, so a reset already past by our clock
   * still means the hour is spent on the server's. The exponential backoff applies on top.
   */
  minResetWaitMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  limit: 5,
  limitByErrorCode: { ECONNREFUSED: 2, ENOTFOUND: 2, EAI_AGAIN: 2, ENETUNREACH: 2, ETIMEDOUT: 2 },
  idempotentMethods: ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"],
  statusCodes: [429, 500, 502, 503, 504],
  errorCodes: [
    "ETIMEDOUT",
    "ECONNRESET",
    "EADDRINUSE",
    "ECONNREFUSED",
    "EPIPE",
    "ENOTFOUND",
    "ENETUNREACH",
    "EAI_AGAIN",
    "ERR_BODY_PARSE_FAILURE",
  ],
  unsentStatusCodes: [429],
  unsentErrorCodes: ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EADDRINUSE"],
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
  minResetWaitMs: 1_000,
};

export interface RetryAttempt {
  /** 1 for the first retry. */
  attempt: number;
  method: string;
  /** Set when the server answered. */
  statusCode?: number;
  /** Set for network errors (`ECONNRESET`, `ETIMEDOUT`, ...). */
  errorCode?: string;
  /** How many attempts of this request, this one included, failed with `errorCode`; default `attempt`. */
  sameFailures?: number;
  headers?: Headers;
  /** The request is safe to repeat even though its method is not (e.g. assigning a tag). */
  idempotent?: boolean;
  /** Epoch milliseconds now, for `ratelimit-reset` and HTTP-date `Retry-After`. */
  now: number;
  /** A number in [0, 1) for jitter. */
  random: number;
}

/**
 * Milliseconds to wait before the next attempt, or 0 for "do not retry".
 *
 * Backoff is exponential with full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/)
 * so that many clients of one account do not retry in lockstep. A server hint wins over the
 * backoff: `Retry-After` (seconds or an HTTP date), or, on a 429 without it, DigitalOcean's
 * `ratelimit-reset` (epoch seconds when the oldest request leaves the window,
 * https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/Rate-Limit).
 */
export function retryDelay(policy: RetryPolicy, attempt: RetryAttempt): number {
  if (attempt.attempt > policy.limit) return 0;
  if ((attempt.sameFailures ?? attempt.attempt) > retryLimit(policy, attempt.errorCode)) return 0;
  if (!isRetryable(policy, attempt)) return 0;
  const backoff = backoffDelay(policy, attempt.attempt, attempt.random);
  const retryAfter = retryAfterMs(attempt.headers, attempt.now);
  if (retryAfter !== undefined) return Math.max(1, Math.min(retryAfter, policy.maxRetryAfterMs));
  const resetWait = hourlyResetWaitMs(attempt);
  // Never less than the backoff: a reset at or past now, repeated, would otherwise retry at once
  // every time and spend the whole retry limit within milliseconds.
  if (resetWait !== undefined) return Math.min(Math.max(resetWait, policy.minResetWaitMs, backoff), policy.maxRetryAfterMs);
  return backoff;
}

/**
 * How many failures of one kind a request is retried after: the policy's limit, or the lower one
 * for its network error code. Other failures do not count against it: a request that hung once
 * and was reset once is retried after both.
 */
export function retryLimit(policy: RetryPolicy, errorCode: string | undefined): number {
  const forCode =
    errorCode !== undefined && Object.hasOwn(policy.limitByErrorCode, errorCode) ? policy.limitByErrorCode[errorCode]! : policy.limit;
  return Math.min(policy.limit, forCode);
}

/** Exponential backoff for retry number `attempt` (1-based): half fixed, half random, never zero. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: number): number {
  const ceiling = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  return Math.max(1, Math.round(ceiling / 2 + (ceiling / 2) * random));
}

function isRetryable(policy: RetryPolicy, attempt: RetryAttempt): boolean {
  // A redirect (whatever its body) is refused, never repeated: DigitalOcean's API does not redirect.
  if (attempt.statusCode !== undefined && attempt.statusCode >= 300 && attempt.statusCode < 400) return false;
  const safe = policy.idempotentMethods.includes(attempt.method.toUpperCase()) || attempt.idempotent;
  const statusCodes = safe ? policy.statusCodes : policy.unsentStatusCodes;
  const errorCodes = safe ? policy.errorCodes : policy.unsentErrorCodes;
  // A body that fails to parse comes with a status (often 200), so both are looked at.
  return (
    (attempt.statusCode !== undefined && statusCodes.includes(attempt.statusCode)) ||
    (attempt.errorCode !== undefined && errorCodes.includes(attempt.errorCode))
  );
}

/**
 * A 429 without `retry-after` is the hourly limit; its `ratelimit-reset` is when the oldest
 * request of the hour expires, by DigitalOcean's clock (so measured from the response's `Date`). A
 * burst-limit 429 carries `retry-after` (see rate-budget.ts).
 */
function hourlyResetWaitMs(attempt: RetryAttempt): number | undefined {
  if (attempt.statusCode !== 429) return undefined;
  const reset = numericHeader(attempt.headers, "ratelimit-reset");
  return reset !== undefined && reset > 0 ? msUntilServerInstant(attempt.headers, reset, attempt.now) : undefined;
}
