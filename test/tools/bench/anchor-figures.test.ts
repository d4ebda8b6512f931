import {
  ANCHOR_PLAN,
  benchUrl,
  createdResource,
  finishedAt,
  type LoggedRequest,
  spreadDurations,
  type UpRecord,
  upFigures,
} from "../../../tools/bench/anchor-figures";

const URL_A = "https://images.example.com/bench/a.qcow2.gz";
const URL_B = "https://images.example.com/bench/b.qcow2.gz";
const get = (path: string, at: number, query: Record<string, unknown> = {}): LoggedRequest => ({ method: "GET", path, query, at });
const post = (path: string, at: number, body?: unknown): LoggedRequest => ({ method: "POST", path, body, at });

function record(overrides: Partial<UpRecord>): UpRecord {
  return {
    requests: [],
    images: [],
    importMs: () => 20_000,
    transferMs: () => 30_000,
    createdLineAt: new Map(),
    startedAt: 0,
    endedAt: 0,
    exit: 0,
    ...overrides,
  };
}

describe("the anchor bench's figures of one pulumi up", () => {
  test("a lone import: detection to the created line, the first look after the import's end, requests and writes from the log", () => {
    const figures = upFigures(
      record({
        startedAt: 0,
        endedAt: 70_000,
        images: [{ id: 7, url: URL_A, createdAt: 5_000 }],
        requests: [
          get("/v2/images", 4_000, { private: "true" }),
          post("/v2/images", 5_000),
          get("/v2/images/7", 6_000),
          // The provider's look for copies by tag names no image: not a look at this one.
          get("/v2/images", 25_500, { tag_name: "marker" }),
          get("/v2/images/7", 66_000),
          get("/v2/images/7", 67_000),
        ],
        createdLineAt: new Map([[URL_A, 68_000]]),
      }),
    );
    expect(figures).toEqual({
      images: 1,
      exit: 0,
      upSeconds: 70,
      requests: 6,
      writes: 1,
      detectionSeconds: [43],
      lookSeconds: [41],
      upEndSeconds: 45,
    });
  });

  test("an image transferred is finished at its last transfer's end, and an action poll is a look at it", () => {
    const requests = [
      post("/v2/images", 0),
      post("/v2/images/3/actions", 25_000, { type: "transfer", region: "ams3" }),
      post("/v2/images/3/actions", 26_000, { type: "transfer", region: "lon1" }),
      get("/v2/actions/41", 80_000),
    ];
    const transferMs = (region: string) => ({ ams3: 30_000, lon1: 50_000 })[region]!;
    const image = { id: 3, url: URL_A, createdAt: 0 };
    expect(finishedAt(image, { requests, importMs: () => 20_000, transferMs })).toBe(76_000);
    const figures = upFigures(record({ requests, images: [image], transferMs, endedAt: 90_000 }));
    expect(figures.lookSeconds).toEqual([4]);
    // No created line: the up's end stands in.
    expect(figures.detectionSeconds).toEqual([14]);
  });

  test("with several images an action poll is nobody's look, and each image has its own", () => {
    const figures = upFigures(
      record({
        images: [
          { id: 1, url: URL_A, createdAt: 0 },
          { id: 2, url: URL_B, createdAt: 0 },
        ],
        importMs: (url) => (url === URL_A ? 10_000 : 30_000),
        requests: [get("/v2/actions/9", 11_000), get("/v2/images/2", 12_000), get("/v2/images/1", 15_000), get("/v2/images", 31_000)],
        createdLineAt: new Map([
          [URL_A, 16_000],
          [URL_B, 32_000],
        ]),
        endedAt: 40_000,
      }),
    );
    expect(figures.lookSeconds).toEqual([5, 1]);
    expect(figures.detectionSeconds).toEqual([6, 2]);
    expect(figures.upEndSeconds).toBe(10);
  });

  test.each([
    ["the anchor's line", "    digitalocean:index:CustomImage image-3 created (62s)", "image-3"],
    ["this package's line", " +  pulumi-nodejs:dynamic:Resource image-0 created (25s) ", "image-0"],
    ["the scope beside the image", " +  pulumi-nodejs:dynamic:CustomImageScope image-0-scope created (0.1s)", undefined],
    ["a line still creating", " +  digitalocean:index:CustomImage image-1 creating (10s)", undefined],
  ])("reads the created resource from %s", (_case, line, name) => {
    expect(createdResource(line)).toBe(name);
  });

  test("spreads concurrent durations evenly, both ends included", () => {
    expect(spreadDurations(5, 60_000, 180_000)).toEqual([60_000, 90_000, 120_000, 150_000, 180_000]);
    expect(spreadDurations(1, 20_000, 90_000)).toEqual([20_000]);
  });

  test("the plan is the issue's: imports of 20 s, 90 s and 5 min, 10 concurrent, one image to four regions, urls unique", () => {
    const byKey = Object.fromEntries(ANCHOR_PLAN.scenarios.map((scenario) => [scenario.key, scenario]));
    expect(byKey["import-20s"]!.importsMs).toEqual([20_000]);
    expect(byKey["import-90s"]!.importsMs).toEqual([90_000]);
    expect(byKey["import-5min"]!.importsMs).toEqual([300_000]);
    expect(byKey.concurrent!.importsMs).toHaveLength(10);
    expect(byKey["four-regions"]!.regions).toHaveLength(4);
    expect(byKey["four-regions"]!.transferMs).toBeGreaterThan(0);
    const urls = ANCHOR_PLAN.scenarios.flatMap((scenario) => scenario.importsMs.map((_, index) => benchUrl(scenario, index)));
    expect(new Set(urls).size).toBe(urls.length);
  });
});
