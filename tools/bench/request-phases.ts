import type { RequestLogEntry } from "pulumi-digitalocean-custom-image-emulator";

/**
 * What each request in an emulator's log was for, so that this provider and the Terraform replay
 * are counted alike:
 *
 * - `write`: anything but GET (the import POST, transfer POSTs, tag changes);
 * - `poll`: a GET that waits for something: a listing of images, an action, or a GET of an image
 *   up to the poll that found it available;
 * - `read`: a later GET of an image (the read a create ends with), and every other GET: among them
 *   a listing by `tag_name` (the provider's look for copies of an import, which waits for nothing)
 *   and any GET before the first import POST (the provider's one listing of images left by an
 *   interrupted run). Counting those as polls once made the provider's polls look 40 % higher
 *   after it began to look for copies of every import.
 *
 * The poll that found an image available is the first poll covering it (a listing, or a GET of
 * that image) stamped at or after the moment its import ended, before its create returned and
 * before any later write to it (a transfer). The emulator stamps a request when it arrives and
 * answers it a moment later, so a poll stamped just before the end can already see `available`:
 * when no poll is stamped after the end, the last one before it is the one.
 */
export type RequestPhase = "write" | "poll" | "read";

export interface ClassifiedRequest {
  entry: RequestLogEntry;
  phase: RequestPhase;
}

export interface RequestPhases {
  requests: ClassifiedRequest[];
  /** Per image: simulated ms when the poll that found it available arrived. */
  detectedAt: Map<number, number>;
}

/** Simulated ms at which an image's import ended (created at + import duration) and its create returned. */
export interface ImageTimes {
  availableAt: number;
  returnedAt: number;
}

const IMAGE = /^\/v2\/images\/(\d+)$/;
const IMAGE_WRITE = /^\/v2\/images\/(\d+)\//;
const IMAGE_ACTION = /^\/v2\/images\/\d+\/actions(\/\d+)?$/;
const ACTION = /^\/v2\/actions\/\d+$/;

/** `known`: phases the client itself recorded, by request id (the Terraform replay knows its reads). */
export function requestPhases(
  log: readonly RequestLogEntry[],
  images: ReadonlyMap<number, ImageTimes>,
  known: ReadonlyMap<string, RequestPhase> = new Map(),
): RequestPhases {
  const imageOf = (entry: RequestLogEntry) => {
    const match = IMAGE.exec(entry.path);
    return match ? Number(match[1]) : undefined;
  };
  const firstImport = log.findIndex((entry) => entry.method === "POST" && entry.path === "/v2/images");
  const phases = log.map((entry, index): RequestPhase => {
    const recorded = known.get(entry.requestId);
    if (recorded) return recorded;
    if (entry.method !== "GET") return "write";
    if (index < firstImport || entry.query.tag_name !== undefined) return "read";
    if (entry.path === "/v2/images" || IMAGE_ACTION.test(entry.path) || ACTION.test(entry.path) || IMAGE.test(entry.path)) return "poll";
    return "read";
  });

  const detectedAt = new Map<number, number>();
  const detectedIndex = new Map<number, number>();
  for (const [id, { availableAt, returnedAt }] of images) {
    let before: number | undefined;
    let after: number | undefined;
    for (let index = 0; index < log.length && after === undefined; index++) {
      const entry = log[index]!;
      if (entry.at > returnedAt) continue;
      if (entry.method !== "GET" && IMAGE_WRITE.exec(entry.path)?.[1] === String(id)) break;
      const covers = phases[index] === "poll" && (entry.path === "/v2/images" || imageOf(entry) === id);
      if (!covers) continue;
      if (entry.at >= availableAt) after = index;
      else before = index;
    }
    const index = after ?? before;
    if (index === undefined) throw new Error(`no poll of image ${id} found between its import's end and its create's return`);
    detectedIndex.set(id, index);
    detectedAt.set(id, log[index]!.at);
  }

  const requests = log.map((entry, index): ClassifiedRequest => {
    const id = imageOf(entry);
    const detected = id === undefined ? undefined : detectedIndex.get(id);
    const laterGet = !known.has(entry.requestId) && detected !== undefined && index > detected;
    return { entry, phase: laterGet ? "read" : phases[index]! };
  });
  return { requests, detectedAt };
}

/** The most requests in any window of `windowMs` (simulated), sliding over the arrival times. */
export function peakInWindow(times: readonly number[], windowMs = 60_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}
