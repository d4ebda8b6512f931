/**
 * `check` of the inputs that import a local file instead of a url: `file`, `spaces` and
 * `keepObject`. Pure, like the rest of `check`; the file itself is read by `checkFileContent`
 * (src/spaces/file-content-check.ts), which the provider runs after it.
 */
import { describeType, quoteText } from "../client/text";
import { UNKNOWN } from "./types";

/** The inputs of an image imported from a local file; a url-based image has none of them. */
export const FILE_INPUT_NAMES = ["file", "spaces", "keepObject"] as const;

/** What a property's check reports to (the interface `check` gives each). */
export interface FileCheckReport {
  fail(reason: string): undefined;
  warn(message: string): void;
  /** The program's inputs, for the rules that tie two of them. */
  readonly news: Record<string, unknown>;
}

/**
 * Spaces regions (https://docs.digitalocean.com/products/spaces/details/availability/). Another
 * slug is used with a warning, as DigitalOcean opens regions.
 */
export const SPACES_REGIONS = ["ams3", "atl1", "blr1", "fra1", "lon1", "nyc3", "sfo2", "sfo3", "sgp1", "syd1", "tor1"] as const;

/** Spaces bucket names: 3 to 63 lower-case letters, digits and dashes, starting and ending with a letter or digit. */
const BUCKET_PATTERN = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
const REGION_SLUG_PATTERN = /^[a-z]{3}[0-9]$/;
/** Longer than any real path (Linux's PATH_MAX is 4,096). */
const FILE_CHARACTERS = 4096;

export function checkFile(value: unknown, report: FileCheckReport): unknown {
  const allowed =
    "the path of a local image file (raw, qcow2, vhdx, vdi or vmdk, optionally gzip or bzip2), relative to the program's folder";
  if (value === undefined || value === UNKNOWN) return value;
  if (report.news.url !== undefined) {
    return report.fail(
      "give either url or file, not both: url imports from where the image is served, file uploads a local image to Spaces first",
    );
  }
  if (typeof value !== "string") return report.fail(`file must be ${allowed}, got ${describeType(value)}`);
  if (value.trim() === "") return report.fail(`file must be ${allowed}, not empty`);
  if (value.length > FILE_CHARACTERS) return report.fail(`file is ${value.length} characters long; at most ${FILE_CHARACTERS} are allowed`);
  if (value.includes("\0")) return report.fail(`file must be ${allowed}; it contains a NUL character`);
  if (report.news.spaces === undefined) {
    report.fail(
      'file needs spaces: { bucket, region }, the Spaces bucket the file is uploaded to, such as { bucket: "images-staging", region: "nyc3" }',
    );
  }
  return value;
}

export function checkSpaces(value: unknown, report: FileCheckReport): unknown {
  if (value === undefined || value === UNKNOWN) return value;
  const allowed = '{ bucket, region }, the Spaces bucket a file is uploaded to, such as { bucket: "images-staging", region: "nyc3" }';
  if (report.news.file === undefined) return report.fail("spaces is used only with file; remove it, or give file instead of url");
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return report.fail(`spaces must be ${allowed}, got ${describeType(value)}`);
  const { bucket, region, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest).filter((key) => rest[key] !== undefined);
  if (unknown.length > 0)
    return report.fail(`spaces has ${unknown.map((key) => quoteText(key)).join(", ")}, which it does not take; it must be ${allowed}`);
  let failed = false;
  const fail = (reason: string) => {
    failed = true;
    report.fail(reason);
  };
  if (bucket === undefined) fail(`spaces.bucket is required: ${allowed}`);
  else if (bucket !== UNKNOWN && (typeof bucket !== "string" || !BUCKET_PATTERN.test(bucket))) {
    fail(
      `spaces.bucket ${typeof bucket === "string" ? quoteText(bucket) : describeType(bucket)} is not a Spaces bucket name: 3 to 63 lower-case letters, digits and dashes, starting and ending with a letter or digit`,
    );
  }
  if (region === undefined) fail(`spaces.region is required: the region the bucket is in, one of ${SPACES_REGIONS.join(", ")}`);
  else if (region !== UNKNOWN) {
    if (typeof region !== "string" || !REGION_SLUG_PATTERN.test(region)) {
      fail(
        `spaces.region ${typeof region === "string" ? quoteText(region) : describeType(region)} is not a region slug: expected one of ${SPACES_REGIONS.join(", ")}`,
      );
    } else if (!(SPACES_REGIONS as readonly string[]).includes(region)) {
      report.warn(
        `spaces.region "${region}" is not in DigitalOcean's published list of Spaces regions (${SPACES_REGIONS.join(", ")}); it is used anyway`,
      );
    }
  }
  return failed ? undefined : { bucket, region };
}

export function checkKeepObject(value: unknown, report: FileCheckReport): unknown {
  if (value === undefined || value === UNKNOWN) return value;
  if (report.news.file === undefined) return report.fail("keepObject is used only with file; remove it");
  if (typeof value !== "boolean")
    return report.fail(
      `keepObject must be true or false (default false: the object is deleted once the import succeeded), got ${describeType(value)}`,
    );
  return value;
}
