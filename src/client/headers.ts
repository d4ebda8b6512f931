/** Response headers as Node and got give them (lower-case names), or as written by hand in docs and tests. */
export type Headers = Record<string, string | string[] | undefined>;

/**
 * The first value of a header, whatever the case of its name: HTTP header names are
 * case-insensitive, and DigitalOcean's own docs spell one `rateLimit-reset`.
 */
export function header(headers: Headers | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = name.toLowerCase();
  const found = key in headers ? headers[key] : Object.entries(headers).find(([other]) => other.toLowerCase() === key)?.[1];
  return Array.isArray(found) ? found[0] : found;
}

/** A header holding a number (`ratelimit-remaining`, `ratelimit-reset`), or undefined when absent or not a number. */
export function numericHeader(headers: Headers | undefined, name: string): number | undefined {
  const raw = header(headers, name);
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** Milliseconds a `Retry-After` (seconds or an HTTP date, RFC 9110 §10.2.3) asks for, never negative. */
export function retryAfterMs(headers: Headers | undefined, now: number): number | undefined {
  const raw = header(headers, "retry-after");
  if (raw === undefined || raw.trim() === "") return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Milliseconds from a response to `epochSeconds` by the server's clock (a `ratelimit-reset`):
 * measured from the response's `Date` when it has one that parses, so that a local clock behind
 * or ahead of DigitalOcean's neither stretches the wait (a reset already past on the server read
 * as an hour away) nor cuts it; from `now` otherwise. `Date` is whole seconds, rounded down, so
 * this errs by up to a second on the long side.
 */
export function msUntilServerInstant(headers: Headers | undefined, epochSeconds: number, now: number): number {
  const date = Date.parse(header(headers, "date") ?? "");
  return epochSeconds * 1000 - (Number.isNaN(date) ? now : date);
}
