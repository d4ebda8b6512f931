/**
 * `check`: validates and normalises a CustomImage's inputs. Pure, so it runs at preview without
 * touching DigitalOcean, and a mistake fails there instead of half-way through `pulumi up`.
 *
 * Contract (https://www.pulumi.com/docs/iac/concepts/resources/dynamic-providers/): the returned
 * `inputs` are what `diff`, `create` and `update` receive. Values not known yet during preview
 * arrive as the string `UNKNOWN`, also as array elements; they pass through and are checked
 * when known. `undefined` never appears in `inputs` (it cannot cross gRPC): absent keys are omitted.
 */
import type * as pulumi from "@pulumi/pulumi";
import { canonicalDistribution, DISTRIBUTIONS, REGION_SLUGS } from "./digitalocean-enums";
import { checkedEndpoint } from "../client/credentials";
import { describeType, hiddenCharacter, quoteText } from "../client/text";
import { checkFile, checkKeepObject, checkSpaces } from "./check-file";
import { IMPORT_MARKER_PREFIX, isImportMarker } from "./import-marker";
import { checkImportId } from "./import-option";
import { hasAuthority, redactUrl } from "../client/redact-urls";
import { tagIdentity } from "../client/tag-identity";
import { unreachableHostKind } from "./unreachable-host";
import {
  type CustomImageInputs,
  DEFAULT_CREATE_TIMEOUT_MINUTES,
  DEFAULT_DISTRIBUTION,
  DEFAULT_TRANSFER_TIMEOUT_MINUTES,
  IMPORT_ID,
  UNKNOWN,
} from "./types";

export interface CheckOptions {
  /** The Pulumi resource name, used as the image name when `name` is not given. */
  resourceName?: string;
}

export interface CheckOutcome {
  inputs: Record<string, unknown>;
  failures: pulumi.dynamic.CheckFailure[];
  /** Accepted but doubtful inputs, worded to be shown to the user as they are. */
  warnings: string[];
}

/**
 * Length and range limits. DigitalOcean documents only the tag limit; the others guard against
 * mistakes (a file pasted into a field) and are generous enough for any real value.
 */
export const INPUT_LIMITS = {
  /**
   * Presigned URLs carrying an STS session token easily exceed the 2,048 characters browsers
   * once allowed; 8 KiB is the request-line limit of common HTTP servers (nginx
   * `large_client_header_buffers`), so a longer URL could not be downloaded anyway.
   */
  urlCharacters: 8192,
  /** Undocumented by DigitalOcean; 255 is the limit it documents for tag names. */
  nameCharacters: 255,
  /** Undocumented by DigitalOcean. */
  descriptionCharacters: 1024,
  /** "There is a limit of 255 characters per tag" (https://docs.digitalocean.com/reference/api/digitalocean/#tag/Tags). */
  tagCharacters: 255,
  /**
   * DigitalOcean documents no number of tags per image (neither its OpenAPI description nor its
   * tag docs); each tag costs requests (created, assigned, unassigned) out of 250 a minute, so a
   * list of thousands would spend the token's budget. 50 is more than any image is given.
   */
  tags: 50,
  /**
   * An image is in a region at most once, and DigitalOcean has 15 (REGION_SLUGS); every region
   * but the first costs a transfer. 32 leaves room for the regions DigitalOcean opens.
   */
  regions: 32,
  /** A day: imports of the largest images DigitalOcean accepts (100 GB) take hours, not days. */
  timeoutMinutes: 24 * 60,
  /**
   * Imports and transfers take minutes; a shorter wait would give up before its second poll (the
   * image waiter's first interval is seconds long), leaving an import running that Pulumi does not record.
   */
  minTimeoutMinutes: 1,
} as const;

/**
 * Inputs set by the SDK and by CustomImage rather than by users, passed through untouched: the
 * serialized provider, and the scope of the import marker.
 */
const PASS_THROUGH = ["__provider", "__importScope", IMPORT_ID];

/** Region slugs are three letters and a digit (https://docs.digitalocean.com/platform/regional-availability/). */
const REGION_SLUG_PATTERN = /^[a-z]{3}[0-9]$/;

/** DigitalOcean's tag name pattern (https://docs.digitalocean.com/reference/api/digitalocean/#tag/Tags). */
const TAG_PATTERN = new RegExp(`^[a-zA-Z0-9_\\-:]{1,${INPUT_LIMITS.tagCharacters}}$`);

/**
 * Whitespace, control and format characters (bidirectional controls, zero-width characters).
 * `new URL` silently strips surrounding whitespace and tabs or newlines inside, and reads
 * `https://exa\u200bmple.com` as example.com (IDNA maps zero-width characters away), so it would
 * accept a string other than the one DigitalOcean is sent.
 */
const URL_FORBIDDEN_CHARACTERS = /[\s\p{Cc}\p{Cf}]/u;

/** What `hiddenCharacter` finds, as a check failure names it. */
const HIDDEN_TEXT = "control, bidirectional or zero-width characters";

/** Line breaks and tabs: a description is free text that may span lines. */
const DESCRIPTION_ALLOWED_CONTROLS = "\n\r\t";

const KNOWN_REGION_SLUGS: ReadonlySet<string> = new Set(REGION_SLUGS);

/** Reports problems with one property; a property's check returns its normalised value. */
interface PropertyReport {
  fail(reason: string): undefined;
  warn(message: string): void;
  readonly options: CheckOptions;
  /** The program's inputs, for the rules that tie two of them (url or file). */
  readonly news: Record<string, unknown>;
}

/** The inputs a program gives; `fileSha256` is computed from `file` (src/spaces/file-content-check.ts). */
type ProgramInputs = Omit<CustomImageInputs, "fileSha256">;

/**
 * One check per input, in the order inputs are returned. Each receives `undefined` for an absent
 * (or null) value and returns the value to keep, or `undefined` to omit the key.
 */
const PROPERTY_CHECKS: { readonly [P in keyof Required<ProgramInputs>]: (value: unknown, report: PropertyReport) => unknown } = {
  url: checkUrl,
  file: checkFile,
  spaces: checkSpaces,
  keepObject: checkKeepObject,
  regions: checkRegions,
  name: checkName,
  description: checkDescription,
  distribution: checkDistribution,
  tags: checkTags,
  createTimeoutMinutes: (value, report) => checkTimeout("createTimeoutMinutes", value, report, DEFAULT_CREATE_TIMEOUT_MINUTES),
  transferTimeoutMinutes: (value, report) => checkTimeout("transferTimeoutMinutes", value, report, DEFAULT_TRANSFER_TIMEOUT_MINUTES),
  token: checkToken,
  apiEndpoint: checkApiEndpoint,
};

/** The names a CustomImage accepts as inputs, in the order `check` returns them. */
export const INPUT_PROPERTY_NAMES = Object.keys(PROPERTY_CHECKS) as (keyof ProgramInputs)[];

/**
 * Validates `news`, the program's inputs, and returns them normalised with defaults filled in,
 * every failure (all of them, not only the first) and warnings. `olds` (the previous inputs) are
 * not consulted: the same program always checks to the same inputs, so `diff` sees no change
 * where the program made none.
 */
export function check(_olds: Record<string, unknown>, news: Record<string, unknown>, options: CheckOptions = {}): CheckOutcome {
  const inputs: Record<string, unknown> = {};
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const warnings: string[] = [];

  for (const property of INPUT_PROPERTY_NAMES) {
    const given = news[property] ?? undefined;
    const failuresBefore = failures.length;
    const report: PropertyReport = {
      fail: (reason) => {
        failures.push({ property, reason });
        return undefined;
      },
      warn: (message) => warnings.push(message),
      options,
      news,
    };
    const normalised = PROPERTY_CHECKS[property](given, report);
    // An invalid value is returned as given, so the engine shows what the program said.
    const kept = failures.length > failuresBefore ? given : normalised;
    if (kept !== undefined) inputs[property] = kept;
  }

  for (const property of Object.keys(news)) {
    // `undefined` is absent, as Pulumi's serializer treats it.
    if (PASS_THROUGH.includes(property) || Object.hasOwn(PROPERTY_CHECKS, property) || news[property] === undefined) continue;
    failures.push({ property, reason: unknownPropertyReason(property) });
  }
  for (const property of PASS_THROUGH) if (news[property] !== undefined) inputs[property] = news[property];
  if (inputs.apiEndpoint !== undefined && (news.token ?? undefined) === undefined) {
    failures.push({
      property: "apiEndpoint",
      reason:
        "apiEndpoint is given without token: the stack's DigitalOcean token is never sent to an endpoint other than the stack's. " +
        "Give this resource's token too (a secret), or set the stack's endpoint with `pulumi config set digitalocean:apiEndpoint <url>`",
    });
  }
  const importId = checkImportId(news);
  if (importId) failures.push({ property: "import", reason: importId });

  return { inputs, failures, warnings };
}

/** A token is never repeated in a message, not even in part: it is a credential. */
function checkToken(value: unknown, report: PropertyReport): unknown {
  if (value === undefined || value === UNKNOWN) return value;
  const allowed = "a DigitalOcean API token (a secret: `config.requireSecret(...)`)";
  if (typeof value !== "string") return report.fail(`token must be ${allowed}, got ${describeType(value)}`);
  const token = value.trim();
  if (token === "") return report.fail(`token must be ${allowed}, not empty or only whitespace`);
  if (URL_FORBIDDEN_CHARACTERS.test(token)) {
    return report.fail(`token must be ${allowed}: it contains whitespace, ${HIDDEN_TEXT} (the value is not repeated here)`);
  }
  return token;
}

/** Checked as the stack's `digitalocean:apiEndpoint` is, except plain http, which the provider checks against the stack's allowance. */
function checkApiEndpoint(value: unknown, report: PropertyReport): unknown {
  if (value === undefined || value === UNKNOWN) return value;
  if (typeof value !== "string")
    return report.fail(`apiEndpoint must be an https URL such as https://api.digitalocean.com, got ${describeType(value)}`);
  try {
    const url = checkedEndpoint(value.trim(), "apiEndpoint", true);
    return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
  } catch (error) {
    return report.fail((error as Error).message);
  }
}

function checkUrl(value: unknown, report: PropertyReport): unknown {
  const allowed = "an http or https URL with a host, such as https://example.com/image.qcow2";
  if (value === undefined) {
    if (report.news.file !== undefined) return undefined;
    return report.fail(
      `url is required: ${allowed}, from which DigitalOcean downloads the image (or file, a local image to upload to Spaces)`,
    );
  }
  if (value === UNKNOWN) return value;
  if (typeof value !== "string") return report.fail(`url must be ${allowed}, got ${describeType(value)}`);
  if (value.length > INPUT_LIMITS.urlCharacters) {
    return report.fail(`url is ${value.length} characters long; at most ${INPUT_LIMITS.urlCharacters} are allowed`);
  }
  // Messages show the URL redacted: presigned URLs carry credentials in the query string.
  if (URL_FORBIDDEN_CHARACTERS.test(value)) {
    return report.fail(`url must not contain whitespace, ${HIDDEN_TEXT} (percent-encode a space as %20): ${quoteText(redactUrl(value))}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return report.fail(`url ${quoteText(redactUrl(value))} is not a valid absolute URL; expected ${allowed}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return report.fail(`url ${quoteText(redactUrl(value))} is not ${allowed}: DigitalOcean downloads images over http or https only`);
  }
  // http and https URLs never parse with an empty host, but the text may lack one that parsing invented.
  if (!hasAuthority(value)) {
    return report.fail(`url ${quoteText(redactUrl(value))} names no host after "${parsed.protocol}//"; expected ${allowed}`);
  }
  const unreachable = unreachableHostKind(parsed.hostname);
  if (unreachable) {
    report.warn(
      `url ${quoteText(redactUrl(value))} names ${unreachable} (${parsed.hostname}): DigitalOcean downloads the image from its own network, ` +
        "which cannot reach it, so the import will fail. Serve the image from an address reachable from the internet, such as a presigned object storage URL.",
    );
  }
  // Kept as given: re-encoding it could invalidate a presigned URL's signature.
  return value;
}

/**
 * Repeated slugs are dropped with a warning rather than rejected: a region list is a set to
 * DigitalOcean (an image is in a region or not) and a repeat is harmless, as in Terraform's
 * digitalocean_custom_image where `regions` is a set. Slugs are lower-cased as DigitalOcean spells them.
 */
function checkRegions(value: unknown, report: PropertyReport): unknown {
  const allowed = `a list of region slugs such as ["nyc3", "ams3"]; the image is imported into the first and transferred to the others`;
  if (value === undefined) return report.fail(`regions is required: ${allowed}`);
  if (value === UNKNOWN) return value;
  if (!Array.isArray(value)) return report.fail(`regions must be ${allowed}, got ${describeType(value)}`);
  if (value.length === 0) return report.fail(`regions must name at least one region: ${allowed}`);
  if (value.length > INPUT_LIMITS.regions) {
    return report.fail(
      `regions has ${value.length} entries; at most ${INPUT_LIMITS.regions} are allowed (DigitalOcean has ${REGION_SLUGS.length} regions; every region after the first costs a transfer)`,
    );
  }

  const regions: unknown[] = [];
  const seen = new Map<string, number>();
  value.forEach((element: unknown, index) => {
    if (element === UNKNOWN) {
      regions.push(element);
      return;
    }
    if (typeof element !== "string") {
      report.fail(`regions[${index}] must be a region slug (three letters and a digit, such as "nyc3"), got ${describeType(element)}`);
      return;
    }
    const slug = element.trim().toLowerCase();
    if (!REGION_SLUG_PATTERN.test(slug)) {
      report.fail(
        `regions[${index}] ${quote(element)} is not a region slug: expected three letters and a digit, such as "nyc3" (DigitalOcean's list: ${REGION_SLUGS.join(", ")})`,
      );
      return;
    }
    const first = seen.get(slug);
    if (first !== undefined) {
      report.warn(`regions[${index}] ${quote(slug)} repeats regions[${first}] and is ignored`);
      return;
    }
    seen.set(slug, index);
    if (!KNOWN_REGION_SLUGS.has(slug)) {
      report.warn(
        `regions[${index}] ${quote(slug)} is not in DigitalOcean's published list (${REGION_SLUGS.join(", ")}); it is used anyway because DigitalOcean opens new regions, and DigitalOcean will reject it if it does not exist`,
      );
    }
    regions.push(slug);
  });
  return regions;
}

/** Surrounding whitespace is dropped: it is invisible in DigitalOcean's control panel and never meant. */
function checkName(value: unknown, report: PropertyReport): unknown {
  const allowed = `1 to ${INPUT_LIMITS.nameCharacters} characters`;
  const given = value ?? report.options.resourceName;
  if (given === undefined) return report.fail(`name is required when no resource name is available: ${allowed}`);
  if (given === UNKNOWN) return given;
  if (typeof given !== "string") return report.fail(`name must be a string of ${allowed}, got ${describeType(given)}`);
  const name = given.trim();
  if (name === "") return report.fail(`name must be ${allowed}, not empty or only whitespace`);
  const hidden = hiddenCharacter(name);
  if (hidden) {
    return report.fail(
      `name must not contain ${HIDDEN_TEXT}, which hide or reorder text where the name is shown: found ${hidden.codePoint} at character ${hidden.position}`,
    );
  }
  const length = characterCount(name);
  if (length > INPUT_LIMITS.nameCharacters) {
    return report.fail(`name is ${length} characters long; at most ${INPUT_LIMITS.nameCharacters} are allowed`);
  }
  return name;
}

/** Kept exactly as given (an empty string clears the description); DigitalOcean stores free text. */
function checkDescription(value: unknown, report: PropertyReport): unknown {
  if (value === undefined || value === UNKNOWN) return value;
  const allowed = `a string of at most ${INPUT_LIMITS.descriptionCharacters} characters (an empty string clears it)`;
  if (typeof value !== "string") return report.fail(`description must be ${allowed}, got ${describeType(value)}`);
  const length = characterCount(value);
  if (length > INPUT_LIMITS.descriptionCharacters) {
    return report.fail(`description is ${length} characters long; at most ${INPUT_LIMITS.descriptionCharacters} are allowed`);
  }
  const hidden = hiddenCharacter(value, DESCRIPTION_ALLOWED_CONTROLS);
  if (hidden) {
    return report.fail(
      `description must not contain ${HIDDEN_TEXT} other than line breaks and tabs, which hide or reorder text where the description is shown: found ${hidden.codePoint} at character ${hidden.position}`,
    );
  }
  return value;
}

/**
 * DigitalOcean stores `Unknown` for any distribution it does not know, without an error, so an
 * unknown name would show as a change on every preview: reject it here instead.
 * `Unknown OS`, which the API reports but does not accept, becomes `Unknown` (see canonicalDistribution).
 */
function checkDistribution(value: unknown, report: PropertyReport): unknown {
  if (value === undefined) return DEFAULT_DISTRIBUTION;
  if (value === UNKNOWN) return value;
  const allowed = `one of ${DISTRIBUTIONS.join(", ")} (any case)`;
  if (typeof value !== "string") return report.fail(`distribution must be ${allowed}, got ${describeType(value)}`);
  return (
    canonicalDistribution(value) ??
    report.fail(
      `distribution ${quote(value)} is not one DigitalOcean knows, and DigitalOcean would silently store "Unknown" instead; use ${allowed}`,
    )
  );
}

/**
 * Repeated tags are dropped, keeping the first spelling and the order given. Tags differing only in
 * case are repeats: DigitalOcean treats them as one tag (see tagIdentity).
 */
function checkTags(value: unknown, report: PropertyReport): unknown {
  if (value === undefined || value === UNKNOWN) return value;
  const allowed = `1 to ${INPUT_LIMITS.tagCharacters} letters, digits, colons, dashes and underscores`;
  if (!Array.isArray(value)) return report.fail(`tags must be a list of tag names of ${allowed}, got ${describeType(value)}`);
  if (value.length > INPUT_LIMITS.tags) return report.fail(`tags has ${value.length} entries; at most ${INPUT_LIMITS.tags} are allowed`);

  const tags: unknown[] = [];
  const seen = new Set<string>();
  value.forEach((element: unknown, index) => {
    if (element === UNKNOWN) {
      tags.push(element);
      return;
    }
    if (typeof element !== "string") {
      report.fail(`tags[${index}] must be a tag name of ${allowed}, got ${describeType(element)}`);
      return;
    }
    if (!TAG_PATTERN.test(element)) {
      report.fail(`tags[${index}] ${quote(element)} is not a valid tag name: use ${allowed}`);
      return;
    }
    // The provider's own marker tags are hidden from outputs: a user's tag among them would show
    // as missing on every preview.
    if (isImportMarker(element)) {
      report.fail(
        `tags[${index}] ${quote(element)} starts with "${IMPORT_MARKER_PREFIX}", a prefix reserved for the provider's import marker: use another tag name`,
      );
      return;
    }
    if (seen.has(tagIdentity(element))) return;
    seen.add(tagIdentity(element));
    tags.push(element);
  });
  return tags;
}

/** Minutes, fractions allowed; DigitalOcean never sees them, the provider's waits do. */
function checkTimeout(property: string, value: unknown, report: PropertyReport, defaultMinutes: number): unknown {
  if (value === undefined) return defaultMinutes;
  if (value === UNKNOWN) return value;
  const allowed = `a number of minutes of at least ${INPUT_LIMITS.minTimeoutMinutes} and at most ${INPUT_LIMITS.timeoutMinutes} (default ${defaultMinutes})`;
  if (typeof value !== "number") return report.fail(`${property} must be ${allowed}, got ${describeType(value)}`);
  if (!Number.isFinite(value) || value < INPUT_LIMITS.minTimeoutMinutes || value > INPUT_LIMITS.timeoutMinutes) {
    return report.fail(`${property} is ${value}; it must be ${allowed}`);
  }
  return value;
}

function unknownPropertyReason(property: string): string {
  const suggestion = closestPropertyName(property);
  const hint = suggestion ? ` Did you mean "${suggestion}"?` : "";
  return `"${property}" is not an input of CustomImage.${hint} Valid inputs: ${INPUT_PROPERTY_NAMES.join(", ")}`;
}

/**
 * A valid name that differs from a misspelt one only in case or by a letter or two (`region`,
 * `Tags`), and begins with the same letter: two letters are half of a short name, so `size` is
 * no misspelling of `file`.
 */
function closestPropertyName(property: string): string | undefined {
  const folded = property.toLowerCase();
  return INPUT_PROPERTY_NAMES.find((name) => name[0]!.toLowerCase() === folded[0] && editDistance(name.toLowerCase(), folded) <= 2);
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** Counts characters as people do, not UTF-16 code units (an emoji is one). */
function characterCount(text: string): number {
  return [...text].length;
}

/** A user's string for a message: quoted, escaped (hidden characters included), and short. */
function quote(text: string): string {
  const limit = 64;
  return quoteText(text.length > limit ? `${text.slice(0, limit)}…` : text);
}
