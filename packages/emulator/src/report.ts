import type { Emulator } from "./emulator";
import { redactUrl } from "./import-plan";

/** What `--report` writes when the emulator stops. */
export interface EmulatorReport {
  requests: number;
  audit: ReturnType<Emulator["audit"]>;
  duplicates: ReturnType<Emulator["duplicates"]>;
  violations: Emulator["violations"];
}

/**
 * The report of a run, with every image URL cut to scheme, host and path: a report is a file that
 * outlives the run (a CI artifact), and presigned URLs carry their signature, and sometimes a
 * session token, in the query.
 */
export function emulatorReport(emulator: Emulator): EmulatorReport {
  const redacted = <T extends { url: string }>(entry: T): T => ({ ...entry, url: redactUrlText(entry.url) });
  return {
    requests: emulator.requests.length,
    audit: emulator.audit().map(redacted),
    duplicates: emulator.duplicates().map(redacted),
    violations: emulator.violations,
  };
}

function redactUrlText(url: string): string {
  const parsed = URL.parse(url);
  return parsed ? redactUrl(parsed) : "(not a URL)";
}
