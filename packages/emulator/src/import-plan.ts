import { ApiError } from "./api-error";

/**
 * What will happen to an import, decided when it is requested: how long it takes and whether it
 * fails, from the URL alone, the way DigitalOcean's importer would find out by downloading it.
 */
export interface ImportPlan {
  durationMs: number;
  /** The `error_message` the image ends with; the import fails when set. */
  failure?: string;
  sizeGigabytes: number;
  minDiskSize: number;
}

/** A test's request that imports from matching URLs fail (`emulator.failImports`, `emulator.refuseHead`). */
export interface ImportFailureRule {
  /** A substring of the full URL, or a RegExp tested against it. */
  matcher: string | RegExp;
  message?: string;
  /** The URL's server refuses HEAD, which DigitalOcean's importer needs. */
  refuseHead?: boolean;
}

/** `?emulator_duration_s=90` in an image URL makes that import take 90 simulated seconds. */
export const DURATION_MARKER = "emulator_duration_s";

// images_create_custom: "raw, qcow2, vhdx, vdi, or vmdk format ... may be compressed using gzip or
// bzip2". Archives are refused even when gzip-compressed: a `.tar.gz` import ends `deleted` with
// "We don't support the ..." (doctl#671), the message packer#7848 quotes whole for an `.ova` (a tar).
const UNSUPPORTED_ARCHIVE = /\.(zip|xz|7z|rar|tar|tar\.gz|tar\.bz2|tar\.xz|tgz|tbz2?|ova)$/i;
export const UNSUPPORTED_FORMAT_MESSAGE =
  "We don't support the compression format of your image. Please try again with a supported format (gzip, bzip2) or an uncompressed image file.";

/** Scheme, host and path only: the query of a presigned URL carries its signature. */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function planImport(
  rawUrl: string,
  importDurationMs: number | ((url: string) => number),
  failureRules: readonly ImportFailureRule[],
  /** Messages quote the url whole, query included (`errorMessageUrl: "full"`). */
  quoteWholeUrl = false,
): ImportPlan {
  const url = parseHttpUrl(rawUrl);
  const marked = Number(url.searchParams.get(DURATION_MARKER) ?? Number.NaN);
  const durationMs =
    Number.isFinite(marked) && marked >= 0
      ? marked * 1000
      : typeof importDurationMs === "function"
        ? importDurationMs(rawUrl)
        : importDurationMs;
  const sizeGigabytes = (50 + (fnv1a(redactUrl(url)) % 950)) / 100;
  return { durationMs, failure: failureOf(url, rawUrl, failureRules, quoteWholeUrl), sizeGigabytes, minDiskSize: 20 };
}

function failureOf(url: URL, rawUrl: string, rules: readonly ImportFailureRule[], quoteWholeUrl: boolean): string | undefined {
  const shown = quoteWholeUrl ? rawUrl : redactUrl(url);
  const rule = rules.find(({ matcher }) => (typeof matcher === "string" ? rawUrl.includes(matcher) : rawUrl.search(matcher) !== -1));
  // https://docs.digitalocean.com/products/custom-images/details/limits/: "Importing a custom image by
  // URL fails if the image is served by a CDN that doesn't support HEAD requests." DigitalOcean's text is not published.
  if (rule?.refuseHead) return downloadFailureMessage(shown, "the server does not support HEAD requests");
  if (rule) return rule.message ?? `Failed to import image from ${shown}: the file is not a supported disk image.`;
  const host = url.hostname.toLowerCase();
  // RFC 2606 reserves `.invalid`; `unreachable.example` is this emulator's convention.
  if (host.endsWith(".invalid") || host === "invalid" || host === "unreachable.example" || host.endsWith(".unreachable.example")) {
    return downloadFailureMessage(shown, `could not connect to host ${host}`);
  }
  return UNSUPPORTED_ARCHIVE.test(url.pathname) ? UNSUPPORTED_FORMAT_MESSAGE : undefined;
}

/** An import whose download failed, `shown` being the url as the message may quote it (see `errorMessageUrl`). */
export function downloadFailureMessage(shown: string, reason: string): string {
  return `Failed to download image from URL: ${shown} (${reason}).`;
}

/** The url as a failed import's message quotes it: whole (`errorMessageUrl: "full"`) or without its query. */
export function shownUrl(rawUrl: string, quoteWholeUrl: boolean): string {
  return quoteWholeUrl ? rawUrl : redactUrl(parseHttpUrl(rawUrl));
}

function parseHttpUrl(rawUrl: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(rawUrl);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw ApiError.unprocessable("url must be a publicly accessible HTTP or HTTPS URL of the image file.");
  }
  return url;
}

/** A stable 32-bit hash, so an image's size is the same every run. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
