import { DigitalOceanClient } from "../../src/client/digitalocean-client";
import { type HostFixture, failureOf, NO_CHANGE, TOKEN, URN, withHostAndEmulator, writes } from "./host-fixture";

/**
 * The provider through the SDK's host against behaviours of DigitalOcean's API that its OpenAPI
 * description states only in prose or not at all (packages/emulator/README.md, "Behaviour"; sources
 * in packages/emulator/digitalocean-openapi/SOURCE.md).
 */

/** Another tool using the same token, as DigitalOcean would see it. */
function otherTool(fixture: HostFixture): DigitalOceanClient {
  return new DigitalOceanClient({ token: TOKEN, apiEndpoint: fixture.emulator.url, clock: fixture.clock, rateBudget: { reserve: 0 } });
}

describe("tag names, which DigitalOcean treats case-insensitively keeping the first spelling", () => {
  test("a program's tags that exist in another capitalization are applied in DigitalOcean's spelling, and the next preview shows no change", () =>
    withHostAndEmulator({}, async (fixture) => {
      const other = otherTool(fixture);
      await other.tags.create("PULUMI");
      await other.tags.create("Team-A");
      const deployed = await fixture.create();
      expect(deployed.outputs.tags).toEqual(["PULUMI", "custom-image-basic"]);
      expect(await fixture.preview(deployed)).toMatchObject({ diff: NO_CHANGE });

      // Adding a tag that exists as `Team-A` assigns it through /v2/tags/Team-A/resources, the spelling URLs must use.
      const { deployed: updated, requests } = await fixture
        .requestsDuring(() => fixture.update(deployed, { tags: ["pulumi", "custom-image-basic", "team-a"] }))
        .then(({ result, requests }) => ({ deployed: result.deployed, requests }));
      expect(writes(requests).map((write) => write.route)).toContain("POST /v2/tags/Team-A/resources");
      expect(updated.outputs.tags).toEqual(["PULUMI", "custom-image-basic", "Team-A"]);
      expect(await fixture.preview(updated, { tags: ["pulumi", "custom-image-basic", "team-a"] })).toMatchObject({ diff: NO_CHANGE });
    }));
});

describe("distributions outside DigitalOcean's list, which it accepts and stores as Unknown", () => {
  test("the provider never sends one: Unknown OS and any spelling of a known name go out as DigitalOcean's enum value", () =>
    // withHostAndEmulator fails the test on any violation, `deviation` included.
    withHostAndEmulator({}, async (fixture) => {
      const unknown = await fixture.create({ distribution: "Unknown OS" });
      const { deployed } = await fixture.update(unknown, { distribution: "rocky linux" });
      expect(deployed.outputs.distribution).toBe("Rocky Linux");
      const bodies = fixture.emulator.requests
        .filter((request) => request.method === "POST" || request.method === "PUT")
        .map((request) => request.body as { distribution?: string });
      expect(bodies.map((body) => body.distribution).filter(Boolean)).toEqual(["Unknown", "Rocky Linux"]);
    }));

  test("a distribution DigitalOcean does not know is refused at check, before any request", () =>
    withHostAndEmulator({}, async (fixture) => {
      const { failures } = await fixture.host.check(URN, {}, await fixture.inputs({ distribution: "Talos" }));
      expect(failures).toEqual([{ property: "distribution", reason: expect.stringContaining("Talos") }]);
      expect(fixture.emulator.requests).toEqual([]);
    }));
});

describe("regions opened after the spec's enum", () => {
  test("atl1 passes check with a warning, is imported into and transferred to, and the next preview shows no change", () =>
    withHostAndEmulator({}, async (fixture) => {
      const { failures } = await fixture.host.check(URN, {}, await fixture.inputs({ regions: ["atl1", "nyc3"] }));
      expect(failures).toEqual([]);
      const deployed = await fixture.create({ regions: ["atl1", "nyc3"] });
      expect(deployed.outputs.regions).toEqual(["atl1", "nyc3"]);
      expect(fixture.emulator.audit()).toEqual([expect.objectContaining({ region: "atl1", fate: "available" })]);
      expect(await fixture.preview(deployed, { regions: ["atl1", "nyc3"] })).toMatchObject({ diff: NO_CHANGE });
      expect(fixture.host.logs.join("\n")).toMatch(/regions\[0\] "atl1" is not in DigitalOcean's published list/);
    }));
});

describe("rate limits", () => {
  // At 0.01 the other tool's 20 requests and the host's first one fit in a simulated minute; the hour
  // a wrong reading of the burst 429 would wait is 36 real seconds, past this test's timeout.
  test(
    "a burst-limit 429 met because another tool spent the minute delays the create by retry-after, not until the hourly ratelimit-reset",
    () =>
      withHostAndEmulator(
        { scale: 0.01, emulator: { rateLimit: { perMinute: 20, perHour: 5000 }, importDurationMs: 30_000 } },
        async (fixture) => {
          const other = otherTool(fixture);
          const inputs = await fixture.inputs();
          const { inputs: checked } = await fixture.host.check(URN, {}, inputs);
          await Promise.all(Array.from({ length: 20 }, () => other.tags.create("busy")));
          const started = fixture.clock.now();
          const { properties } = await fixture.host.create(URN, checked);
          expect(properties.status).toBe("available");
          const limited = fixture.emulator.requests.find((request) => request.status === 429);
          expect(limited).toBeDefined();
          // The documented burst answer reached the provider: retry-after of at most a minute, the import 30 s.
          expect(fixture.clock.now() - started).toBeLessThan(5 * 60_000);
        },
      ),
    60_000,
  );

  test("an hourly 429 met because another tool spent the hour, which carries no retry-after, delays the create until ratelimit-reset, then it completes", () =>
    withHostAndEmulator({ emulator: { rateLimit: { perMinute: 250, perHour: 25 }, importDurationMs: 30_000 } }, async (fixture) => {
      const other = otherTool(fixture);
      const spentFrom = fixture.clock.now();
      await Promise.all(Array.from({ length: 25 }, () => other.tags.create("busy")));
      const deployed = await fixture.create();
      expect(deployed.outputs.status).toBe("available");
      const limited = fixture.emulator.requests.filter((request) => request.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      // Nothing is admitted before the other tool's first request leaves the hour.
      const admitted = fixture.emulator.requests.filter(
        (request) => request.path === "/v2/images" && request.method === "POST" && request.status === 202,
      );
      expect(admitted).toHaveLength(1);
      expect(admitted[0]!.at - spentFrom).toBeGreaterThanOrEqual(60 * 60_000 - 1_000);
      expect(fixture.clock.now() - spentFrom).toBeLessThan(75 * 60_000);
    }));
});

describe("imports DigitalOcean refuses", () => {
  test.each([
    [
      "a gzip-compressed tar archive",
      "https://example.com/images/talos.tar.gz",
      undefined,
      /We don't support the compression format of your image\. Please try again with a supported format \(gzip, bzip2\) or an uncompressed image file\./,
    ],
    [
      "a server that does not answer HEAD",
      "https://cdn.example.com/images/flatcar.qcow2.gz",
      "cdn.example.com",
      /Failed to download image from URL: https:\/\/cdn\.example\.com\/images\/flatcar\.qcow2\.gz \(the server does not support HEAD requests\)/,
    ],
  ])("%s fails the create with DigitalOcean's error_message and leaves nothing behind", (_case, url, refuseHead, message) =>
    // The failed image lingers `deleted` for a simulated hour: at this scale the default minute is
    // 60 real ms, which a poll on a busy machine can miss (then the image has simply disappeared).
    withHostAndEmulator({ emulator: { deletedLingerMs: 60 * 60_000 } }, async (fixture) => {
      if (refuseHead) fixture.emulator.refuseHead(refuseHead);
      const error = await failureOf(fixture.create({ url }));
      expect(error.message).toMatch(message);
      expect(error.initFailed).toBeUndefined();
      expect(fixture.emulator.audit()).toEqual([expect.objectContaining({ fate: "failed", status: "deleted" })]);
    }),
  );
});

describe("images DigitalOcean retires", () => {
  test("a refresh keeps a retired image with its status, and an update that needs a transfer fails naming the status without deleting the image", () =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create();
      fixture.emulator.retireImage(Number(deployed.id));
      const refreshed = await fixture.host.read(deployed.id, URN, deployed.outputs, deployed.inputs);
      expect(refreshed.id).toBe(deployed.id);
      expect(refreshed.properties.status).toBe("retired");
      const error = await failureOf(fixture.update({ ...deployed, outputs: refreshed.properties }, { regions: ["nyc3", "ams3"] }));
      expect(error.message).toContain(`can not be transferred while its status is retired`);
      expect(error.initFailed?.id).toBe(deployed.id);
      expect(fixture.emulator.audit()).toEqual([expect.objectContaining({ status: "retired" })]);
    }));
});

describe("a token without a scope the provider needs", () => {
  test("fails the create before anything exists, naming tag:create, which the import marker needs", () =>
    withHostAndEmulator(
      {
        emulator: {
          tokens: [{ token: TOKEN, scopes: ["image:create", "image:read", "image:update", "image:delete", "tag:read", "tag:delete"] }],
        },
      },
      async (fixture) => {
        const error = await failureOf(fixture.create());
        expect(error.message).toMatch(
          /403 forbidden: You do not have access for the attempted action\. This request needs the token scopes image:create and tag:create/,
        );
        expect(error.message).not.toContain(TOKEN);
        expect(error.initFailed).toBeUndefined();
        expect(fixture.emulator.audit()).toEqual([]);
      },
    ));
});

describe("deleted images, which answer status deleted for a while before 404", () => {
  test("while it lingers, a refresh reports the image gone and a second destroy succeeds; after, both still do", () =>
    withHostAndEmulator({ emulator: { deletedLingerMs: 60 * 60_000 } }, async (fixture) => {
      const deployed = await fixture.create();
      await fixture.destroy(deployed);
      expect(fixture.emulator.getImage(Number(deployed.id))?.status).toBe("deleted");
      expect((await fixture.host.read(deployed.id, URN, deployed.outputs, deployed.inputs)).id).toBe("");
      await fixture.destroy(deployed);
      const deletes = fixture.emulator.requests.filter(
        (request) => request.method === "DELETE" && request.path === `/v2/images/${deployed.id}`,
      );
      expect(deletes.map((request) => request.status)).toEqual([204, 422]);
    }));
});

describe("image actions, which DigitalOcean answers 404 without a type", () => {
  test("every action the provider starts names its type", () =>
    withHostAndEmulator({}, async (fixture) => {
      await fixture.create({ regions: ["nyc3", "ams3", "sgp1"] });
      const actions = fixture.emulator.requests.filter((request) => request.method === "POST" && request.path.endsWith("/actions"));
      expect(actions.map((request) => request.body)).toEqual([
        { type: "transfer", region: expect.any(String) },
        { type: "transfer", region: expect.any(String) },
      ]);
    }));
});
