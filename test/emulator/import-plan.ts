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

/** A test's request that imports from matching URLs fail (`emulator.failImports`). */
export interface ImportFailureRule {
  /** A substring of the full URL, or a RegExp tested against it. */
  matcher: string | RegExp;
  message?: string;
}

/** `?emulator_duration_s=90` in an image URL makes that import take 90 simulated seconds. */
export const DURATION_MARKER = "emulator_duration_s";

// https://docs.digitalocean.com/products/custom-images/details/features/#image-requirements:
// gzip and bzip2 compressed or uncompressed raw, qcow2, vhdx, vdi and vmdk images.
const UNSUPPORTED_COMPRESSION = new Set(["zip", "xz", "7z", "rar", "tar"]);

/** Scheme, host and path only: the query of a presigned URL carries its signature. */
export function redactUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function planImport(
  rawUrl: string,
  importDurationMs: number | ((url: string) => number),
  failureRules: readonly ImportFailureRule[],
): ImportPlan {
  const url = parseHttpUrl(rawUrl);
  const marked = Number(url.searchParams.get(DURATION_MARKER) ?? Number.NaN);
  const durationMs = Number.isFinite(marked) && marked >= 0 ? marked * 1000 : typeof importDurationMs === "function" ? importDurationMs(rawUrl) : importDurationMs;
  const sizeGigabytes = (50 + (fnv1a(redactUrl(url)) % 950)) / 100;
  return { durationMs, failure: failureOf(url, rawUrl, failureRules), sizeGigabytes, minDiskSize: 20 };
}

function failureOf(url: URL, rawUrl: string, rules: readonly ImportFailureRule[]): string | undefined {
  const shown = redactUrl(url);
  const rule = rules.find(({ matcher }) => (typeof matcher === "string" ? rawUrl.includes(matcher) : rawUrl.search(matcher) !== -1));
  if (rule) return rule.message ?? `Failed to import image from ${shown}: the file is not a supported disk image.`;
  const host = url.hostname.toLowerCase();
  // RFC 2606 reserves `.invalid`; `unreachable.example` is this emulator's convention.
  if (host.endsWith(".invalid") || host === "invalid" || host === "unreachable.example" || host.endsWith(".unreachable.example")) {
    return `Failed to download image from URL: ${shown} (could not connect to host ${host}).`;
  }
  const extension = /\.([a-z0-9]+)$/i.exec(url.pathname)?.[1]?.toLowerCase();
  if (extension && UNSUPPORTED_COMPRESSION.has(extension)) {
    return `Unsupported image compression format: ${extension}. Use gzip or bzip2, or upload an uncompressed image.`;
  }
  return undefined;
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
