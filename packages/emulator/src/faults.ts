/**
 * Failures a test can ask the emulator to produce, the way proxies, load balancers and flaky
 * networks produce them in front of the real API.
 */
export type Fault =
  /**
   * Answer this status without handling the request (no effect). Only the given headers are sent
   * besides `x-request-id`, so a 429 can carry `retry-after`, only `ratelimit-reset`, or nothing.
   * `body` defaults to DigitalOcean's error body for the status; a string is sent as text/plain.
   * A 422 stands for a refusal DigitalOcean might make that the emulator does not model; a 404 for
   * one request (an action DigitalOcean has lost track of, a proxy's glitch) while the resource is
   * there; a 401 or 403 for one refusal of the token (for every request, see `revokeToken`).
   */
  | { kind: "status"; status: 401 | 403 | 404 | 422 | 429 | 500 | 502 | 503 | 504; headers?: Record<string, string>; body?: unknown }
  /**
   * Answer `status` at once, as a gateway that gave up waiting for the API does, and handle the
   * request `afterMs` simulated ms later all the same: the effect (an image, a transfer) comes
   * after the answer, so a client that looks for it at once does not find it yet.
   */
  | { kind: "status-then-process"; status: 502 | 503 | 504; afterMs: number }
  /** Never answer, until the client gives up or the emulator closes. No effect. */
  | { kind: "hang" }
  /** Read the request, then reset the connection (TCP RST) before handling it: no effect. */
  | { kind: "reset" }
  /** Handle the request fully (an image IS created), then reset the connection instead of answering. */
  | { kind: "reset-after-processing" }
  /** Without handling the request, answer `status` (default 200) with a truncated JSON body. */
  | { kind: "malformed-json"; status?: number }
  /** Wait `ms` simulated milliseconds, then handle the request and answer normally. */
  | { kind: "delay"; ms: number };

export interface FaultMatch {
  /** Case-insensitive HTTP method; any when omitted. */
  method?: string;
  /** The path without query: equal to a string, or matching a RegExp; any when omitted. */
  path?: string | RegExp;
  /** How many matching requests get the fault (default 1). */
  count?: number;
}

/** What `inject` returns: how far the fault has been used, and a way to withdraw it. */
export interface InjectedFault {
  readonly fault: Fault;
  /** Matching requests that will still get the fault. */
  readonly remaining: number;
  /** Requests that got it so far. */
  readonly hits: number;
  cancel(): void;
}

interface Armed {
  fault: Fault;
  match: FaultMatch;
  remaining: number;
  hits: number;
}

/** Faults waiting for their requests; the earliest injected matching fault wins. */
export class FaultQueue {
  private armed: Armed[] = [];

  add(fault: Fault, match: FaultMatch = {}): InjectedFault {
    const count = match.count ?? 1;
    if (!(Number.isInteger(count) && count > 0)) throw new RangeError(`fault count must be a positive integer, got ${count}`);
    const entry: Armed = { fault, match, remaining: count, hits: 0 };
    this.armed.push(entry);
    return {
      fault,
      get remaining() {
        return entry.remaining;
      },
      get hits() {
        return entry.hits;
      },
      cancel: () => {
        entry.remaining = 0;
        this.armed = this.armed.filter((other) => other !== entry);
      },
    };
  }

  /** The fault for this request, if one matches; using it counts it down. */
  take(method: string, path: string): Fault | undefined {
    const entry = this.armed.find(({ match }) => matches(match, method, path));
    if (!entry) return undefined;
    entry.remaining -= 1;
    entry.hits += 1;
    if (entry.remaining === 0) this.armed = this.armed.filter((other) => other !== entry);
    return entry.fault;
  }
}

function matches(match: FaultMatch, method: string, path: string): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) return false;
  if (match.path === undefined) return true;
  // `search` ignores `lastIndex`, so a RegExp with the `g` flag matches every time.
  return typeof match.path === "string" ? match.path === path : path.search(match.path) !== -1;
}

const STATUS_ERRORS: Record<number, { id: string; message: string }> = {
  401: { id: "unauthorized", message: "Unable to authenticate you" },
  403: { id: "forbidden", message: "You do not have access for the attempted action." },
  404: { id: "not_found", message: "The resource you were accessing could not be found." },
  422: { id: "unprocessable_entity", message: "The request could not be processed." },
  429: { id: "too_many_requests", message: "API Rate limit exceeded." },
  500: { id: "server_error", message: "Unexpected server-side error" },
  502: { id: "bad_gateway", message: "Bad Gateway" },
  503: { id: "service_unavailable", message: "Service Unavailable" },
  504: { id: "gateway_timeout", message: "Gateway Timeout" },
};

/** DigitalOcean's error body for an injected status. */
export function faultErrorBody(status: number, requestId: string): { id: string; message: string; request_id: string } {
  const known = STATUS_ERRORS[status] ?? { id: "server_error", message: `HTTP ${status}` };
  return { ...known, request_id: requestId };
}
