import type { Emulator, RequestLogEntry } from "./emulator";
import { emulatorReport, simulatedIso } from "./report";
import { redactedQuery } from "./request-log";

/**
 * The inspection endpoint: `GET /_emulator/<view>` answers what a test or a CI job may want to
 * look at while the program runs, as JSON, without a token (the emulator listens on 127.0.0.1
 * only). It changes nothing, and its requests are neither logged nor counted nor validated.
 * Nothing in it carries a token, a header or a URL's query (see report.ts).
 */
export const INSPECTION_PREFIX = "/_emulator/";

/** A request as the `requests` view shows it: no headers (the token), no body (presigned URLs), the query redacted. */
export interface InspectedRequest {
  method: string;
  path: string;
  query: RequestLogEntry["query"];
  status: number | null;
  operationId?: string;
  requestId: string;
  fault?: RequestLogEntry["fault"];
  /** When it arrived, ISO in simulated time. */
  at: string;
}

const VIEWS = {
  /** What `--report` writes: the summary, the audit, duplicate imports, orphans, violations. */
  report: (emulator: Emulator) => emulatorReport(emulator),
  /** Every image imported, with its status and fate (the report's audit). */
  images: (emulator: Emulator) => emulatorReport(emulator).audit,
  /** Every image action (transfers), as `GET /v2/actions` answers them. */
  actions: (emulator: Emulator) => emulator.actions(),
  requests: (emulator: Emulator) => emulator.requests.map(inspectedRequest),
  /** The report's violations: the program's, and those without a token apart. */
  violations: (emulator: Emulator) => {
    const { violations, violationsWithoutToken } = emulatorReport(emulator);
    return { violations, violationsWithoutToken };
  },
} satisfies Record<string, (emulator: Emulator) => unknown>;

export interface InspectionReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export function inspect(emulator: Emulator, method: string, path: string): InspectionReply {
  const view = path.slice(INSPECTION_PREFIX.length);
  const names = Object.keys(VIEWS).map((name) => `${INSPECTION_PREFIX}${name}`);
  if (!Object.hasOwn(VIEWS, view)) {
    return { status: 404, headers: {}, body: { id: "not_found", message: `No such view; the views are ${names.join(", ")}.` } };
  }
  if (method !== "GET" && method !== "HEAD") {
    return {
      status: 405,
      headers: { allow: "GET, HEAD" },
      body: { id: "method_not_allowed", message: "The inspection endpoint is read-only." },
    };
  }
  return { status: 200, headers: { "cache-control": "no-store" }, body: VIEWS[view as keyof typeof VIEWS](emulator) };
}

function inspectedRequest(entry: RequestLogEntry): InspectedRequest {
  return {
    method: entry.method,
    path: entry.path,
    query: redactedQuery(entry.query),
    status: entry.status,
    ...(entry.operationId === undefined ? {} : { operationId: entry.operationId }),
    requestId: entry.requestId,
    ...(entry.fault === undefined ? {} : { fault: entry.fault }),
    at: simulatedIso(entry.at),
  };
}
