/**
 * `npm run bench -- --anchor`'s plan and the figures of one `pulumi up`, computed from what the
 * emulator recorded (its request log and audit) and when the CLI said each image was created: pure,
 * so that the spec (test/tools/bench/anchor-figures.test.ts) runs them on hand-made logs.
 */

export type AnchorProvider = "bridged" | "package";
export const ANCHOR_PROVIDERS: readonly AnchorProvider[] = ["bridged", "package"];

/** One stack per provider: one image per import duration, each in `regions`. */
export interface AnchorScenario {
  key: string;
  label: string;
  /** Real ms: one image per entry. */
  importsMs: number[];
  regions: string[];
  /**
   * Real ms of every transfer. One duration for all: the anchor keeps `regions` as a Terraform set
   * and imports into the first region of the set's order, not the program's first.
   */
  transferMs: number;
}

export interface AnchorPlan {
  /** Runs of every scenario, one after the other. */
  repeat: number;
  /** Started in this order (the longest first, so that the short ones end within the long ones' waits). */
  scenarios: AnchorScenario[];
}

const SECOND = 1000;

/** `count` durations spread evenly from `shortestMs` to `longestMs`, both included. */
export function spreadDurations(count: number, shortestMs: number, longestMs: number): number[] {
  if (count === 1) return [shortestMs];
  return Array.from({ length: count }, (_, index) => Math.round(shortestMs + ((longestMs - shortestMs) * index) / (count - 1)));
}

/**
 * Issue #23 §4: imports of about 20 s, 90 s and 5 min, 10 concurrent imports, one image to four
 * regions, at time factor 1 (the anchor's waits are Go timers), within 15 minutes a run: the
 * stacks run side by side, so a run lasts about as long as its longest stack (the 5-min import and
 * the anchor's first look a minute after its POST).
 */
export const ANCHOR_PLAN: AnchorPlan = {
  repeat: 1,
  scenarios: [
    { key: "import-5min", label: "one import of 5 min", importsMs: [300 * SECOND], regions: ["nyc3"], transferMs: 0 },
    {
      key: "four-regions",
      label: "one image to four regions (import 30 s, then three transfers of 45 s)",
      importsMs: [30 * SECOND],
      regions: ["nyc3", "ams3", "sgp1", "lon1"],
      transferMs: 45 * SECOND,
    },
    {
      key: "concurrent",
      label: "10 concurrent imports of 1–3 min",
      importsMs: spreadDurations(10, 60 * SECOND, 180 * SECOND),
      regions: ["nyc3"],
      transferMs: 0,
    },
    { key: "import-90s", label: "one import of 90 s", importsMs: [90 * SECOND], regions: ["nyc3"], transferMs: 0 },
    { key: "import-20s", label: "one import of 20 s", importsMs: [20 * SECOND], regions: ["nyc3"], transferMs: 0 },
  ],
};

/** The url of a scenario's `index`th image: the emulator reads its import duration from it. */
export function benchUrl(scenario: AnchorScenario, index: number): string {
  return `https://images.example.com/bench/${scenario.key}-${index}.qcow2.gz`;
}

/** A request as the emulator logged it (`at`: its clock's epoch ms, real time at time factor 1). */
export interface LoggedRequest {
  method: string;
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  at: number;
}

/** An image the import POST created, as the emulator's audit has it. */
export interface CreatedImage {
  id: number;
  url: string;
  createdAt: number;
}

export interface UpRecord {
  requests: readonly LoggedRequest[];
  images: readonly CreatedImage[];
  importMs: (url: string) => number;
  transferMs: (region: string) => number;
  /** Emulator-clock ms the CLI printed `<name> created`, by image url (missing: the up's end stands in). */
  createdLineAt: ReadonlyMap<string, number>;
  startedAt: number;
  endedAt: number;
  exit: number | null;
}

/** One `pulumi up` of one scenario with one provider; seconds. */
export interface AnchorUpFigures {
  images: number;
  exit: number | null;
  /** `pulumi up`'s wall time. */
  upSeconds: number;
  requests: number;
  writes: number;
  /** Per image: from the moment DigitalOcean finished it (import, and its last transfer) to the CLI reporting it created. */
  detectionSeconds: number[];
  /** Per image: from that moment to the first request that could see it (the poll schedule's share of the detection). */
  lookSeconds: number[];
  /** From the last image finished to the up's end. */
  upEndSeconds: number;
}

const IMAGE_PATH = /^\/v2\/images\/(\d+)(\/|$)/;

/** When DigitalOcean finished `image`: its import's end, or its last transfer's if it had any. */
export function finishedAt(image: CreatedImage, record: Pick<UpRecord, "requests" | "importMs" | "transferMs">): number {
  const imported = image.createdAt + record.importMs(image.url);
  const transfers = record.requests.filter(
    (request) => request.method === "POST" && request.path === `/v2/images/${image.id}/actions` && transferRegion(request) !== undefined,
  );
  return Math.max(imported, ...transfers.map((request) => request.at + record.transferMs(transferRegion(request)!)));
}

function transferRegion(request: LoggedRequest): string | undefined {
  const body = request.body as { type?: unknown; region?: unknown } | undefined;
  return body?.type === "transfer" && typeof body.region === "string" ? body.region : undefined;
}

/**
 * A GET that can tell a client about `id`: of that image or its actions, a listing of images (not
 * the provider's look for copies by `tag_name`), or of an action (which names no image: only
 * counted when the stack has one image).
 */
function looksAt(request: LoggedRequest, id: number, oneImage: boolean): boolean {
  if (request.method !== "GET") return false;
  if (request.path === "/v2/images") return request.query?.tag_name === undefined;
  if (request.path.startsWith("/v2/actions/")) return oneImage;
  return IMAGE_PATH.exec(request.path)?.[1] === String(id);
}

export function upFigures(record: UpRecord): AnchorUpFigures {
  const oneImage = record.images.length === 1;
  const finishes = record.images.map((image) => finishedAt(image, record));
  const detectionSeconds = record.images.map(
    (image, index) => ((record.createdLineAt.get(image.url) ?? record.endedAt) - finishes[index]!) / SECOND,
  );
  const lookSeconds = record.images.map((image, index) => {
    const look = record.requests.find((request) => request.at >= finishes[index]! && looksAt(request, image.id, oneImage));
    return ((look?.at ?? record.endedAt) - finishes[index]!) / SECOND;
  });
  return {
    images: record.images.length,
    exit: record.exit,
    upSeconds: (record.endedAt - record.startedAt) / SECOND,
    requests: record.requests.length,
    writes: record.requests.filter((request) => request.method !== "GET").length,
    detectionSeconds,
    lookSeconds,
    upEndSeconds: (record.endedAt - Math.max(...finishes)) / SECOND,
  };
}

/** The resource name `pulumi up` printed `created` for, from one line of its output (`image-3`), else undefined. */
export function createdResource(line: string): string | undefined {
  return /\b(image-\d+) created\b/.exec(line)?.[1];
}
