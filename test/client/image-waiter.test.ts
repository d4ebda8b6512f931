import type { DigitalOceanClient } from "../../src/client/digitalocean-client";
import {
  ForbiddenError,
  ImageDeletedError,
  ImportFailedError,
  NotFoundError,
  UnauthorizedError,
  WaitTimeoutError,
} from "../../src/client/errors";
import { ImageWaiter, defaultImageWaiterOptions, roundIntervalMs, waitIntervalMs } from "../../src/client/image-waiter";
import { RateBudget } from "../../src/client/rate-budget";
import { type ManualClock, manualClock } from "../helpers/manual-clock";
import { defaultRetryPolicy } from "../../src/client/retry-policy";
import type { Action, Image } from "../../src/client/wire";
import { importMarked } from "../../src/provider/import-marker";
import { clientFor, withEmulator } from "../helpers/emulator-fixture";
import { VirtualClock } from "../helpers/virtual-clock";

const MINUTE = 60_000;
const request = (name: string) => ({ name, url: `https://images.example.com/${name}.img`, region: "nyc3" });

describe("ImageWaiter", () => {
  test("serves 100 concurrent imports with one listing of the account's private images per tick, far below 250 requests a minute", () =>
    withEmulator({ importDurationMs: (url) => (1 + (Number(/img-(\d+)/.exec(url)![1]) % 10)) * MINUTE }, async (emulator) => {
      // 100 concurrent requests to an emulator in this process can outlast the 2 s request timeout
      // on a busy machine. This test is about polling, so such a timeout is retried as often as a
      // 503 (a longer timeout would stretch the simulated clock instead).
      const { client } = clientFor(emulator, {
        retry: { limitByErrorCode: { ...defaultRetryPolicy.limitByErrorCode, ETIMEDOUT: defaultRetryPolicy.limit } },
      });
      const waiter = new ImageWaiter(client);
      // Each import carries its own tag, so that a POST timing out on a busy machine is resolved, not thrown.
      const marked = (name: string) => importMarked(client, request(name), `tag-${name}`);
      const images = await Promise.all(Array.from({ length: 100 }, (_, index) => marked(`img-${index}`)));
      const start = emulator.requests.length;
      const done = await Promise.all(images.map((image) => waiter.waitForImage(image.id, { timeoutMs: 30 * MINUTE })));
      expect(done.every((image) => image.status === "available")).toBe(true);

      const polls = emulator.requests.slice(start);
      const perMinute = new Map<number, number>();
      for (const poll of polls) perMinute.set(Math.floor(poll.at / MINUTE), (perMinute.get(Math.floor(poll.at / MINUTE)) ?? 0) + 1);
      expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(15);
      expect(waiter.stats.listings).toBeGreaterThan(0);
      // Only the private images: the public ones (distributions, applications) would add pages.
      const listings = polls.filter((poll) => poll.path === "/v2/images");
      expect(listings.length).toBeGreaterThan(0);
      expect(listings.every((poll) => poll.query["private"] === "true")).toBe(true);
      // GETs only once a single image is left, when one GET is cheaper than a listing (how many
      // ticks that last image takes depends on how far apart a busy machine spread the creates).
      const gets = polls.filter((poll) => /^\/v2\/images\/\d+$/.test(poll.path));
      expect(new Set(gets.map((poll) => poll.path)).size).toBeLessThanOrEqual(1);
      expect(waiter.stats.gets).toBeLessThan(waiter.stats.listings);
      expect(emulator.rateLimited).toBe(0);
    }));

  test("uses one GET per tick for a single image, which is cheaper than a listing", () =>
    withEmulator({ importDurationMs: MINUTE }, async (emulator) => {
      const { client } = clientFor(emulator);
      const waiter = new ImageWaiter(client);
      const image = await client.images.createCustom(request("one"));
      await waiter.waitForImage(image.id, { timeoutMs: 10 * MINUTE });
      expect(waiter.stats.listings).toBe(0);
      expect(emulator.requests.slice(1).every((entry) => entry.path === `/v2/images/${image.id}`)).toBe(true);
      expect(waiter.stats.gets).toBe(emulator.requests.length - 1);
    }));

  test("starts polling short and grows the interval to its cap", () =>
    // A slow clock (one real ms is 20 simulated ms), so that a busy machine does not stretch the gaps.
    withEmulator({ timeFactor: 0.05, importDurationMs: MINUTE }, async (emulator) => {
      const { client } = clientFor(emulator);
      const waiter = new ImageWaiter(client, { minIntervalMs: 1_000, maxIntervalMs: 5_000, growth: 1.5 });
      const image = await client.images.createCustom(request("one"));
      await waiter.waitForImage(image.id, { timeoutMs: 10 * MINUTE });
      const times = emulator.requests.slice(1).map((entry) => entry.at);
      const gaps = times.slice(1).map((time, index) => time - times[index]!);
      expect(times[0]! - emulator.requests[0]!.at).toBeLessThan(2_500);
      expect(gaps[0]).toBeLessThan(3_000);
      expect(Math.max(...gaps)).toBeLessThan(6_500);
      expect(gaps.at(-1)).toBeGreaterThan(4_000);
    }));

  test("notices an image within one of its intervals of it becoming available", () =>
    withEmulator({ timeFactor: 0.05, importDurationMs: 2 * MINUTE }, async (emulator) => {
      const { client } = clientFor(emulator);
      const waiter = new ImageWaiter(client);
      const image = await client.images.createCustom(request("one"));
      const availableAt = Date.parse(image.createdAt) + 2 * MINUTE;
      await waiter.waitForImage(image.id, { timeoutMs: 10 * MINUTE });
      // Two minutes in, a lone wait is checked every 15 s (the cap); a round trip adds a little.
      expect(waitIntervalMs(defaultImageWaiterOptions, 2 * MINUTE)).toBe(15_000);
      expect(client.clock.now() - availableAt).toBeLessThan(16_000);
    }));

  test("rejects with DigitalOcean's error_message when an import ends deleted", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const waiter = new ImageWaiter(client);
      emulator.failImports("bad", "Failed to download image from URL");
      const image = await client.images.createCustom(request("bad"));
      await expect(waiter.waitForImage(image.id, { timeoutMs: 10 * MINUTE })).rejects.toThrow(
        new ImportFailedError(image.id, `DigitalOcean could not import image ${image.id} ("bad"): Failed to download image from URL`),
      );
    }));

  test("rejects when the image disappears (404 at two checks in a row) in the middle of a wait", () =>
    withEmulator({ importDurationMs: 10 * MINUTE, deletedLingerMs: 0 }, async (emulator) => {
      const { client } = clientFor(emulator);
      const waiter = new ImageWaiter(client);
      const image = await client.images.createCustom(request("gone"));
      const wait = waiter.waitForImage(image.id, { timeoutMs: 30 * MINUTE });
      await emulator.clock.sleep(MINUTE);
      emulator.deleteImageOutOfBand(image.id);
      await expect(wait).rejects.toThrow(
        new ImageDeletedError(
          image.id,
          `Image ${image.id} is gone (deleted outside Pulumi, or its import failed and DigitalOcean has removed it) while waiting for the import of image ${image.id} to become available (404 at two checks in a row)`,
        ),
      );
    }));

  test("rejects at the deadline, saying what it waited for, how long and the last status", () =>
    withEmulator({ importDurationMs: 60 * MINUTE }, async (emulator) => {
      const { client } = clientFor(emulator);
      const waiter = new ImageWaiter(client);
      const image = await client.images.createCustom(request("slow"));
      const error = await waiter.waitForImage(image.id, { timeoutMs: 3 * MINUTE }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(WaitTimeoutError);
      expect((error as Error).message).toMatch(
        new RegExp(`^Timed out after 3m(\\d+s)? waiting for the import of image ${image.id} to become available \\(last status "NEW"\\)$`),
      );
    }));

  test("waits for a transfer action to complete", () =>
    withEmulator({ importDurationMs: MINUTE, transferDurationMs: MINUTE }, async (emulator) => {
      const { client } = clientFor(emulator);
      const waiter = new ImageWaiter(client);
      const image = await client.images.createCustom(request("one"));
      await waiter.waitForImage(image.id, { timeoutMs: 10 * MINUTE });
      const action = await client.imageActions.transfer(image.id, "lon1");
      const before = { requests: emulator.requests.length, gets: waiter.stats.gets };
      const done = await waiter.waitForAction(image.id, action, "the transfer to lon1", { timeoutMs: 10 * MINUTE });
      expect(done.status).toBe("completed");
      // One GET of the action a round, each counted in the stats.
      const polls = emulator.requests.slice(before.requests);
      expect(polls.every((entry) => entry.path === `/v2/images/${image.id}/actions/${action.id}`)).toBe(true);
      expect(waiter.stats.gets - before.gets).toBe(polls.length);
      expect((await client.images.get(image.id)).regions.sort()).toEqual(["lon1", "nyc3"]);
    }));

  test("answers several transfers of one image with one listing of its actions per tick", () =>
    withEmulator({ importDurationMs: MINUTE, transferDurationMs: 2 * MINUTE }, async (emulator) => {
      const { client } = clientFor(emulator);
      const waiter = new ImageWaiter(client);
      const image = await client.images.createCustom(request("spread"));
      await waiter.waitForImage(image.id, { timeoutMs: 10 * MINUTE });
      const regions = ["lon1", "fra1", "sgp1", "tor1"];
      const actions = await Promise.all(regions.map((region) => client.imageActions.transfer(image.id, region)));
      const before = emulator.requests.length;
      const stats = { ...waiter.stats };
      await Promise.all(
        actions.map((action, index) =>
          waiter.waitForAction(image.id, action, `the transfer to ${regions[index]}`, { timeoutMs: 10 * MINUTE }),
        ),
      );
      const polls = emulator.requests.slice(before);
      const listings = polls.filter((entry) => entry.path === `/v2/images/${image.id}/actions`);
      // A transfer left alone (the others done) is cheaper with one GET of its action.
      const singles = polls.filter((entry) => new RegExp(`^/v2/images/${image.id}/actions/\\d+$`).test(entry.path));
      expect(listings.length + singles.length).toBe(polls.length);
      expect(listings.length).toBeGreaterThan(0);
      // One GET per transfer per tick would be 4 per listing.
      expect(polls.length).toBeLessThan(2 * listings.length + 2);
      expect({ listings: waiter.stats.listings - stats.listings, gets: waiter.stats.gets - stats.gets }).toEqual({
        listings: listings.length,
        gets: singles.length,
      });
      expect((await client.images.get(image.id)).regions.sort()).toEqual(["fra1", "lon1", "nyc3", "sgp1", "tor1"]);
    }));
});

/** More turns than any wait below needs by far: a loop that spins fails here instead of hanging the test. */
const MAX_TURNS = 1_000;

/** A virtual clock (sleeping takes no real time) that refuses to let a loop spin for ever. */
class TurnLimitedClock extends VirtualClock {
  override async sleep(ms: number): Promise<void> {
    if (this.slept.length >= MAX_TURNS) throw new Error(`the waiter's loop slept ${MAX_TURNS} times: it spins`);
    await super.sleep(ms);
  }
}

const never = <T>() => new Promise<T>(() => {});
const transfer = (id: number, region: string): Action => ({
  id,
  status: "in-progress",
  type: "transfer",
  startedAt: "",
  completedAt: null,
  resourceId: 1,
  resourceType: "image",
  regionSlug: region,
});

/** A client on a virtual clock whose checks answer as the test says; nothing else of it is used by the waiter. */
function fakeClient(
  clock: VirtualClock,
  checks: { getImage?: () => Promise<Image>; getAction?: () => Promise<Action>; listActions?: () => Promise<Action[]> },
): DigitalOceanClient {
  return {
    clock,
    images: { get: checks.getImage ?? never, list: never },
    imageActions: { get: checks.getAction ?? never, list: checks.listActions ?? never },
  } as unknown as DigitalOceanClient;
}

/** Moves a manual clock on in steps of 100 ms, letting the waiter's checks settle at each, until `wait` ends. */
async function drive(clock: ManualClock, wait: Promise<unknown>): Promise<void> {
  let done = false;
  void wait.finally(() => (done = true)).catch(() => undefined);
  while (!done) {
    clock.advance(100);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** A client on a manual clock whose checks answer as the test says. */
const manualClient = (clock: ManualClock, checks: Parameters<typeof fakeClient>[1]) => fakeClient(clock as unknown as VirtualClock, checks);

describe("ImageWaiter's deadlines and loop", () => {
  test("a wait whose check hangs past its deadline is rejected at the deadline, is not checked again while its check hangs, and the loop turns a few times, never without time passing", async () => {
    const clock = new TurnLimitedClock();
    let checks = 0;
    const hanging = () => {
      checks++;
      return never<Image>();
    };
    const waiter = new ImageWaiter(fakeClient(clock, { getImage: hanging }), { minIntervalMs: 1_000, maxIntervalMs: 1_000 });
    const start = clock.now();
    const error = await waiter.waitForImage(7, { timeoutMs: 1_500 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe('Timed out after 2s waiting for the import of image 7 to become available (last status "NEW")');
    expect(clock.now() - start).toBe(1_500);
    expect(checks).toBe(1);
    expect(waiter.stats.turns).toBeLessThanOrEqual(3);
    // A turn is one sleep of the loop.
    expect(waiter.stats.turns).toBe(clock.slept.length);
    expect(clock.slept.every((ms) => ms > 0)).toBe(true);
  });

  test("a wait whose check fails until the deadline ends at the deadline, naming the last failure", async () => {
    const clock = new TurnLimitedClock();
    const failing = () => Promise.reject(new Error("connection failed (ECONNRESET)"));
    const waiter = new ImageWaiter(fakeClient(clock, { getImage: failing }), { minIntervalMs: 1_000, maxIntervalMs: 5_000 });
    const error = await waiter.waitForImage(7, { timeoutMs: 60_000 }).catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      'Timed out after 1m waiting for the import of image 7 to become available (last status "NEW") (last check failed: connection failed (ECONNRESET))',
    );
    expect(waiter.stats.turns).toBeLessThanOrEqual(waiter.stats.ticks + 1);
  });

  test("transfers whose actions are missing from the image's listing end at their deadline, naming the missing action, without spinning", async () => {
    const clock = new TurnLimitedClock();
    const waiter = new ImageWaiter(fakeClient(clock, { listActions: async () => [] }), { minIntervalMs: 1_000, maxIntervalMs: 5_000 });
    const waits = [transfer(11, "lon1"), transfer(12, "fra1")].map((action) =>
      waiter
        .waitForAction(1, action, `the transfer of image 1 to ${action.regionSlug}`, { timeoutMs: 30_000 })
        .catch((caught: unknown) => (caught as Error).message),
    );
    // The time in each message is measured when the wait ends: the deadline held.
    expect(await Promise.all(waits)).toEqual([
      "Timed out after 30s waiting for the transfer of image 1 to lon1 (last status \"in-progress\") (DigitalOcean's listing of image 1's actions did not include action 11)",
      "Timed out after 30s waiting for the transfer of image 1 to fra1 (last status \"in-progress\") (DigitalOcean's listing of image 1's actions did not include action 12)",
    ]);
    // One turn per tick, plus one per deadline.
    expect(waiter.stats.turns).toBeLessThanOrEqual(waiter.stats.ticks + 2);
  });

  test("transfers of one image answered by one listing each go by their own action: one finished does not end the other", async () => {
    const clock = new TurnLimitedClock();
    const listActions = async () => [{ ...transfer(11, "lon1"), status: "completed" }, transfer(12, "fra1")];
    const waiter = new ImageWaiter(fakeClient(clock, { listActions }), { minIntervalMs: 1_000, maxIntervalMs: 5_000 });
    const waits = [transfer(11, "lon1"), transfer(12, "fra1")].map((action) =>
      waiter.waitForAction(1, action, `the transfer of image 1 to ${action.regionSlug}`, { timeoutMs: 30_000 }).then(
        (done) => `action ${done.id} ${done.status}`,
        (caught: unknown) => (caught as Error).message,
      ),
    );
    expect(await Promise.all(waits)).toEqual([
      "action 11 completed",
      'Timed out after 30s waiting for the transfer of image 1 to fra1 (last status "in-progress")',
    ]);
  });

  test("a transfer whose action answers 404 while its image answers 200 goes on, and ends once the image lists the transfer's region", async () => {
    const clock = new TurnLimitedClock();
    let imageChecks = 0;
    const lost = () => Promise.reject(new NotFoundError({ method: "GET", path: "/v2/images/1/actions/11", status: 404 }));
    const getImage = async () =>
      ({ id: 1, name: "web", status: "available", regions: ++imageChecks < 4 ? ["nyc3"] : ["nyc3", "lon1"] }) as unknown as Image;
    const waiter = new ImageWaiter(fakeClient(clock, { getAction: lost, getImage }), { minIntervalMs: 1_000, maxIntervalMs: 5_000 });
    const done = await waiter.waitForAction(1, transfer(11, "lon1"), "the transfer of image 1 to lon1", { timeoutMs: 60 * MINUTE });
    expect(done).toMatchObject({ id: 11, status: "completed", regionSlug: "lon1" });
    expect(imageChecks).toBe(4);
  });

  test("a transfer whose action answers 404 while its image answers 200 without the region times out naming both, instead of calling the image deleted", async () => {
    const clock = new TurnLimitedClock();
    const lost = () => Promise.reject(new NotFoundError({ method: "GET", path: "/v2/images/1/actions/11", status: 404 }));
    const getImage = async () => ({ id: 1, name: "web", status: "available", regions: ["nyc3"] }) as unknown as Image;
    const waiter = new ImageWaiter(fakeClient(clock, { getAction: lost, getImage }), { minIntervalMs: 1_000, maxIntervalMs: 5_000 });
    const error = await waiter
      .waitForAction(1, transfer(11, "lon1"), "the transfer of image 1 to lon1", { timeoutMs: MINUTE })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe(
      'Timed out after 1m waiting for the transfer of image 1 to lon1 (last status "in-progress") (DigitalOcean answered 404 for action 11, while image 1 is there (available) and not yet in lon1)',
    );
  });

  test.each([
    ["401, a revoked token", UnauthorizedError, 401],
    ["403, a scope taken away", ForbiddenError, 403],
  ])("a check answered %s ends every wait at once with the client's error, each its own copy", async (_case, ErrorClass, status) => {
    const clock = new TurnLimitedClock();
    const refused = () => Promise.reject(new ErrorClass({ method: "GET", path: "/v2/images?private=true", status }));
    const waiter = new ImageWaiter(
      { ...fakeClient(clock, { getImage: refused }), images: { get: refused, list: refused } } as unknown as DigitalOceanClient,
      { minIntervalMs: 1_000 },
    );
    const start = clock.now();
    const errors = await Promise.all(
      [2, 3].map((id) => waiter.waitForImage(id, { timeoutMs: 60 * MINUTE }).catch((caught: unknown) => caught as Error)),
    );
    expect(errors.map((error) => [error.constructor, error.message])).toEqual([
      [ErrorClass, expect.stringContaining(`failed: ${status}`)],
      [ErrorClass, expect.stringContaining(`failed: ${status}`)],
    ]);
    expect(errors[0]).not.toBe(errors[1]);
    expect(clock.now() - start).toBeLessThan(MINUTE);
  });

  test("a transfer whose image answers 404 once and then 200 is not taken for deleted at its next 404: the image's answer starts the count again", async () => {
    const clock = new TurnLimitedClock();
    const lost = () => Promise.reject(new NotFoundError({ method: "GET", path: "/v2/images/1/actions/11", status: 404 }));
    const answers: Array<Image | undefined> = [
      undefined,
      { id: 1, name: "web", status: "available", regions: ["nyc3"] } as unknown as Image,
      undefined,
      { id: 1, name: "web", status: "available", regions: ["nyc3", "lon1"] } as unknown as Image,
    ];
    let imageChecks = 0;
    const getImage = async () =>
      answers[imageChecks++] ?? Promise.reject(new NotFoundError({ method: "GET", path: "/v2/images/1", status: 404 }));
    let actionChecks = 0;
    const getAction = () => {
      actionChecks++;
      return lost();
    };
    const waiter = new ImageWaiter(fakeClient(clock, { getAction, getImage }), { minIntervalMs: 1_000, maxIntervalMs: 5_000 });
    const done = await waiter.waitForAction(1, transfer(11, "lon1"), "the transfer of image 1 to lon1", { timeoutMs: 60 * MINUTE });
    expect(done).toMatchObject({ id: 11, status: "completed", regionSlug: "lon1" });
    expect(imageChecks).toBe(4);
    // The stats count the image's GETs after an action's 404 as well.
    expect(waiter.stats.gets).toBe(actionChecks + imageChecks);
  });

  test("an action other than a transfer that answers 404 is not taken for done because its image lists the action's region: only a transfer's region is its result", async () => {
    const clock = new TurnLimitedClock();
    const lost = () => Promise.reject(new NotFoundError({ method: "GET", path: "/v2/images/1/actions/11", status: 404 }));
    const getImage = async () => ({ id: 1, name: "web", status: "available", regions: ["nyc3"] }) as unknown as Image;
    const waiter = new ImageWaiter(fakeClient(clock, { getAction: lost, getImage }), { minIntervalMs: 1_000, maxIntervalMs: 5_000 });
    const convert: Action = { ...transfer(11, "nyc3"), type: "convert" };
    const error = await waiter
      .waitForAction(1, convert, "the conversion of image 1", { timeoutMs: MINUTE })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toBe(
      'Timed out after 1m waiting for the conversion of image 1 (last status "in-progress") (DigitalOcean answered 404 for action 11, while image 1 is there (available))',
    );
  });

  test("a transfer whose action answers 404 while its image answers with the status deleted ends at the second such check, long before its deadline", async () => {
    const clock = new TurnLimitedClock();
    const lost = () => Promise.reject(new NotFoundError({ method: "GET", path: "/v2/images/1/actions/11", status: 404 }));
    const getImage = async () => ({ id: 1, name: "web", status: "deleted", regions: [] }) as unknown as Image;
    const waiter = new ImageWaiter(fakeClient(clock, { getAction: lost, getImage }), { minIntervalMs: 1_000, maxIntervalMs: 5_000 });
    const start = clock.now();
    const error = await waiter
      .waitForAction(1, transfer(11, "lon1"), "the transfer of image 1 to lon1", { timeoutMs: 60 * MINUTE })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImageDeletedError);
    expect(clock.now() - start).toBeLessThan(MINUTE);
  });

  test("a transfer of an image deleted outside Pulumi ends at the second 404 in a row, as an import does, long before its deadline", async () => {
    const clock = new TurnLimitedClock();
    const gone = (path: string) => () => Promise.reject(new NotFoundError({ method: "GET", path, status: 404 }));
    const waiter = new ImageWaiter(fakeClient(clock, { getAction: gone("/v2/images/1/actions/11"), getImage: gone("/v2/images/1") }), {
      minIntervalMs: 1_000,
      maxIntervalMs: 5_000,
    });
    const start = clock.now();
    const error = await waiter
      .waitForAction(1, transfer(11, "lon1"), "the transfer of image 1 to lon1", { timeoutMs: 60 * MINUTE })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImageDeletedError);
    expect((error as Error).message).toBe(
      "Image 1 was deleted outside Pulumi while waiting for the transfer of image 1 to lon1 (404 at two checks in a row)",
    );
    expect(clock.now() - start).toBeLessThan(MINUTE);
  });
});

describe("the waiter's schedule", () => {
  const options = { minIntervalMs: 4_000, maxIntervalMs: 16_000, growth: 1.5, maxYieldIntervalMs: 40_000 };

  test.each([
    ["a new wait is checked after the shortest interval", 0, 4_000],
    ["each interval is growth times the one before: after 4 s, 6 s", 4_000, 6_000],
    ["after 4 s and 6 s, 9 s", 10_000, 9_000],
    ["the interval stops growing at its cap", 60 * MINUTE, 16_000],
    ["a wait that starts after the round counts as new", -3_000, 4_000],
  ])("%s", (_case, elapsed, interval) => {
    expect(waitIntervalMs(options, elapsed)).toBe(interval);
  });

  test.each([
    ["the first round comes after the shortest interval", [], 1, 4_000],
    ["one wait: its own interval", [60 * MINUTE], 1, 16_000],
    ["two waits at their cap share a round every 8 s", [60 * MINUTE, 60 * MINUTE], 1, 8_000],
    ["a hundred waits: never closer than the shortest interval", Array.from({ length: 100 }, () => 60 * MINUTE), 1, 4_000],
    ["a stretch of 3 for the token's other traffic: three times as far apart", [60 * MINUTE, 60 * MINUTE], 3, 24_000],
    ["a stretch never goes beyond the longest yield", [60 * MINUTE], 10, 40_000],
    ["a stretch never shortens a long round to the longest yield", [60 * MINUTE], 1.1, 17_600],
  ])("%s", (_case, elapsed, stretch, interval) => {
    expect(roundIntervalMs(options, elapsed, stretch)).toBeCloseTo(interval, 6);
  });

  test.each([
    ["a hundred transfers of a hundred images, one GET each: a round when each is due, as if alone", 100, 16_000],
    ["the same round costing 50 requests: twice as often", 50, 8_000],
    ["a round costing nothing counts as one request", 0, 4_000],
  ])("%s", (_case, requests, interval) => {
    const hundred = Array.from({ length: 100 }, () => 60 * MINUTE);
    expect(roundIntervalMs(options, hundred, 1, requests)).toBeCloseTo(interval, 6);
  });

  test("a lone wait of an hour costs about 250 checks with the defaults, where a 5 s interval costs 720", () => {
    let at = 0;
    let checks = 0;
    while (at < 60 * MINUTE) {
      at += roundIntervalMs(defaultImageWaiterOptions, checks === 0 ? [] : [at]);
      checks++;
    }
    expect(checks).toBeGreaterThan(230);
    expect(checks).toBeLessThan(260);
  });

  test("waits on an import and on transfers of two other images cost three requests a round, so each is checked at its own interval, not more often", async () => {
    const clock = manualClock();
    const imageChecks: number[] = [];
    const getImage = async () => {
      imageChecks.push(clock.now());
      return image("pending");
    };
    const waiter = new ImageWaiter(manualClient(clock, { getImage, getAction: async () => transfer(0, "lon1") }), {
      minIntervalMs: 1_000,
      maxIntervalMs: 4_000,
      growth: 2,
    });
    const options = { timeoutMs: MINUTE };
    const waits = [
      waiter.waitForImage(7, options),
      waiter.waitForAction(2, transfer(21, "lon1"), "the transfer of image 2 to lon1", options),
      waiter.waitForAction(3, transfer(31, "lon1"), "the transfer of image 3 to lon1", options),
    ];
    await drive(clock, Promise.allSettled(waits));
    // Each wait's interval reaches its cap of 4 s within seconds; from then on a round every 4 s.
    const gaps = imageChecks
      .slice(1)
      .map((at, index) => at - imageChecks[index]!)
      .slice(5);
    expect(gaps.length).toBeGreaterThan(5);
    for (const gap of gaps) expect(Math.abs(gap - 4_000)).toBeLessThanOrEqual(100);
  });

  test("with more private images than one page of a listing holds, two waits cost two requests an interval: two GETs, as the listing's two pages would", async () => {
    const clock = manualClock();
    const sent: { at: number; requests: number }[] = [];
    const account = Array.from({ length: 250 }, (_, index) => ({ ...image("pending"), id: index + 1 }));
    const client = {
      clock,
      images: {
        get: async (id: number) => {
          sent.push({ at: clock.now(), requests: 1 });
          return { ...image("pending"), id };
        },
        list: async () => {
          sent.push({ at: clock.now(), requests: 2 });
          return account;
        },
      },
      imageActions: { get: never, list: never },
    } as unknown as DigitalOceanClient;
    const waiter = new ImageWaiter(client, { minIntervalMs: 1_000, maxIntervalMs: 4_000, growth: 2 });
    await drive(clock, Promise.allSettled([1, 2].map((id) => waiter.waitForImage(id, { timeoutMs: MINUTE }))));
    // After the first round's listing, two GETs a round, a round every 4 s once the waits' intervals reach it.
    const requests = sent.filter(({ at }) => at >= sent[0]!.at + 20_000).reduce((sum, { requests }) => sum + requests, 0);
    expect(requests).toBeGreaterThanOrEqual(18);
    expect(requests).toBeLessThanOrEqual(22);
  });

  test("a round put off for the token's other traffic comes within the shortest interval of a response showing the budget recovered", async () => {
    const clock = manualClock();
    const budget = new RateBudget(clock, { perMinute: 250, perHour: 5000, reserve: 0.1 });
    const start = clock.now();
    const checkedAt: number[] = [];
    const getImage = async (): Promise<Image> => {
      checkedAt.push(clock.now() - start);
      return image(clock.now() - start >= 15_000 ? "available" : "pending");
    };
    const client = { ...fakeClient(clock as unknown as VirtualClock, { getImage }), budget } as unknown as DigitalOceanClient;
    const waiter = new ImageWaiter(client, { minIntervalMs: 5_000, maxIntervalMs: 5_000, growth: 1 });
    const hourly = (remaining: number) => ({
      "ratelimit-limit": "5000",
      "ratelimit-remaining": String(remaining),
      "ratelimit-reset": String(Math.ceil((start + 30 * MINUTE) / 1000)),
    });
    let done = false;
    const wait = waiter.waitForImage(7, { timeoutMs: 10 * MINUTE }).finally(() => (done = true));
    while (!done) {
      clock.advance(100);
      const elapsed = clock.now() - start;
      // Other tools bring the hour's budget under its reserve, then its count comes back.
      if (elapsed === 6_000) budget.observe(hourly(400));
      if (elapsed === 12_000) budget.observe(hourly(4_900));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await wait;
    expect(checkedAt).toEqual([5_000, 15_000]);
    expect(waiter.stats.turns).toBeLessThanOrEqual(6);
  });

  test("gives way to the token's other traffic: rounds stretch while ratelimit-remaining falls fast, and come back when it stops", async () => {
    const clock = manualClock();
    const budget = new RateBudget(clock, { perMinute: 250, perHour: 5000, reserve: 0.1 });
    const checkedAt: number[] = [];
    const start = clock.now();
    // Other processes send 200 requests a minute for the first 3 minutes, then stop.
    const getImage = async (): Promise<Image> => {
      const elapsed = clock.now() - start;
      checkedAt.push(elapsed);
      const remaining = 5000 - Math.round((Math.min(elapsed, 3 * MINUTE) * 200) / MINUTE);
      budget.observe({ "ratelimit-limit": "5000", "ratelimit-remaining": String(remaining), "ratelimit-reset": "0" });
      return { id: 7, status: elapsed >= 6 * MINUTE ? "available" : "NEW" } as Image;
    };
    const client = { ...fakeClient(clock as unknown as VirtualClock, { getImage }), budget } as unknown as DigitalOceanClient;
    const waiter = new ImageWaiter(client, { minIntervalMs: 5_000, maxIntervalMs: 5_000, growth: 1 });
    let done = false;
    const wait = waiter.waitForImage(7, { timeoutMs: 30 * MINUTE }).finally(() => (done = true));
    while (!done) {
      clock.advance(100);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await wait;
    const inMinute = (minute: number) => checkedAt.filter((at) => at >= minute * MINUTE && at < (minute + 1) * MINUTE).length;
    // 200 a minute is 4 times the 50 at which polls give way (60 % of the hour's 5,000, kept up for an hour): rounds 16 times as far apart, up to 40 s.
    expect(inMinute(2)).toBeLessThanOrEqual(4);
    // The stats count as yielded rounds that came later than their 5 s, and no other.
    const late = checkedAt.slice(1).filter((at, index) => at - checkedAt[index]! > 5_000).length;
    expect(waiter.stats.yielded).toBeGreaterThan(0);
    expect(waiter.stats.yielded).toBeLessThanOrEqual(late);
    // Once the traffic has left the one-minute window, every 5 s again.
    expect(inMinute(5)).toBe(12);
  });

  test("a wait that joins while the loop sleeps through a long interval is checked at once, not at the round the lone wait was due", async () => {
    const clock = manualClock();
    const start = clock.now();
    const checks: number[] = [];
    const getImage = async (id: number): Promise<Image> => {
      checks.push(clock.now() - start);
      return { id, status: "NEW" } as Image;
    };
    const list = async (): Promise<Image[]> => {
      checks.push(clock.now() - start);
      return [1, 2].map((id) => ({ id, status: "NEW" }) as Image);
    };
    const client = { clock, images: { get: getImage, list }, imageActions: { get: never, list: never } } as unknown as DigitalOceanClient;
    // A wait's interval is 1 s + its elapsed time: rounds at 1 s, 3 s, 7 s, then 15 s.
    const waiter = new ImageWaiter(client, { minIntervalMs: 1_000, maxIntervalMs: 60_000, growth: 2 });
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const waits = [waiter.waitForImage(1, { timeoutMs: 20_000 }).catch(() => undefined)];
    for (let second = 1; second <= 8; second++) {
      clock.advance(1_000);
      await settle();
    }
    waits.push(waiter.waitForImage(2, { timeoutMs: 12_000 }).catch(() => undefined));
    await settle();
    expect(checks).toEqual([1_000, 3_000, 7_000, 8_000]);
    for (let second = 9; second <= 20; second++) {
      clock.advance(1_000);
      await settle();
    }
    await Promise.all(waits);
  });
});

const image = (status: string, errorMessage = ""): Image => ({
  id: 7,
  name: "web",
  type: "custom",
  distribution: "Ubuntu",
  slug: null,
  public: false,
  regions: ["nyc3"],
  createdAt: "2026-11-23T12:00:00Z",
  minDiskSize: null,
  sizeGigabytes: null,
  description: "",
  tags: [],
  status,
  errorMessage,
});

/** Answers one after another, the last one for ever after. */
function answers<T>(...sequence: (T | Error)[]): () => Promise<T> {
  let index = 0;
  return async () => {
    const next = sequence[Math.min(index++, sequence.length - 1)]!;
    if (next instanceof Error) throw next;
    return next;
  };
}

const notFound = () => new NotFoundError({ method: "GET", path: "/v2/images/7", status: 404 });

describe("ImageWaiter's verdicts", () => {
  test.each([
    [
      "deleted",
      /^Image 7 \("web"\) became "deleted" while waiting for the import of image 7 to become available, and DigitalOcean gave no reason: /,
    ],
    [
      "retired",
      /^Image 7 \("web"\) became "retired" while waiting for the import of image 7 to become available, and DigitalOcean gave no reason: /,
    ],
  ])("an import that ends %s without DigitalOcean's reason fails as an import, saying DigitalOcean gave none", async (status, message) => {
    const waiter = new ImageWaiter(fakeClient(new TurnLimitedClock(), { getImage: answers(image(status)) }));
    const error = await waiter.waitForImage(7, { timeoutMs: 10 * MINUTE }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImportFailedError);
    expect(error).toMatchObject({ imageId: 7, apiMessage: undefined, message: expect.stringMatching(message) });
  });

  test("a single 404 is taken for a glitch: the wait goes on, and a 404 after an answer starts the count again", async () => {
    const getImage = answers<Image>(notFound(), image("pending"), notFound(), image("available"));
    const waiter = new ImageWaiter(fakeClient(new TurnLimitedClock(), { getImage }));
    await expect(waiter.waitForImage(7, { timeoutMs: 10 * MINUTE })).resolves.toMatchObject({ id: 7, status: "available" });
  });

  test("an image that answers 404 at two checks in a row is gone at the second, whatever a third check would say", async () => {
    const getImage = answers<Image>(notFound(), notFound(), image("available"));
    const waiter = new ImageWaiter(fakeClient(new TurnLimitedClock(), { getImage }));
    await expect(waiter.waitForImage(7, { timeoutMs: 10 * MINUTE })).rejects.toBeInstanceOf(ImageDeletedError);
  });

  test("a progress callback that throws does not end the wait: it runs to its deadline, whose message names the failure", async () => {
    const waiter = new ImageWaiter(fakeClient(new TurnLimitedClock(), { getImage: answers(image("pending")) }), { progressEveryMs: 0 });
    const onProgress = () => {
      throw new Error("the engine's log is closed");
    };
    const error = await waiter.waitForImage(7, { timeoutMs: MINUTE, onProgress }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/ \(last status "pending"\) \(last check failed: the engine's log is closed\)$/);
  });

  test("an errored transfer fails naming what was waited for and the action", async () => {
    const getAction = answers<Action>({ ...transfer(11, "lon1"), status: "errored" });
    const waiter = new ImageWaiter(fakeClient(new TurnLimitedClock(), { getAction }));
    const error = await waiter
      .waitForAction(1, transfer(11, "lon1"), "the transfer of image 1 to lon1", { timeoutMs: 10 * MINUTE })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImportFailedError);
    expect((error as Error).message).toBe("DigitalOcean reported an error for the transfer of image 1 to lon1 (action 11)");
  });

  test("reports a new status at once, and the same status again only after progressEveryMs", async () => {
    const clock = new TurnLimitedClock();
    const getImage = async () => image(clock.now() - start < 2 * MINUTE ? "pending" : "available");
    const start = clock.now();
    const reports: [string, number][] = [];
    const waiter = new ImageWaiter(fakeClient(clock, { getImage }), { progressEveryMs: MINUTE });
    await waiter.waitForImage(7, { timeoutMs: 10 * MINUTE, onProgress: (status, elapsedMs) => reports.push([status, elapsedMs]) });
    expect(reports.map(([status]) => status)).toEqual(["pending", "pending"]);
    expect(reports[1]![1] - reports[0]![1]).toBeGreaterThanOrEqual(MINUTE);
  });

  test("reports an unchanged status again as soon as progressEveryMs has passed, with the time waited so far", async () => {
    const clock = manualClock();
    const start = clock.now();
    const getImage = async () => image(clock.now() - start < 75_000 ? "pending" : "available");
    const reports: [string, number][] = [];
    const waiter = new ImageWaiter(manualClient(clock, { getImage }), {
      minIntervalMs: 10_000,
      maxIntervalMs: 10_000,
      growth: 1,
      progressEveryMs: 30_000,
    });
    await drive(
      clock,
      waiter.waitForImage(7, { timeoutMs: 10 * MINUTE, onProgress: (status, elapsedMs) => reports.push([status, elapsedMs]) }),
    );
    expect(reports).toEqual([
      ["pending", 10_000],
      ["pending", 40_000],
      ["pending", 70_000],
    ]);
  });

  test("reports a running transfer's status every progressEveryMs", async () => {
    const clock = new TurnLimitedClock();
    const start = clock.now();
    const getAction = async () => ({ ...transfer(11, "lon1"), status: clock.now() - start < 150_000 ? "in-progress" : "completed" });
    const reports: string[] = [];
    const waiter = new ImageWaiter(fakeClient(clock, { getAction }), { progressEveryMs: MINUTE });
    await waiter.waitForAction(1, transfer(11, "lon1"), "the transfer of image 1 to lon1", {
      timeoutMs: 10 * MINUTE,
      onProgress: (status) => reports.push(status),
    });
    expect(reports).toEqual(["in-progress", "in-progress"]);
  });
});
