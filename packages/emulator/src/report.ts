import { redactUrlsIn } from "../../../src/client/redact-urls";
import type { AuditEntry, DuplicateImport, Emulator, Violation } from "./emulator";
import { redactUrl } from "./import-plan";

/** An import as the report shows it: times as ISO strings in simulated time, URLs and messages without queries. */
export type ReportedImport = Omit<AuditEntry, "createdAt" | "deletedAt"> & { createdAt: string; deletedAt?: string };

/** The counts a CI job gates on; the command prints them when it stops. */
export interface EmulatorSummary {
  /** Requests received (the inspection endpoint's, `/_emulator/...`, are not counted). */
  requests: number;
  /** Images created through `POST /v2/images`. */
  imports: number;
  /** Custom images not deleted: after `pulumi destroy`, each is an image left behind. */
  imagesLeft: number;
  /** Images not deleted that still carry an import marker: imported, never handed to Pulumi (`Emulator.orphans`). */
  orphans: number;
  /** Imports repeated by mistake; not replacements, not other stacks' imports (`Emulator.duplicateImports`). */
  duplicateImports: number;
  /** Violations by requests with an accepted token, and the emulator's own (`response`, `internal`). */
  specViolations: number;
  /** Requests without an accepted token to a route the spec does not have (a `curl /`): not the program's. */
  violationsWithoutToken: number;
}

/** What `--report` writes, and `GET /_emulator/report` answers. */
export interface EmulatorReport {
  summary: EmulatorSummary;
  /** The same as `summary.requests`. */
  requests: number;
  /** Every import, oldest first. */
  audit: ReportedImport[];
  duplicates: DuplicateImport[];
  orphans: ReportedImport[];
  /** The violations `summary.specViolations` counts. */
  violations: Violation[];
  violationsWithoutToken: Violation[];
}

/**
 * The report of a run. It is a file that outlives the run (a CI artifact), and presigned URLs carry
 * their signature, and sometimes a session token, in the query: every image URL is cut to scheme,
 * host and path, and so is every URL quoted in a message (`errorMessage` with
 * `errorMessageUrl: "full"`, a violation's text).
 */
export function emulatorReport(emulator: Emulator): EmulatorReport {
  const audit = emulator.audit().map(reportedImport);
  const duplicates = emulator.duplicateImports().map((entry) => ({ ...entry, url: redactUrlText(entry.url) }));
  const orphans = emulator.orphans().map(reportedImport);
  const violations = emulator.violations.filter((violation) => !violation.withoutToken).map(reportedViolation);
  const violationsWithoutToken = emulator.violations.filter((violation) => violation.withoutToken).map(reportedViolation);
  return {
    summary: {
      requests: emulator.requests.length,
      imports: audit.length,
      imagesLeft: audit.filter((entry) => entry.status !== "deleted").length,
      orphans: orphans.length,
      duplicateImports: duplicates.length,
      specViolations: violations.length,
      violationsWithoutToken: violationsWithoutToken.length,
    },
    requests: emulator.requests.length,
    audit,
    duplicates,
    orphans,
    violations,
    violationsWithoutToken,
  };
}

/** `12 requests, 1 import, 0 images left, 0 orphans, 0 duplicate imports, 0 spec violations`, and the requests without a token when there were any. */
export function summaryLine(summary: EmulatorSummary): string {
  const count = (n: number, what: string, plural = `${what}s`) => `${n} ${n === 1 ? what : plural}`;
  const line = [
    count(summary.requests, "request"),
    count(summary.imports, "import"),
    count(summary.imagesLeft, "image left", "images left"),
    count(summary.orphans, "orphan"),
    count(summary.duplicateImports, "duplicate import"),
    count(summary.specViolations, "spec violation"),
  ].join(", ");
  const stray = summary.violationsWithoutToken;
  return stray === 0 ? line : `${line} (and ${count(stray, "request")} without a token to a route DigitalOcean does not have)`;
}

/** ISO, in the emulator's simulated time. */
export function simulatedIso(ms: number): string {
  return new Date(ms).toISOString();
}

function reportedImport(entry: AuditEntry): ReportedImport {
  const { createdAt, deletedAt, errorMessage, url, ...rest } = entry;
  return {
    ...rest,
    url: redactUrlText(url),
    createdAt: simulatedIso(createdAt),
    ...(deletedAt === undefined ? {} : { deletedAt: simulatedIso(deletedAt) }),
    ...(errorMessage === undefined ? {} : { errorMessage: redactUrlsIn(errorMessage) }),
  };
}

function reportedViolation(violation: Violation): Violation {
  return { ...violation, errors: violation.errors.map(redactUrlsIn) };
}

function redactUrlText(url: string): string {
  const parsed = URL.parse(url);
  return parsed ? redactUrl(parsed) : "(not a URL)";
}
