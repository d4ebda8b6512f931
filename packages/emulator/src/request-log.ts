import type { RequestLogEntry } from "./emulator";

/**
 * The query parameters DigitalOcean's images, actions and tags endpoints take (page, per_page,
 * type, private, tag_name): their values are shown. Any other parameter's value is not: a query
 * is where a signature or a token travels when a URL is pasted where it does not belong.
 */
const API_QUERY_PARAMETERS: ReadonlySet<string> = new Set(["page", "per_page", "type", "private", "tag_name"]);
export const REDACTED = "REDACTED";

/** The query with the values of parameters the API does not take replaced by `REDACTED`. */
export function redactedQuery(query: RequestLogEntry["query"]): RequestLogEntry["query"] {
  return Object.fromEntries(
    Object.entries(query).map(([key, value]) => [
      key,
      API_QUERY_PARAMETERS.has(key) ? value : Array.isArray(value) ? value.map(() => REDACTED) : REDACTED,
    ]),
  );
}

/** `path?query` with `redactedQuery`'s values, percent-encoded as on the wire. */
export function redactedTarget(entry: Pick<RequestLogEntry, "path" | "query">): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(redactedQuery(entry.query))) {
    for (const one of Array.isArray(value) ? value : [value]) params.append(key, one);
  }
  const search = params.toString();
  return search === "" ? entry.path : `${entry.path}?${search}`;
}

/**
 * One line of the command's `--log`: when the request arrived (ISO, in the time the program reads,
 * as the answer's `date` header says it), method, path with `redactedTarget`'s query, status
 * (`-` when nothing was answered: a hang or a reset), the real time it took, the request id the
 * answer carried, and an injected fault. No header, token or body.
 */
export function requestLogLine(entry: RequestLogEntry, arrivedAt: string, realMs: number): string {
  const fault = entry.fault ? ` fault=${entry.fault}` : "";
  return `${arrivedAt} ${entry.method} ${redactedTarget(entry)} ${entry.status ?? "-"} ${Math.round(realMs)}ms ${entry.requestId}${fault}`;
}
