import { request as httpRequest } from "node:http";
import { MAX_REQUEST_BODY_BYTES, startEmulator, type Emulator, type EmulatorOptions, type SavedImage } from "../src/emulator";
import { manualClock, type ManualClock } from "../../../test/helpers/manual-clock";

const TOKEN = "test-token";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON bodies
type Json = any;

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

/** Starts an emulator on a hand-driven clock, runs the test, and always closes it. */
async function withEmulator(options: EmulatorOptions, run: (emulator: Emulator, clock: ManualClock) => Promise<void>): Promise<void> {
  const clock = manualClock();
  const emulator = await startEmulator({ clock, ...options });
  try {
    await run(emulator, clock);
    // Whatever a test sends, the emulator's own answers must stay inside the spec.
    expect(emulator.violations.filter((violation) => violation.kind === "response" || violation.kind === "internal")).toEqual([]);
  } finally {
    await emulator.close();
  }
}

function call(emulator: Emulator, method: string, path: string, body?: unknown, token: string | null = TOKEN): Promise<Answer> {
  return send(emulator, method, path, body === undefined ? undefined : JSON.stringify(body), token);
}

async function send(
  emulator: Emulator,
  method: string,
  path: string,
  text: string | undefined,
  token: string | null = TOKEN,
  contentType = "application/json",
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (text !== undefined) headers["content-type"] = contentType;
  const response = await fetch(emulator.url + path, { method, headers, body: text });
  const raw = await response.text();
  return { status: response.status, headers: response.headers, body: raw ? JSON.parse(raw) : undefined };
}

async function createImage(emulator: Emulator, fields: Record<string, unknown> = {}): Promise<Json> {
  const answer = await call(emulator, "POST", "/v2/images", {
    name: "web",
    url: "https://images.example.com/web.qcow2",
    region: "nyc3",
    ...fields,
  });
  expect(answer.status).toBe(202);
  return answer.body.image;
}

async function getImage(emulator: Emulator, id: number | string): Promise<Answer> {
  return call(emulator, "GET", `/v2/images/${id}`);
}

/** Waits (on I/O, not on time) until the emulator has logged `count` requests. */
async function requestsLogged(emulator: Emulator, count: number): Promise<void> {
  while (emulator.requests.length < count) await new Promise((resolve) => setImmediate(resolve));
}

describe("custom image imports", () => {
  it("goes NEW, then pending, then available, and only then has regions and sizes", async () => {
    await withEmulator({ importDurationMs: 30_000 }, async (emulator, clock) => {
      const created = await createImage(emulator, { tags: ["web"], description: "base" });
      // The 202 is "a subset of the standard image attributes": the spec's example, field for field.
      expect(created).toEqual({
        id: expect.any(Number),
        name: "web",
        type: "custom",
        status: "NEW",
        regions: [],
        distribution: "Unknown",
        description: "base",
        tags: ["web"],
        error_message: "",
        created_at: new Date(clock.now()).toISOString().replace(".000Z", "Z"),
      });
      expect((await getImage(emulator, created.id)).body.image).toMatchObject({
        public: false,
        slug: null,
        min_disk_size: null,
        size_gigabytes: null,
      });

      clock.advance(2_999);
      expect((await getImage(emulator, created.id)).body.image.status).toBe("NEW");
      clock.advance(1);
      expect((await getImage(emulator, created.id)).body.image.status).toBe("pending");
      clock.advance(26_999);
      expect((await getImage(emulator, created.id)).body.image).toMatchObject({ status: "pending", regions: [] });
      clock.advance(1);
      const available = (await getImage(emulator, created.id)).body.image;
      expect(available).toMatchObject({ status: "available", regions: ["nyc3"], min_disk_size: 20 });
      expect(available.size_gigabytes).toBeGreaterThan(0);
    });
  });

  it("gives each image a new, increasing id", async () => {
    await withEmulator({}, async (emulator) => {
      const first = await createImage(emulator);
      const second = await createImage(emulator, { name: "db" });
      expect(second.id).toBeGreaterThan(first.id);
    });
  });

  it("takes as long as the URL's emulator_duration_s marker says", async () => {
    await withEmulator({ importDurationMs: 30_000 }, async (emulator, clock) => {
      const image = await createImage(emulator, { url: "https://images.example.com/slow.img?emulator_duration_s=600" });
      clock.advance(60_000);
      expect((await getImage(emulator, image.id)).body.image.status).toBe("pending");
      clock.advance(539_999);
      expect((await getImage(emulator, image.id)).body.image.status).toBe("pending");
      clock.advance(1);
      expect((await getImage(emulator, image.id)).body.image.status).toBe("available");
    });
  });

  it("takes the duration a function of the URL chooses", async () => {
    await withEmulator({ importDurationMs: (url) => (url.includes("big") ? 100_000 : 1_000) }, async (emulator, clock) => {
      const big = await createImage(emulator, { url: "https://images.example.com/big.img" });
      const small = await createImage(emulator, { url: "https://images.example.com/small.img" });
      clock.advance(1_000);
      expect((await getImage(emulator, small.id)).body.image.status).toBe("available");
      expect((await getImage(emulator, big.id)).body.image.status).not.toBe("available");
    });
  });

  it.each([
    [
      "an unsupported compression",
      "https://images.example.com/disk.zip?X-Amz-Signature=secret",
      /^We don't support the compression format of your image\./,
    ],
    [
      "an unreachable host",
      "https://bucket.nowhere.invalid/disk.img?X-Amz-Signature=secret",
      /^Failed to download image from URL: https:\/\/bucket\.nowhere\.invalid\/disk\.img /,
    ],
    [
      "a gzip-compressed tar archive",
      "https://images.example.com/talos.tar.gz?X-Amz-Signature=secret",
      /^We don't support the compression format of your image\./,
    ],
    ["a URL the test marked", "https://images.example.com/broken.img?X-Amz-Signature=secret", /^Marked broken$/],
    [
      "a server that refuses HEAD",
      "https://no-head.example.com/disk.img?X-Amz-Signature=secret",
      /^Failed to download image from URL: https:\/\/no-head\.example\.com\/disk\.img \(the server does not support HEAD requests\)\.$/,
    ],
  ])("fails for %s: it ends deleted with an error_message that leaves out the URL's query", async (_case, url, message) => {
    await withEmulator({ importDurationMs: 10_000 }, async (emulator, clock) => {
      emulator.failImports(/broken/, "Marked broken");
      emulator.refuseHead("no-head.example.com");
      const image = await createImage(emulator, { url });
      clock.advance(9_999);
      expect((await getImage(emulator, image.id)).body.image).toMatchObject({ status: "pending", error_message: "" });
      clock.advance(1);
      const failed = (await getImage(emulator, image.id)).body.image;
      expect(failed.status).toBe("deleted");
      expect(failed.error_message).toMatch(message);
      expect(failed.error_message).not.toContain("secret");
      expect((await call(emulator, "GET", "/v2/images?private=true")).body.images).toEqual([]);
      expect(emulator.audit()).toEqual([
        expect.objectContaining({ id: image.id, fate: "failed", status: "deleted", deletedAt: clock.now() }),
      ]);
    });
  });

  it("refuses a URL that is not HTTP or HTTPS with 422", async () => {
    await withEmulator({}, async (emulator) => {
      const answer = await call(emulator, "POST", "/v2/images", { name: "web", url: "ftp://images.example.com/a.img", region: "nyc3" });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ id: "unprocessable_entity", request_id: expect.any(String) });
      expect(emulator.audit()).toEqual([]);
    });
  });

  it("runs on a scaled clock: a 30 s import takes 30 real ms at timeFactor 0.001", async () => {
    const emulator = await startEmulator({ timeFactor: 0.001, importDurationMs: 30_000 });
    try {
      const image = await createImage(emulator);
      await emulator.clock.sleep(30_000);
      expect((await getImage(emulator, image.id)).body.image.status).toBe("available");
      expect(emulator.clock.scale).toBe(0.001);
    } finally {
      await emulator.close();
    }
  });
});

describe("listing images", () => {
  it("paginates like DigitalOcean: absolute links that keep the filters, and meta.total", async () => {
    await withEmulator({}, async (emulator) => {
      for (let index = 0; index < 5; index += 1) await createImage(emulator, { name: `image-${index}` });
      const base = `${emulator.url}/v2/images?private=true&per_page=2`;

      const first = await call(emulator, "GET", "/v2/images?private=true&per_page=2");
      expect(first.body.images.map((image: Json) => image.name)).toEqual(["image-0", "image-1"]);
      expect(first.body.meta).toEqual({ total: 5 });
      expect(first.body.links).toEqual({ pages: { next: `${base}&page=2`, last: `${base}&page=3` } });

      const middle = await call(emulator, "GET", "/v2/images?private=true&per_page=2&page=2");
      expect(middle.body.images.map((image: Json) => image.name)).toEqual(["image-2", "image-3"]);
      expect(middle.body.links).toEqual({
        pages: { first: `${base}&page=1`, prev: `${base}&page=1`, next: `${base}&page=3`, last: `${base}&page=3` },
      });

      const last = await call(emulator, "GET", "/v2/images?private=true&per_page=2&page=3");
      expect(last.body.images.map((image: Json) => image.name)).toEqual(["image-4"]);
      expect(last.body.links).toEqual({ pages: { first: `${base}&page=1`, prev: `${base}&page=2` } });

      const single = await call(emulator, "GET", "/v2/images?private=true");
      expect(single.body.links).toEqual({});
      expect(single.body.images).toHaveLength(5);
    });
  });

  it("filters by type, private and tag_name, and shows public images by slug", async () => {
    await withEmulator({}, async (emulator) => {
      const tagged = await createImage(emulator, { name: "tagged", tags: ["prod"] });
      await createImage(emulator, { name: "untagged" });
      const names = async (query: string) =>
        (await call(emulator, "GET", `/v2/images?${query}`)).body.images.map((image: Json) => image.name);

      const distributions = (await call(emulator, "GET", "/v2/images?type=distribution&per_page=200")).body.images;
      expect(distributions.length).toBeGreaterThan(3);
      expect(distributions.every((image: Json) => image.public && image.type === "snapshot" && image.slug)).toBe(true);
      const applications = (await call(emulator, "GET", "/v2/images?type=application")).body.images;
      expect(applications.map((image: Json) => image.slug)).toContain("docker-20-04");
      expect(await names("private=true")).toEqual(["tagged", "untagged"]);
      expect(await names("tag_name=prod")).toEqual(["tagged"]);

      const ubuntu = await getImage(emulator, "ubuntu-24-04-x64");
      expect(ubuntu.body.image).toMatchObject({ slug: "ubuntu-24-04-x64", public: true, distribution: "Ubuntu", status: "available" });
      expect((await getImage(emulator, tagged.id)).body.image.slug).toBeNull();
      expect((await getImage(emulator, "no-such-slug")).status).toBe(404);
    });
  });

  it("can start without public images", async () => {
    await withEmulator({ publicImages: false }, async (emulator) => {
      expect((await call(emulator, "GET", "/v2/images")).body).toEqual({ images: [], links: {}, meta: { total: 0 } });
    });
  });
});

describe("updating and deleting images", () => {
  it("updates name, description and distribution; an empty description clears it", async () => {
    await withEmulator({}, async (emulator) => {
      const image = await createImage(emulator, { description: "old" });
      const updated = await call(emulator, "PUT", `/v2/images/${image.id}`, { name: "renamed", distribution: "Debian" });
      expect(updated.status).toBe(200);
      expect(updated.body.image).toMatchObject({ name: "renamed", distribution: "Debian", description: "old" });
      const cleared = await call(emulator, "PUT", `/v2/images/${image.id}`, { description: "" });
      expect(cleared.body.image.description).toBe("");
    });
  });

  it("lets a deleted image answer GET with status deleted for a while, then 404, and refuses a second delete", async () => {
    await withEmulator({ importDurationMs: 1_000, deletedLingerMs: 60_000 }, async (emulator, clock) => {
      const image = await createImage(emulator);
      clock.advance(1_000);
      expect((await call(emulator, "DELETE", `/v2/images/${image.id}`)).status).toBe(204);

      expect((await getImage(emulator, image.id)).body.image.status).toBe("deleted");
      expect((await call(emulator, "GET", "/v2/images?private=true")).body.images).toEqual([]);
      const again = await call(emulator, "DELETE", `/v2/images/${image.id}`);
      expect(again.status).toBe(422);
      expect(again.body).toMatchObject({ id: "unprocessable_entity", message: "Image Can not delete an already deleted image." });

      clock.advance(60_000);
      expect((await getImage(emulator, image.id)).status).toBe(404);
      const gone = await call(emulator, "DELETE", `/v2/images/${image.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toMatchObject({ id: "not_found", message: "The resource you were accessing could not be found." });
      expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "deleted", deletedAt: clock.now() - 60_000 })]);
    });
  });

  it("shows changes and deletions made out of band", async () => {
    await withEmulator({ importDurationMs: 1_000 }, async (emulator, clock) => {
      const image = await createImage(emulator);
      clock.advance(1_000);
      emulator.mutateImage(image.id, { name: "drifted", description: "by hand", tags: ["manual"], regions: ["nyc3", "ams3"] });
      expect((await getImage(emulator, image.id)).body.image).toMatchObject({
        name: "drifted",
        description: "by hand",
        tags: ["manual"],
        regions: ["nyc3", "ams3"],
      });
      expect((await call(emulator, "GET", "/v2/tags/manual")).status).toBe(200);

      emulator.deleteImageOutOfBand(image.id);
      expect(emulator.getImage(image.id)?.status).toBe("deleted");
      expect((await getImage(emulator, image.id)).body.image.status).toBe("deleted");
    });
  });
});

describe("image actions", () => {
  it("transfers an available image: in-progress, then completed with the region added", async () => {
    await withEmulator({ importDurationMs: 1_000, transferDurationMs: 20_000 }, async (emulator, clock) => {
      const image = await createImage(emulator);
      clock.advance(1_000);
      const posted = await call(emulator, "POST", `/v2/images/${image.id}/actions`, { type: "transfer", region: "ams3" });
      expect(posted.status).toBe(201);
      const action = posted.body.action;
      expect(action).toMatchObject({
        status: "in-progress",
        type: "transfer",
        completed_at: null,
        resource_id: image.id,
        resource_type: "image",
        region_slug: "ams3",
        region: { slug: "ams3", name: "Amsterdam 3", available: true, features: expect.any(Array), sizes: expect.any(Array) },
      });

      clock.advance(20_000);
      const done = await call(emulator, "GET", `/v2/images/${image.id}/actions/${action.id}`);
      expect(done.body.action).toMatchObject({ id: action.id, status: "completed", completed_at: expect.any(String) });
      expect((await call(emulator, "GET", `/v2/actions/${action.id}`)).body.action.status).toBe("completed");
      expect((await getImage(emulator, image.id)).body.image.regions).toEqual(["nyc3", "ams3"]);
      const listed = await call(emulator, "GET", `/v2/images/${image.id}/actions`);
      expect(listed.body).toMatchObject({ actions: [{ id: action.id }], links: {}, meta: { total: 1 } });
    });
  });

  it("refuses with 422 to transfer an image that is not available or is already in the region", async () => {
    await withEmulator({ importDurationMs: 1_000 }, async (emulator, clock) => {
      const image = await createImage(emulator);
      const early = await call(emulator, "POST", `/v2/images/${image.id}/actions`, { type: "transfer", region: "ams3" });
      expect(early.status).toBe(422);
      clock.advance(1_000);
      const same = await call(emulator, "POST", `/v2/images/${image.id}/actions`, { type: "transfer", region: "nyc3" });
      expect(same.status).toBe(422);
      expect(same.body.id).toBe("unprocessable_entity");
      const missing = await call(emulator, "POST", "/v2/images/999/actions", { type: "transfer", region: "ams3" });
      expect(missing.status).toBe(404);
    });
  });

  it("ends a transfer the test marked as failing errored, without the region", async () => {
    await withEmulator({ importDurationMs: 1_000, transferDurationMs: 5_000 }, async (emulator, clock) => {
      emulator.failTransfers("sfo3");
      const image = await createImage(emulator);
      clock.advance(1_000);
      const action = (await call(emulator, "POST", `/v2/images/${image.id}/actions`, { type: "transfer", region: "sfo3" })).body.action;
      clock.advance(5_000);
      expect((await call(emulator, "GET", `/v2/actions/${action.id}`)).body.action.status).toBe("errored");
      expect((await getImage(emulator, image.id)).body.image.regions).toEqual(["nyc3"]);
    });
  });

  it("accepts a convert action, which completes at once and changes nothing", async () => {
    await withEmulator({ importDurationMs: 1_000 }, async (emulator, clock) => {
      const image = await createImage(emulator);
      clock.advance(1_000);
      const answer = await call(emulator, "POST", `/v2/images/${image.id}/actions`, { type: "convert" });
      expect(answer.status).toBe(201);
      expect(answer.body.action).toMatchObject({ type: "convert", status: "completed" });
      expect((await getImage(emulator, image.id)).body.image.regions).toEqual(["nyc3"]);
    });
  });
});

describe("tags", () => {
  it("assigns and unassigns images, which changes their tags, the tag's count and the tag_name filter", async () => {
    await withEmulator({}, async (emulator) => {
      const image = await createImage(emulator);
      const created = await call(emulator, "POST", "/v2/tags", { name: "env:prod" });
      expect(created.status).toBe(201);
      expect(created.body.tag).toMatchObject({ name: "env:prod", resources: { count: 0, images: { count: 0 }, droplets: { count: 0 } } });
      expect((await call(emulator, "POST", "/v2/tags", { name: "env:prod" })).status).toBe(201);

      const resources = { resources: [{ resource_id: String(image.id), resource_type: "image" }] };
      expect((await call(emulator, "POST", "/v2/tags/env:prod/resources", resources)).status).toBe(204);
      expect((await getImage(emulator, image.id)).body.image.tags).toEqual(["env:prod"]);
      const tag = (await call(emulator, "GET", "/v2/tags/env%3Aprod")).body.tag;
      expect(tag.resources).toMatchObject({ count: 1, images: { count: 1, last_tagged_uri: `${emulator.url}/v2/images/${image.id}` } });
      expect((await call(emulator, "GET", "/v2/images?tag_name=env:prod")).body.meta.total).toBe(1);
      expect((await call(emulator, "GET", "/v2/tags")).body).toMatchObject({ tags: [{ name: "env:prod" }], links: {}, meta: { total: 1 } });

      expect((await call(emulator, "DELETE", "/v2/tags/env:prod/resources", resources)).status).toBe(204);
      expect((await getImage(emulator, image.id)).body.image.tags).toEqual([]);
      expect((await call(emulator, "GET", "/v2/images?tag_name=env:prod")).body.images).toEqual([]);
    });
  });

  it("answers 404 when assigning to a tag that does not exist, and deleting a tag untags its images", async () => {
    await withEmulator({}, async (emulator) => {
      const image = await createImage(emulator, { tags: ["old"] });
      const resources = { resources: [{ resource_id: String(image.id), resource_type: "image" }] };
      expect((await call(emulator, "POST", "/v2/tags/missing/resources", resources)).status).toBe(404);
      expect((await call(emulator, "DELETE", "/v2/tags/old")).status).toBe(204);
      expect((await getImage(emulator, image.id)).body.image.tags).toEqual([]);
      expect((await call(emulator, "GET", "/v2/tags/old")).status).toBe(404);
    });
  });
});

describe("authentication and rate limits", () => {
  it.each([
    ["no token", null],
    ["a wrong token", "wrong"],
  ])("answers 401 to %s", async (_case, token) => {
    await withEmulator({}, async (emulator) => {
      const answer = await call(emulator, "GET", "/v2/images", undefined, token);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ id: "unauthorized", message: "Unable to authenticate you" });
      expect(answer.headers.get("x-request-id")).toBe(answer.body.request_id);
    });
  });

  it("refuses a revoked token with 401 from then on, and a token limited to some scopes with 403 for the others", async () => {
    await withEmulator({ tokens: ["a", "b"] }, async (emulator) => {
      expect((await call(emulator, "GET", "/v2/images", undefined, "a")).status).toBe(200);
      emulator.revokeToken("a");
      expect(await call(emulator, "GET", "/v2/images", undefined, "a")).toMatchObject({
        status: 401,
        body: { id: "unauthorized", message: "Unable to authenticate you" },
      });
      emulator.limitToken("b", ["tag:read"]);
      expect((await call(emulator, "GET", "/v2/tags", undefined, "b")).status).toBe(200);
      expect(await call(emulator, "GET", "/v2/images", undefined, "b")).toMatchObject({ status: 403, body: { id: "forbidden" } });
      expect(() => emulator.limitToken("a", ["image:read"])).toThrow(RangeError);
    });
  });

  it("accepts any of the configured tokens", async () => {
    await withEmulator({ tokens: ["a", "b"] }, async (emulator) => {
      expect((await call(emulator, "GET", "/v2/tags", undefined, "b")).status).toBe(200);
      expect((await call(emulator, "GET", "/v2/tags", undefined, TOKEN)).status).toBe(401);
    });
  });

  it("reports the hourly window on every response; past the minute limit answers 429 with remaining 0, the hourly reset and retry-after; past the hourly limit, without retry-after", async () => {
    await withEmulator({ rateLimit: { perMinute: 3, perHour: 5 } }, async (emulator, clock) => {
      const start = clock.now();
      const remaining: Array<string | null> = [];
      for (let index = 0; index < 3; index += 1) {
        const answer = await call(emulator, "GET", "/v2/tags");
        expect(answer.headers.get("ratelimit-limit")).toBe("5");
        expect(answer.headers.get("ratelimit-reset")).toBe(String(Math.ceil((start + 3_600_000) / 1000)));
        remaining.push(answer.headers.get("ratelimit-remaining"));
        clock.advance(10_000);
      }
      expect(remaining).toEqual(["4", "3", "2"]);

      const limited = await call(emulator, "GET", "/v2/tags");
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ id: "too_many_requests", message: "API Rate limit exceeded." });
      // "Sample Rate Limit Headers When Burst Limit is Reached": remaining 0 although the hour has room,
      // reset when the oldest request of the HOUR expires, and retry-after for the minute.
      expect(limited.headers.get("ratelimit-remaining")).toBe("0");
      expect(limited.headers.get("ratelimit-reset")).toBe(String(Math.ceil((start + 3_600_000) / 1000)));
      // The oldest of the three requests leaves the minute window 60 s after it was made.
      expect(limited.headers.get("retry-after")).toBe("30");
      expect(emulator.rateLimited).toBe(1);

      clock.advance(30_000);
      expect((await call(emulator, "GET", "/v2/tags")).status).toBe(200);
      clock.advance(60_000);
      expect((await call(emulator, "GET", "/v2/tags")).headers.get("ratelimit-remaining")).toBe("0");
      const hourly = await call(emulator, "GET", "/v2/tags");
      expect(hourly.status).toBe(429);
      // Now the hour is exhausted: the first request made at `start` expires at start + 1 h. DigitalOcean
      // sends retry-after "only within burst limit error response headers".
      expect(hourly.headers.get("ratelimit-remaining")).toBe("0");
      expect(hourly.headers.get("ratelimit-reset")).toBe(String(Math.ceil((start + 3_600_000) / 1000)));
      expect(hourly.headers.get("retry-after")).toBeNull();
      expect(emulator.rateLimited).toBe(2);
    });
  });

  it("counts each token separately", async () => {
    await withEmulator({ tokens: ["a", "b"], rateLimit: { perMinute: 1, perHour: 10 } }, async (emulator) => {
      expect((await call(emulator, "GET", "/v2/tags", undefined, "a")).status).toBe(200);
      expect((await call(emulator, "GET", "/v2/tags", undefined, "b")).status).toBe(200);
      expect((await call(emulator, "GET", "/v2/tags", undefined, "a")).status).toBe(429);
    });
  });

  it("sends no ratelimit headers when rate limiting is off", async () => {
    await withEmulator({ rateLimit: false }, async (emulator) => {
      const answer = await call(emulator, "GET", "/v2/tags");
      expect(answer.headers.get("ratelimit-limit")).toBeNull();
    });
  });
});

describe("request bodies of any size", () => {
  /**
   * A POST /v2/images whose headers say `headers` and whose body is `chunks` written one after
   * another (the last left open when `open`), resolving with the status answered.
   */
  const post = (emulator: Emulator, headers: Record<string, string>, chunks: Buffer[], open = false) =>
    new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        `${emulator.url}/v2/images`,
        { method: "POST", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", ...headers } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
          request.destroy();
        },
      );
      // The emulator may hang up on a body it refuses while the rest is still being written.
      request.on("error", (error: NodeJS.ErrnoException) =>
        error.code === "ECONNRESET" || error.code === "EPIPE" ? undefined : reject(error),
      );
      for (const chunk of chunks) request.write(chunk);
      if (!open) request.end();
    });

  it("answers 413 to a body whose content-length is above the limit without reading it, and keeps nothing of it", async () => {
    await withEmulator({}, async (emulator) => {
      // 560 MB announced, one kilobyte sent: the answer comes without waiting for the rest.
      const status = await post(emulator, { "content-length": String(560 * 1024 * 1024) }, [Buffer.alloc(1024, "x")], true);
      expect(status).toBe(413);
      expect(emulator.requests).toEqual([expect.objectContaining({ method: "POST", path: "/v2/images", status: 413, body: undefined })]);
      expect(emulator.audit()).toEqual([]);
      expect((await call(emulator, "GET", "/v2/images")).status).toBe(200);
    });
  });

  it("answers 413 to a chunked body as soon as it passes the limit, and keeps nothing of it", async () => {
    await withEmulator({}, async (emulator) => {
      const chunk = Buffer.alloc(64 * 1024, "x");
      const status = await post(
        emulator,
        {},
        Array.from({ length: MAX_REQUEST_BODY_BYTES / chunk.length + 2 }, () => chunk),
      );
      expect(status).toBe(413);
      expect(emulator.requests).toEqual([expect.objectContaining({ status: 413, body: undefined })]);
    });
  });

  it("keeps a body up to the limit", async () => {
    await withEmulator({}, async (emulator) => {
      const body = JSON.stringify({
        name: "web",
        url: "https://images.example.com/a.img",
        region: "nyc3",
        description: "d".repeat(MAX_REQUEST_BODY_BYTES - 200),
      });
      expect((await send(emulator, "POST", "/v2/images", body)).status).not.toBe(413);
      expect(emulator.requests[0]!.body).toMatchObject({ name: "web" });
    });
  });

  it("does not keep the body of a request without a valid token", async () => {
    await withEmulator({}, async (emulator) => {
      expect(
        (await call(emulator, "POST", "/v2/images", { name: "web", url: "https://images.example.com/a.img", region: "nyc3" }, "wrong"))
          .status,
      ).toBe(401);
      expect(emulator.requests).toEqual([expect.objectContaining({ status: 401, body: undefined })]);
    });
  });
});

describe("injected faults", () => {
  it("answers an injected 503 with its headers and without handling the request", async () => {
    await withEmulator({}, async (emulator) => {
      const injected = emulator.inject(
        { kind: "status", status: 503, headers: { "retry-after": "3" } },
        { method: "POST", path: "/v2/images" },
      );
      const answer = await call(emulator, "POST", "/v2/images", { name: "web", url: "https://images.example.com/a.img", region: "nyc3" });
      expect(answer.status).toBe(503);
      expect(answer.headers.get("retry-after")).toBe("3");
      expect(answer.body).toMatchObject({ id: "service_unavailable" });
      expect(emulator.audit()).toEqual([]);
      expect(injected.remaining).toBe(0);
      expect(injected.hits).toBe(1);
      expect(emulator.requests.at(-1)).toMatchObject({ status: 503, fault: "status" });
      expect(
        (await call(emulator, "POST", "/v2/images", { name: "web", url: "https://images.example.com/a.img", region: "nyc3" })).status,
      ).toBe(202);
    });
  });

  it("can inject a 429 that carries only ratelimit-reset, for the next count matching requests", async () => {
    await withEmulator({}, async (emulator) => {
      emulator.inject({ kind: "status", status: 429, headers: { "ratelimit-reset": "1767225700" } }, { path: /^\/v2\/images/, count: 2 });
      expect(
        (await call(emulator, "POST", "/v2/images", { name: "web", url: "https://images.example.com/a.img", region: "nyc3" })).status,
      ).toBe(429);
      const second = await call(emulator, "GET", "/v2/images");
      expect(second.status).toBe(429);
      expect(second.headers.get("ratelimit-reset")).toBe("1767225700");
      expect(second.headers.get("retry-after")).toBeNull();
      expect(second.headers.get("ratelimit-limit")).toBeNull();
      expect((await call(emulator, "GET", "/v2/tags")).status).toBe(200);
      expect((await call(emulator, "GET", "/v2/images")).status).toBe(200);
      expect(emulator.rateLimited).toBe(0);
    });
  });

  it("matches faults by method and path, and cancel withdraws one", async () => {
    await withEmulator({}, async (emulator) => {
      const injected = emulator.inject({ kind: "status", status: 500 }, { method: "DELETE", path: "/v2/tags/x", count: 3 });
      expect((await call(emulator, "GET", "/v2/tags/x")).status).toBe(404);
      injected.cancel();
      expect((await call(emulator, "DELETE", "/v2/tags/x")).status).toBe(404);
      expect(injected.hits).toBe(0);
    });
  });

  it("resets the connection before handling the request: the client fails and nothing is created", async () => {
    await withEmulator({}, async (emulator) => {
      emulator.inject({ kind: "reset" });
      await expect(createImage(emulator)).rejects.toThrow();
      expect(emulator.audit()).toEqual([]);
      expect(emulator.requests).toEqual([expect.objectContaining({ method: "POST", fault: "reset", status: null })]);
    });
  });

  it("resets the connection after processing: the client fails but the image exists", async () => {
    await withEmulator({}, async (emulator) => {
      emulator.inject({ kind: "reset-after-processing" });
      await expect(createImage(emulator)).rejects.toThrow();
      expect(emulator.audit()).toEqual([expect.objectContaining({ name: "web", fate: "importing" })]);
      expect(emulator.requests).toEqual([expect.objectContaining({ fault: "reset-after-processing", status: 202 })]);
    });
  });

  it("answers malformed JSON with status 200", async () => {
    await withEmulator({}, async (emulator) => {
      emulator.inject({ kind: "malformed-json" });
      const response = await fetch(`${emulator.url}/v2/images`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(200);
      // Jest's sandbox has its own SyntaxError class, so match the message.
      await expect(response.json()).rejects.toThrow(/JSON/);
    });
  });

  it("delays the answer by simulated time", async () => {
    await withEmulator({}, async (emulator, clock) => {
      emulator.inject({ kind: "delay", ms: 5_000 });
      const pending = call(emulator, "GET", "/v2/tags");
      await requestsLogged(emulator, 1);
      expect(emulator.requests[0].status).toBeNull();
      clock.advance(5_000);
      expect((await pending).status).toBe(200);
      expect(emulator.requests[0]).toMatchObject({ status: 200, fault: "delay" });
    });
  });

  it("answers an injected 404 for a transfer's action while the image itself still answers 200", async () => {
    await withEmulator({ importDurationMs: 1_000 }, async (emulator, clock) => {
      const image = await createImage(emulator);
      clock.advance(1_000);
      const action = (await call(emulator, "POST", `/v2/images/${image.id}/actions`, { type: "transfer", region: "ams3" })).body.action;
      emulator.inject({ kind: "status", status: 404 }, { method: "GET", path: `/v2/images/${image.id}/actions/${action.id}` });
      const lost = await call(emulator, "GET", `/v2/images/${image.id}/actions/${action.id}`);
      expect(lost).toMatchObject({ status: 404, body: { id: "not_found" } });
      expect((await getImage(emulator, image.id)).status).toBe(200);
      expect((await call(emulator, "GET", `/v2/images/${image.id}/actions/${action.id}`)).status).toBe(200);
    });
  });

  it("answers a gateway's 504 at once and carries the request out afterMs later all the same", async () => {
    await withEmulator({}, async (emulator, clock) => {
      emulator.inject({ kind: "status-then-process", status: 504, afterMs: 5_000 }, { method: "POST", path: "/v2/images" });
      const answer = await call(emulator, "POST", "/v2/images", { name: "web", url: "https://images.example.com/a.img", region: "nyc3" });
      expect(answer).toMatchObject({ status: 504, body: { id: "gateway_timeout" } });
      expect(emulator.audit()).toEqual([]);
      clock.advance(5_000);
      while (emulator.audit().length === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(emulator.audit()).toEqual([expect.objectContaining({ name: "web" })]);
      expect(emulator.requests).toEqual([expect.objectContaining({ fault: "status-then-process", status: 504 })]);
    });
  });

  it("hangs until the client gives up, and close() still ends at once with hanging and kept-alive sockets", async () => {
    const emulator = await startEmulator({ clock: manualClock() });
    try {
      // A kept-alive connection from an earlier request.
      expect((await call(emulator, "GET", "/v2/tags")).status).toBe(200);
      emulator.inject({ kind: "hang" }, { count: 2 });
      const abandoned = fetch(`${emulator.url}/v2/tags`, {
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: AbortSignal.timeout(50),
      });
      await expect(abandoned).rejects.toThrow();
      const hanging = fetch(`${emulator.url}/v2/tags`, { headers: { authorization: `Bearer ${TOKEN}` } });
      await requestsLogged(emulator, 3);
      await emulator.close();
      await expect(hanging).rejects.toThrow();
      expect(emulator.requests.slice(1).map((entry) => [entry.fault, entry.status])).toEqual([
        ["hang", null],
        ["hang", null],
      ]);
    } finally {
      await emulator.close();
    }
  });
});

describe("spec validation", () => {
  it.each([
    [
      "a missing region",
      "POST",
      "/v2/images",
      { name: "web", url: "https://images.example.com/a.img" },
      "body must have required property 'region'",
    ],
    [
      "an unknown region",
      "POST",
      "/v2/images",
      { name: "web", url: "https://images.example.com/a.img", region: "xyz9" },
      "body.region must be equal to one of the allowed values",
    ],
    ["per_page above 200", "GET", "/v2/images?per_page=500", undefined, "query.per_page must be <= 200"],
    ["a tag name with spaces", "POST", "/v2/tags", { name: "my tag" }, "body.name must match pattern"],
    ["a non-numeric id to update", "PUT", "/v2/images/web", { name: "x" }, "path.image_id must be integer"],
    ["tag resources without a list", "POST", "/v2/tags/prod/resources", {}, "body must have required property 'resources'"],
  ])("answers 400 to %s and records a request violation", async (_case, method, path, body, error) => {
    await withEmulator({}, async (emulator) => {
      const answer = await call(emulator, method, path, body);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ id: "bad_request", request_id: expect.any(String) });
      expect(answer.body.message).toContain(error);
      expect(emulator.violations).toEqual([
        {
          kind: "request",
          operationId: expect.any(String),
          method,
          path: path.split("?")[0],
          errors: expect.arrayContaining([expect.stringContaining(error)]),
        },
      ]);
    });
  });

  it("answers 400 to a body that is not JSON or not declared as JSON", async () => {
    await withEmulator({}, async (emulator) => {
      expect((await send(emulator, "POST", "/v2/tags", "{name:")).status).toBe(400);
      expect((await send(emulator, "POST", "/v2/tags", JSON.stringify({ name: "prod" }), TOKEN, "text/plain")).status).toBe(400);
      expect(emulator.violations.map((violation) => violation.errors[0])).toEqual([
        "body is not valid JSON",
        "content-type must be application/json, got text/plain",
      ]);
    });
  });

  it("answers 404 to a route the spec does not have and records it", async () => {
    await withEmulator({}, async (emulator) => {
      const answer = await call(emulator, "GET", "/v2/droplets");
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ id: "not_found" });
      expect(emulator.violations).toEqual([expect.objectContaining({ kind: "request", method: "GET", path: "/v2/droplets" })]);
    });
  });

  it("answers every normal operation within the spec", async () => {
    await withEmulator({ importDurationMs: 1_000, transferDurationMs: 1_000 }, async (emulator, clock) => {
      const image = await createImage(emulator, { tags: ["prod"], distribution: "Ubuntu", description: "d" });
      await call(emulator, "GET", "/v2/images?private=true&per_page=1");
      await call(emulator, "GET", "/v2/images?type=distribution&per_page=2&page=2");
      await getImage(emulator, image.id);
      clock.advance(1_000);
      await getImage(emulator, "debian-12-x64");
      await call(emulator, "PUT", `/v2/images/${image.id}`, { name: "renamed" });
      const action = (await call(emulator, "POST", `/v2/images/${image.id}/actions`, { type: "transfer", region: "fra1" })).body.action;
      await call(emulator, "GET", `/v2/images/${image.id}/actions`);
      await call(emulator, "GET", `/v2/images/${image.id}/actions/${action.id}`);
      clock.advance(1_000);
      await call(emulator, "GET", `/v2/actions/${action.id}`);
      await call(emulator, "GET", "/v2/actions");
      await call(emulator, "POST", "/v2/tags", { name: "staging" });
      await call(emulator, "GET", "/v2/tags");
      await call(emulator, "GET", "/v2/tags/staging");
      const resources = { resources: [{ resource_id: String(image.id), resource_type: "image" }] };
      await call(emulator, "POST", "/v2/tags/staging/resources", resources);
      await call(emulator, "DELETE", "/v2/tags/staging/resources", resources);
      await call(emulator, "DELETE", "/v2/tags/staging");
      await call(emulator, "DELETE", `/v2/images/${image.id}`);
      await getImage(emulator, image.id);
      await call(emulator, "DELETE", `/v2/images/${image.id}`);
      await getImage(emulator, 1);
      await call(emulator, "GET", "/v2/images", undefined, null);
      await call(emulator, "POST", "/v2/tags", { name: "bad tag" });

      expect(emulator.requests.every((entry) => entry.operationId !== undefined)).toBe(true);
      expect(emulator.violations.filter((violation) => violation.kind !== "request")).toEqual([]);
    });
  });

  it("loads the spec once per process", async () => {
    const first = await startEmulator();
    const second = await startEmulator();
    try {
      expect(second.specInitMs).toBe(first.specInitMs);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

describe("test hooks", () => {
  it("logs every request with its query, headers, body, status and simulated time", async () => {
    await withEmulator({}, async (emulator, clock) => {
      await call(emulator, "GET", "/v2/images?private=true&per_page=2");
      clock.advance(1_000);
      await call(emulator, "POST", "/v2/tags", { name: "prod" });
      expect(emulator.requests).toEqual([
        expect.objectContaining({
          method: "GET",
          path: "/v2/images",
          query: { private: "true", per_page: "2" },
          body: undefined,
          status: 200,
          operationId: "images_list",
          at: clock.now() - 1_000,
        }),
        expect.objectContaining({ method: "POST", path: "/v2/tags", body: { name: "prod" }, status: 201, at: clock.now() }),
      ]);
      expect(emulator.requests[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    });
  });

  it("reports an import repeated while the first was still alive as a duplicate, but not a retry after failure", async () => {
    await withEmulator({ importDurationMs: 10_000 }, async (emulator, clock) => {
      emulator.failImports("flaky");
      const first = await createImage(emulator);
      const repeated = await createImage(emulator);
      await createImage(emulator, { name: "other" });
      const failing = await createImage(emulator, { name: "flaky", url: "https://images.example.com/flaky.img" });
      clock.advance(10_000);
      await createImage(emulator, { name: "flaky", url: "https://images.example.com/flaky.img" });
      expect(emulator.duplicates()).toEqual([
        { id: repeated.id, duplicateOf: first.id, name: "web", url: "https://images.example.com/web.qcow2" },
      ]);
      expect(emulator.audit().map((entry) => [entry.id, entry.fate])).toEqual([
        [first.id, "available"],
        [repeated.id, "available"],
        [first.id + 2, "available"],
        [failing.id, "failed"],
        [failing.id + 1, "importing"],
      ]);
    });
  });
});

describe("restoring saved images", () => {
  it("saves the images not deleted and brings them back with their ids, answered by GET, lists and tags as saved; imports continue after the highest id", async () => {
    const saved = await (async () => {
      let images: SavedImage[] = [];
      await withEmulator({ importDurationMs: 10_000, transferDurationMs: 5_000 }, async (emulator, clock) => {
        const first = await createImage(emulator, { tags: ["prod", "team:web"], description: "golden" });
        const second = await createImage(emulator, { name: "db", url: "https://images.example.com/db.qcow2" });
        clock.advance(10_000);
        await call(emulator, "POST", `/v2/images/${first.id}/actions`, { type: "transfer", region: "lon1" });
        clock.advance(5_000);
        emulator.retireImage(second.id);
        const gone = await createImage(emulator, { name: "gone" });
        emulator.deleteImageOutOfBand(gone.id);
        images = emulator.saveImages();
      });
      return images;
    })();
    expect(saved.map(({ image, url }) => [image.status, image.regions, url])).toEqual([
      ["available", ["nyc3", "lon1"], "https://images.example.com/web.qcow2"],
      ["retired", ["nyc3"], "https://images.example.com/db.qcow2"],
    ]);

    await withEmulator({ publicImages: false }, async (emulator) => {
      emulator.restoreImages(saved);
      for (const { image } of saved) expect((await getImage(emulator, image.id)).body.image).toEqual(image);
      expect((await call(emulator, "GET", "/v2/images?private=true")).body.images).toEqual(saved.map(({ image }) => image));
      expect((await call(emulator, "GET", "/v2/images?tag_name=prod")).body.images.map((image: Json) => image.id)).toEqual([
        saved[0]!.image.id,
      ]);
      expect((await call(emulator, "GET", "/v2/tags/prod")).body.tag.resources.count).toBe(1);
      expect((await createImage(emulator)).id).toBe(saved[1]!.image.id + 1);
      expect(emulator.saveImages().slice(0, 2)).toEqual(saved);
      expect(
        emulator
          .audit()
          .slice(0, 2)
          .map(({ id, url, fate }) => ({ id, url, fate })),
      ).toEqual(saved.map(({ image, url }) => ({ id: image.id, url, fate: "available" })));
    });
  });

  it("refuses an image that is not at rest, and an id the emulator already has, naming the image", async () => {
    await withEmulator({}, async (emulator) => {
      const importing = await createImage(emulator);
      const image = { ...(await getImage(emulator, importing.id)).body.image };
      expect(() => emulator.restoreImages([{ image, url: "https://images.example.com/web.qcow2" }])).toThrow(
        `Image ${importing.id} is NEW; only images at rest (available, retired) can be restored.`,
      );
      expect(() =>
        emulator.restoreImages([{ image: { ...image, status: "available" }, url: "https://images.example.com/web.qcow2" }]),
      ).toThrow(`The emulator already has an image ${importing.id}.`);
    });
  });
});

describe("where DigitalOcean differs from its spec", () => {
  it("treats tag names case-insensitively and keeps the first spelling, which URLs must use", async () => {
    await withEmulator({}, async (emulator) => {
      expect((await call(emulator, "POST", "/v2/tags", { name: "PROD" })).body.tag.name).toBe("PROD");
      const again = await call(emulator, "POST", "/v2/tags", { name: "prod" });
      expect(again.status).toBe(201);
      expect(again.body.tag.name).toBe("PROD");
      const image = await createImage(emulator, { tags: ["prod", "Web", "web"] });
      expect(image.tags).toEqual(["PROD", "Web"]);
      expect((await call(emulator, "GET", "/v2/tags")).body.tags.map((tag: Json) => tag.name)).toEqual(["PROD", "Web"]);
      const resources = { resources: [{ resource_id: String(image.id), resource_type: "image" }] };
      // "the URL to add that tag to a resource would be /v2/tags/PROD/resources (not /v2/tags/prod/resources)"
      expect((await call(emulator, "POST", "/v2/tags/prod/resources", resources)).status).toBe(404);
      expect((await call(emulator, "GET", "/v2/tags/prod")).status).toBe(404);
      expect((await call(emulator, "DELETE", "/v2/tags/PROD/resources", resources)).status).toBe(204);
      expect((await getImage(emulator, image.id)).body.image.tags).toEqual(["Web"]);
      emulator.mutateImage(image.id, { tags: ["WEB", "prod"] });
      expect((await getImage(emulator, image.id)).body.image.tags).toEqual(["Web", "PROD"]);
    });
  });

  it("accepts a distribution outside the spec's list, stores Unknown, answers the import with Unknown OS, and records a deviation", async () => {
    await withEmulator({}, async (emulator) => {
      const image = await createImage(emulator, { distribution: "talos" });
      expect(image.distribution).toBe("Unknown OS");
      expect((await getImage(emulator, image.id)).body.image.distribution).toBe("Unknown");
      const updated = await call(emulator, "PUT", `/v2/images/${image.id}`, { distribution: "Windows" });
      expect(updated.status).toBe(200);
      expect(updated.body.image.distribution).toBe("Unknown");
      expect(emulator.violations).toEqual([
        {
          kind: "deviation",
          operationId: "images_create_custom",
          method: "POST",
          path: "/v2/images",
          errors: [expect.stringContaining("body.distribution must be equal to one of the allowed values")],
        },
        {
          kind: "deviation",
          operationId: "images_update",
          method: "PUT",
          path: `/v2/images/${image.id}`,
          errors: [expect.stringContaining("body.distribution must be equal to one of the allowed values")],
        },
      ]);
    });
  });

  it("accepts a region opened after the spec's enum (atl1) for imports and transfers, and answers with it inside the spec", async () => {
    await withEmulator({ importDurationMs: 1_000, transferDurationMs: 1_000 }, async (emulator, clock) => {
      const image = await createImage(emulator, { region: "atl1" });
      clock.advance(1_000);
      expect((await getImage(emulator, image.id)).body.image.regions).toEqual(["atl1"]);
      const transfer = await call(emulator, "POST", `/v2/images/${image.id}/actions`, { type: "transfer", region: "nyc3" });
      expect(transfer.body.action.region_slug).toBe("nyc3");
      clock.advance(1_000);
      const back = await createImage(emulator, { name: "other", region: "nyc3" });
      clock.advance(1_000);
      const toAtlanta = await call(emulator, "POST", `/v2/images/${back.id}/actions`, { type: "transfer", region: "atl1" });
      expect(toAtlanta.body.action).toMatchObject({ region_slug: "atl1", region: { slug: "atl1", name: "Atlanta 1" } });
      expect((await call(emulator, "GET", "/v2/images?private=true")).body.images.map((listed: Json) => listed.regions)).toEqual([
        ["atl1", "nyc3"],
        ["nyc3"],
      ]);
      expect(emulator.violations).toEqual([]);
    });
  });

  it.each([
    ["without a type", {}],
    ["of a type that does not exist", { type: "resize" }],
  ])("answers an image action %s with 404 The specified action type is not available.", async (_case, body) => {
    await withEmulator({ importDurationMs: 1_000 }, async (emulator, clock) => {
      const image = await createImage(emulator);
      clock.advance(1_000);
      const answer = await call(emulator, "POST", `/v2/images/${image.id}/actions`, body);
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ id: "not_found", message: "The specified action type is not available." });
      expect(emulator.violations).toEqual([expect.objectContaining({ kind: "request", operationId: "imageActions_post" })]);
    });
  });

  it("shows a retired image as retired, listed and readable, and refuses to transfer it", async () => {
    await withEmulator({ importDurationMs: 1_000 }, async (emulator, clock) => {
      const image = await createImage(emulator);
      clock.advance(1_000);
      emulator.retireImage(image.id);
      expect((await getImage(emulator, image.id)).body.image.status).toBe("retired");
      expect((await call(emulator, "GET", "/v2/images?private=true")).body.images.map((listed: Json) => listed.status)).toEqual([
        "retired",
      ]);
      const transfer = await call(emulator, "POST", `/v2/images/${image.id}/actions`, { type: "transfer", region: "ams3" });
      expect(transfer.status).toBe(422);
      expect(transfer.body.message).toBe(`Image ${image.id} can not be transferred while its status is retired.`);
      expect((await call(emulator, "DELETE", `/v2/images/${image.id}`)).status).toBe(204);
    });
  });

  it("answers 403 to a token that lacks a scope the operation needs, including tag:create for an import with tags", async () => {
    const scoped = { token: "scoped", scopes: ["image:create", "image:read", "image:update", "tag:read"] };
    await withEmulator({ tokens: [TOKEN, scoped] }, async (emulator) => {
      const body = { name: "web", url: "https://images.example.com/web.qcow2", region: "nyc3" };
      const tagged = await call(emulator, "POST", "/v2/images", { ...body, tags: ["prod"] }, "scoped");
      expect(tagged.status).toBe(403);
      expect(tagged.body).toMatchObject({ id: "forbidden", message: "You do not have access for the attempted action." });
      expect(emulator.audit()).toEqual([]);
      const plain = await call(emulator, "POST", "/v2/images", body, "scoped");
      expect(plain.status).toBe(202);
      expect((await call(emulator, "GET", "/v2/tags", undefined, "scoped")).status).toBe(200);
      expect((await call(emulator, "POST", "/v2/tags", { name: "prod" }, "scoped")).status).toBe(403);
      expect((await call(emulator, "DELETE", `/v2/images/${plain.body.image.id}`, undefined, "scoped")).status).toBe(403);
      expect((await call(emulator, "DELETE", `/v2/images/${plain.body.image.id}`)).status).toBe(204);
      expect(emulator.violations).toEqual([]);
    });
  });
});

describe("a fast clock, for a program on the system clock (clientClock: system, as the command runs)", () => {
  /** A hand-driven clock whose simulated time runs a hundred times faster than real time, starting now. */
  const fastClock = (): ManualClock => ({ ...manualClock(Date.now()), scale: 0.01 });
  const HOUR = 3_600_000;

  it("writes ratelimit-reset at most an hour (here 36 s) after the answer's date, consistent with it, however far simulated time has run ahead", async () => {
    const clock = fastClock();
    await withEmulator({ clock, clientClock: "system" }, async (emulator) => {
      await call(emulator, "GET", "/v2/images?private=true");
      clock.advance(12 * HOUR);
      const answer = await call(emulator, "GET", "/v2/images?private=true");
      const date = Date.parse(answer.headers.get("date") ?? "");
      const reset = Number(answer.headers.get("ratelimit-reset")) * 1000;
      expect(reset).toBeGreaterThanOrEqual(date);
      expect(reset - date).toBeLessThanOrEqual(0.01 * HOUR + 1000);
      // 12 simulated hours are 7.2 real minutes.
      expect(date).toBeLessThanOrEqual(Date.now() + 0.01 * 12 * HOUR + 1000);
    });
  });

  it("answers a burst-limit 429 with retry-after in real seconds", async () => {
    const clock = fastClock();
    await withEmulator({ clock, clientClock: "system", rateLimit: { perMinute: 1, perHour: 100 } }, async (emulator) => {
      await call(emulator, "GET", "/v2/images?private=true");
      const refused = await call(emulator, "GET", "/v2/images?private=true");
      expect(refused.status).toBe(429);
      // The simulated minute is 0.6 real seconds: a program waits one whole second.
      expect(refused.headers.get("retry-after")).toBe("1");
    });
  });

  it("never dates an image after the answer that shows it: created_at is the real moment of the import", async () => {
    const clock = fastClock();
    await withEmulator({ clock, clientClock: "system", importDurationMs: 30_000 }, async (emulator) => {
      clock.advance(12 * HOUR);
      await createImage(emulator);
      const answer = await call(emulator, "GET", "/v2/images?private=true");
      const [image] = answer.body.images;
      expect(Date.parse(image.created_at)).toBeLessThanOrEqual(Date.parse(answer.headers.get("date") ?? ""));
      expect(Date.parse(image.created_at)).toBeLessThanOrEqual(Date.now() + 0.01 * 12 * HOUR + 1000);
    });
  });

  it("keeps a failed import's reason readable for the linger in real time, however many simulated hours a program's poll spans", async () => {
    const clock = fastClock();
    await withEmulator({ clock, clientClock: "system", importDurationMs: 30_000, deletedLingerMs: 60_000 }, async (emulator) => {
      const image = await createImage(emulator, { url: "https://images.example.com/talos.tar.gz" });
      // 30 real seconds after the import ended: 50 simulated minutes.
      clock.advance(30_000 + 30_000 / 0.01);
      expect((await getImage(emulator, image.id)).body.image).toMatchObject({
        status: "deleted",
        error_message: expect.stringMatching(/^We don't support the compression format/),
      });
      clock.advance(30_000 / 0.01);
      expect((await getImage(emulator, image.id)).status).toBe(404);
    });
  });

  it("changes nothing for programs that share the emulator's clock (the default): every time on the wire is simulated", async () => {
    const clock = fastClock();
    await withEmulator({ clock, importDurationMs: 30_000 }, async (emulator) => {
      clock.advance(12 * HOUR);
      const created = await createImage(emulator);
      const answer = await getImage(emulator, created.id);
      expect(Date.parse(answer.body.image.created_at)).toBe(Math.floor(clock.now() / 1000) * 1000);
      expect(Date.parse(answer.headers.get("date") ?? "")).toBe(Math.floor(clock.now() / 1000) * 1000);
      expect(Number(answer.headers.get("ratelimit-reset"))).toBe(Math.ceil((clock.now() + HOUR) / 1000));
    });
  });
});

describe("switches for what DigitalOcean does not document (SOURCE.md)", () => {
  async function transfer(emulator: Emulator, clock: ManualClock): Promise<Json> {
    const image = await createImage(emulator);
    clock.advance(30_000);
    const answer = await call(emulator, "POST", `/v2/images/${image.id}/actions`, { type: "transfer", region: "lon1" });
    expect(answer.status).toBe(201);
    return answer.body.action;
  }

  it.each([
    ["destination", { region_slug: "lon1", region: expect.objectContaining({ slug: "lon1" }) }],
    ["source", { region_slug: "nyc3", region: expect.objectContaining({ slug: "nyc3" }) }],
    ["none", { region_slug: null }],
  ] as const)("transferRegion %s: a transfer action names that region, within the spec", async (transferRegion, shown) => {
    await withEmulator({ transferRegion }, async (emulator, clock) => {
      const action = await transfer(emulator, clock);
      expect(action).toMatchObject(shown);
      if (transferRegion === "none") expect(action).not.toHaveProperty("region");
      const listed = await call(emulator, "GET", `/v2/images/${action.resource_id}/actions`);
      expect(listed.body.actions[0]).toMatchObject(shown);
    });
  });

  it.each([
    ["listed", ["web"]],
    ["unlisted", []],
  ] as const)("pendingImages %s: listings by private=true and tag_name show a pending image so", async (pendingImages, names) => {
    await withEmulator({ pendingImages, importDurationMs: 30_000 }, async (emulator, clock) => {
      const image = await createImage(emulator, { tags: ["base"] });
      clock.advance(10_000);
      for (const query of ["private=true", "tag_name=base"]) {
        expect((await call(emulator, "GET", `/v2/images?${query}`)).body.images.map((listed: Json) => listed.name)).toEqual(names);
      }
      expect((await getImage(emulator, image.id)).body.image).toMatchObject({ status: "pending", tags: ["base"] });
      clock.advance(20_000);
      expect((await call(emulator, "GET", "/v2/images?tag_name=base")).body.images).toHaveLength(1);
    });
  });

  it.each([
    ["path-only", "https://unreachable.example/web.qcow2.gz (could"],
    ["full", "https://unreachable.example/web.qcow2.gz?X-Amz-Signature=secret (could"],
  ] as const)("errorMessageUrl %s: a failed download's error_message quotes the url so", async (errorMessageUrl, quoted) => {
    await withEmulator({ errorMessageUrl, importDurationMs: 1_000 }, async (emulator, clock) => {
      const image = await createImage(emulator, { url: "https://unreachable.example/web.qcow2.gz?X-Amz-Signature=secret" });
      clock.advance(1_000);
      expect((await getImage(emulator, image.id)).body.image.error_message).toContain(quoted);
    });
  });

  it.each([
    ["live", ["c"], 2],
    ["snapshot", ["b"], 3],
  ] as const)("listingPages %s: page 2, read after an image of page 1 was deleted, shows %j", async (listingPages, page2, total) => {
    await withEmulator({ listingPages }, async (emulator) => {
      const [a] = [
        await createImage(emulator, { name: "a" }),
        await createImage(emulator, { name: "b" }),
        await createImage(emulator, { name: "c" }),
      ];
      expect((await call(emulator, "GET", "/v2/images?private=true&per_page=1")).body.images.map((image: Json) => image.name)).toEqual([
        "a",
      ]);
      emulator.deleteImageOutOfBand(a.id);
      const second = await call(emulator, "GET", "/v2/images?private=true&per_page=1&page=2");
      expect(second.body.images.map((image: Json) => image.name)).toEqual(page2);
      expect(second.body.meta.total).toBe(total);
    });
  });
});
