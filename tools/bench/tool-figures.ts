import type { Emulator } from "pulumi-digitalocean-custom-image-emulator";
import { type ImageTimes, peakInWindow, percentile, type RequestPhase, requestPhases } from "./request-phases";

/** One tool's creates in one scenario, against its own emulator. */
export interface ToolRun {
  emulator: Emulator;
  creates: readonly { id: number; sentAt: number; returnedAt: number }[];
  /** Simulated import duration of an image, from its URL (what the emulator was told). */
  importDurationMs: (url: string) => number;
  /** Phases the client recorded itself, by request id. */
  knownPhases?: ReadonlyMap<string, RequestPhase>;
}

/** Times in simulated seconds. */
export interface ToolFigures {
  images: number;
  requests: { total: number; write: number; poll: number; read: number };
  /** The most requests, and the most polling requests, in any 60 simulated seconds. */
  peakPerMinute: { all: number; poll: number };
  /** Polling requests per minute, averaged from the first POST to the last create's return. */
  meanPollsPerMinute: number;
  /** 429s the emulator sent for exceeding the rate limit. */
  rateLimited: number;
  /** From the moment an image became available to its create returning. */
  detection: { p50: number; p95: number; max: number; mean: number };
  /** Of which: from available to the poll that saw it (the poll schedule) ... */
  schedule: { p50: number; p95: number; max: number };
  /** ... and from that poll to the create returning (round trips and processing, magnified by the time factor). */
  delivery: { p50: number; max: number };
  /**
   * Between consecutive polling requests, leaving out the first four (while this provider's
   * interval grows): for this provider with many images, how far apart its ticks really were.
   */
  pollGapSeconds: { p50: number; p95: number; max: number };
  /** From the first create sent to the last returned. */
  wallSeconds: number;
  /** Simulated seconds over which the import POSTs arrived. */
  postSpreadSeconds: number;
}

const seconds = (ms: number) => ms / 1000;

export function toolFigures(run: ToolRun): ToolFigures {
  const { emulator, creates } = run;
  const availableAt = new Map(emulator.audit().map((image) => [image.id, image.createdAt + run.importDurationMs(image.url)]));
  const times = new Map<number, ImageTimes>(
    creates.map((create) => [create.id, { availableAt: availableAt.get(create.id)!, returnedAt: create.returnedAt }]),
  );
  const { requests, detectedAt } = requestPhases(emulator.requests, times, run.knownPhases);
  const count = (phase: string) => requests.filter((request) => request.phase === phase).length;
  const pollTimes = requests.filter((request) => request.phase === "poll").map((request) => request.entry.at);

  const detection = creates.map((create) => seconds(create.returnedAt - availableAt.get(create.id)!));
  const schedule = creates.map((create) => seconds(detectedAt.get(create.id)! - availableAt.get(create.id)!));
  const delivery = creates.map((create) => seconds(create.returnedAt - detectedAt.get(create.id)!));
  const first = Math.min(...creates.map((create) => create.sentAt));
  const last = Math.max(...creates.map((create) => create.returnedAt));
  const sortedPolls = [...pollTimes].sort((a, b) => a - b);
  const gaps = sortedPolls.slice(5).map((at, index) => seconds(at - sortedPolls[index + 4]!));
  const posts = emulator.requests
    .filter((request) => request.method === "POST" && request.path === "/v2/images")
    .map((request) => request.at);

  return {
    images: creates.length,
    requests: { total: requests.length, write: count("write"), poll: count("poll"), read: count("read") },
    peakPerMinute: { all: peakInWindow(requests.map((request) => request.entry.at)), poll: peakInWindow(pollTimes) },
    meanPollsPerMinute: pollTimes.length / ((last - first) / 60_000),
    rateLimited: emulator.rateLimited,
    detection: {
      p50: percentile(detection, 50),
      p95: percentile(detection, 95),
      max: Math.max(...detection),
      mean: detection.reduce((sum, value) => sum + value, 0) / detection.length,
    },
    schedule: { p50: percentile(schedule, 50), p95: percentile(schedule, 95), max: Math.max(...schedule) },
    delivery: { p50: percentile(delivery, 50), max: Math.max(...delivery) },
    pollGapSeconds:
      gaps.length === 0 ? { p50: 0, p95: 0, max: 0 } : { p50: percentile(gaps, 50), p95: percentile(gaps, 95), max: Math.max(...gaps) },
    wallSeconds: seconds(last - first),
    postSpreadSeconds: seconds(Math.max(...posts) - Math.min(...posts)),
  };
}
