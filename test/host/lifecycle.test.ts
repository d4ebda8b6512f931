import { importMarker } from "../../src/provider/import-marker";
import { type Deployed, IN_PLACE, NO_CHANGE, PROGRAM_INPUTS, replacing, routes, URN, withHostAndEmulator, writes } from "./host-fixture";

/**
 * `pulumi up` and `pulumi destroy` of a CustomImage through Pulumi's real dynamic-provider host:
 * Check → Create for a new image, Check → Diff → Update for a changed one, Create then Delete
 * for a replacement, and Delete.
 */

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe("create", () => {
  test("imports an image into one region with one POST, removes its import marker, and returns every output, __provider included", () =>
    withHostAndEmulator({}, async (fixture) => {
      const { result: deployed, requests } = await fixture.requestsDuring(() => fixture.create());

      const { regions: _regions, ...imported } = PROGRAM_INPUTS;
      const marker = importMarker({ ...PROGRAM_INPUTS, regions: [...PROGRAM_INPUTS.regions] });
      const markerPath = `/v2/tags/${encodeURIComponent(marker)}`;
      expect(writes(requests)).toEqual([
        { route: "POST /v2/images", body: { ...imported, tags: [...PROGRAM_INPUTS.tags, marker], region: "nyc3" } },
        { route: `DELETE ${markerPath}`, body: undefined },
      ]);
      expect(deployed.outputs).toEqual({
        ...PROGRAM_INPUTS,
        createTimeoutMinutes: 60,
        transferTimeoutMinutes: 60,
        imageId: Number(deployed.id),
        status: "available",
        errorMessage: "",
        sizeGigabytes: expect.any(Number),
        minDiskSize: 20,
        createdAt: expect.stringMatching(ISO_8601),
        slug: null,
        type: "custom",
        public: false,
        __provider: deployed.inputs.__provider,
      });
      expect(fixture.emulator.getImage(Number(deployed.id))).toMatchObject({ status: "available", regions: ["nyc3"] });
      expect(fixture.emulator.audit()).toHaveLength(1);
    }));

  test("imports into the first region, then transfers to the others in parallel", () =>
    // Compares simulated times: at 0.001 a millisecond of latency would be a simulated second.
    withHostAndEmulator({ scale: 0.01, emulator: { transferDurationMs: 40_000 } }, async (fixture) => {
      const deployed = await fixture.create({ regions: ["nyc3", "ams3", "sgp1"] });

      const posts = fixture.emulator.requests.filter((request) => request.method === "POST");
      const [imported, ...sent] = posts;
      expect(imported).toMatchObject({ path: "/v2/images", body: { region: "nyc3" } });
      // Transfers start once the import (30 simulated seconds) is available.
      expect(sent.every((request) => request.path === `/v2/images/${deployed.id}/actions` && request.at >= imported!.at + 30_000)).toBe(
        true,
      );
      expect(sent.map((request) => request.body)).toEqual(
        expect.arrayContaining([
          { type: "transfer", region: "ams3" },
          { type: "transfer", region: "sgp1" },
        ]),
      );
      expect(sent).toHaveLength(2);
      // One after the other, the second would start only when the first completed, 40 s later.
      expect(Math.abs(sent[0]!.at - sent[1]!.at)).toBeLessThan(30_000);
      expect(deployed.outputs).toMatchObject({ regions: ["nyc3", "ams3", "sgp1"], status: "available" });
      expect(fixture.emulator.getImage(Number(deployed.id))?.regions.sort()).toEqual(["ams3", "nyc3", "sgp1"]);
    }));

  test("images created at once in one host are waited for together, by one listing of private images per poll", () =>
    // At 0.001 each poll's latency would stretch the interval to several simulated seconds.
    withHostAndEmulator({ scale: 0.01, emulator: { importDurationMs: 60_000 } }, async (fixture) => {
      const names = ["web", "db", "cache", "queue", "search"];

      const created = await Promise.all(names.map((name) => fixture.create({ name, url: `https://example.com/images/${name}.qcow2.gz` })));

      expect(created.map((deployed) => deployed.outputs.status)).toEqual(names.map(() => "available"));
      const polls = fixture.emulator.requests.filter((request) => request.method === "GET");
      const listings = polls.filter((request) => request.path === "/v2/images" && request.query.private === "true");
      // Each poll costs one listing, not a GET per image; only a wait alone (the first before the
      // others start, the last after they end) would GET its own image.
      expect(listings.length).toBeGreaterThanOrEqual(5);
      expect(polls.length - listings.length).toBeLessThan(listings.length);
    }));

  test.each([
    [
      "a program whose inputs DigitalOcean reports differently",
      { regions: ["nyc3", "ams3"], distribution: "ubuntu", tags: ["pulumi", "Golden"] },
    ],
    ["a program without description or tags", { description: undefined, tags: undefined }],
  ])("Diff right after create reports no change for %s, and calls no API", (_sentence, program) =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create(program);

      const { result, requests } = await fixture.requestsDuring(() => fixture.preview(deployed, program));

      expect(result.diff).toEqual(NO_CHANGE);
      expect(requests).toEqual([]);
    }),
  );
});

describe("update in place", () => {
  const id = (deployed: Deployed) => `/v2/images/${deployed.id}`;

  test.each([
    ["renames the image with one PUT of the name", { name: "renamed" }, { name: "renamed" }],
    ["changes the description with one PUT", { description: "Flatcar, updated" }, { description: "Flatcar, updated" }],
    ["clears the description with one PUT of an empty string", { description: "" }, { description: "" }],
    ["changes the distribution with one PUT of its canonical name", { distribution: "debian" }, { distribution: "Debian" }],
  ])("%s", (_sentence, overrides: Record<string, string>, sent: Record<string, string>) =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create();

      const { result, requests } = await fixture.requestsDuring(() => fixture.update(deployed, overrides));

      expect(result.diff).toEqual(IN_PLACE);
      expect(routes(requests)).toEqual([`GET ${id(deployed)}`, `PUT ${id(deployed)}`]);
      expect(requests[1]!.body).toEqual(sent);
      expect(result.deployed.outputs).toEqual({ ...deployed.outputs, ...sent });
      expect(fixture.emulator.getImage(Number(deployed.id))).toMatchObject(sent);
      expect((await fixture.preview(result.deployed, overrides)).diff).toEqual(NO_CHANGE);
    }),
  );

  // Provider bug: Diff compares a missing description as "" (an update), but Update sends nothing
  // for it, so the old description stays and every later preview proposes the same update.
  // Flip to `test` once fixed (either Update clears the description, or Diff ignores its absence).
  test("removing description from the program leaves no diff for later previews to repeat", () =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create();

      const { deployed: updated } = await fixture.update(deployed, { description: undefined });

      expect(updated.outputs.description).toBe(fixture.emulator.getImage(Number(deployed.id))?.description);
      expect((await fixture.preview(updated, { description: undefined })).diff).toEqual(NO_CHANGE);
    }));

  test("adds and removes tags through the tag endpoints, without touching the image", () =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create();
      const resources = [{ resource_id: deployed.id, resource_type: "image" }];

      const { result, requests } = await fixture.requestsDuring(() => fixture.update(deployed, { tags: ["pulumi", "golden"] }));

      expect(result.diff).toEqual(IN_PLACE);
      // Adding and removing run in parallel: compare without order.
      expect(writes(requests)).toHaveLength(3);
      expect(writes(requests)).toEqual(
        expect.arrayContaining([
          { route: "POST /v2/tags", body: { name: "golden" } },
          { route: "POST /v2/tags/golden/resources", body: { resources } },
          { route: "DELETE /v2/tags/custom-image-basic/resources", body: { resources } },
        ]),
      );
      expect(result.deployed.outputs).toEqual({ ...deployed.outputs, tags: ["pulumi", "golden"] });
      expect(fixture.emulator.getImage(Number(deployed.id))?.tags).toEqual(["pulumi", "golden"]);
      expect((await fixture.preview(result.deployed, { tags: ["pulumi", "golden"] })).diff).toEqual(NO_CHANGE);
    }));

  test("records a changed createTimeoutMinutes without changing anything at DigitalOcean", () =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create();

      const { result, requests } = await fixture.requestsDuring(() => fixture.update(deployed, { createTimeoutMinutes: 90 }));

      expect(result.diff).toEqual(IN_PLACE);
      expect(routes(requests)).toEqual([`GET ${id(deployed)}`]);
      expect(result.deployed.outputs).toEqual({ ...deployed.outputs, createTimeoutMinutes: 90 });
    }));

  test("transfers the image to an added region", () =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create();

      const { result, requests } = await fixture.requestsDuring(() => fixture.update(deployed, { regions: ["nyc3", "ams3"] }));

      expect(result.diff).toEqual(IN_PLACE);
      expect(writes(requests)).toEqual([{ route: `POST ${id(deployed)}/actions`, body: { type: "transfer", region: "ams3" } }]);
      expect(result.deployed.outputs).toEqual({ ...deployed.outputs, regions: ["nyc3", "ams3"] });
      expect(fixture.emulator.getImage(Number(deployed.id))?.regions).toEqual(["nyc3", "ams3"]);
      expect((await fixture.preview(result.deployed, { regions: ["nyc3", "ams3"] })).diff).toEqual(NO_CHANGE);
    }));
});

describe("replacement", () => {
  test("a new url replaces the image: the new one is created before the old one is deleted", () =>
    withHostAndEmulator({}, async (fixture) => {
      const old = await fixture.create();
      const url = "https://example.com/images/flatcar-4152.qcow2.gz";

      const { result, requests } = await fixture.requestsDuring(() => fixture.preview(old, { url }));
      expect(result.diff).toEqual(replacing("url"));
      expect(requests).toEqual([]);

      // The engine's create-before-delete replacement.
      const { id, properties } = await fixture.host.create(URN, result.checked);
      await fixture.destroy(old);

      expect(id).not.toBe(old.id);
      expect(properties).toMatchObject({ url, status: "available" });
      expect(fixture.emulator.audit()).toEqual([
        expect.objectContaining({ id: Number(old.id), fate: "deleted" }),
        expect.objectContaining({ id: Number(id), url, fate: "available" }),
      ]);
    }));

  test("removing a region replaces the image, since DigitalOcean cannot take an image out of a region", () =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create({ regions: ["nyc3", "ams3"] });

      const { result, requests } = await fixture.requestsDuring(() => fixture.preview(deployed, { regions: ["nyc3"] }));

      expect(result.diff).toEqual(replacing("regions"));
      expect(requests).toEqual([]);
    }));

  test("a presigned URL signed again (only X-Amz-Signature and X-Amz-Date differ) is no change", () =>
    withHostAndEmulator({}, async (fixture) => {
      const signed = (date: string, signature: string) =>
        "https://images.nyc3.digitaloceanspaces.com/flatcar.qcow2.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
        `&X-Amz-Credential=DO00EXAMPLE%2F20261123%2Fnyc3%2Fs3%2Faws4_request&X-Amz-Date=${date}&X-Amz-Expires=3600` +
        `&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}`;
      const deployed = await fixture.create({ url: signed("20261123T120000Z", "a".repeat(64)) });

      const { result, requests } = await fixture.requestsDuring(() =>
        fixture.preview(deployed, { url: signed("20261124T090000Z", "b".repeat(64)) }),
      );

      expect(result.diff).toEqual(NO_CHANGE);
      expect(requests).toEqual([]);
    }));
});

describe("delete", () => {
  test("deletes the image, and deleting it again succeeds on DigitalOcean's 'already deleted' answer", () =>
    // DigitalOcean answers "already deleted" while the image lingers: long enough for any scheduling delay.
    withHostAndEmulator({ emulator: { deletedLingerMs: 60 * 60_000 } }, async (fixture) => {
      const deployed = await fixture.create();

      const { requests } = await fixture.requestsDuring(async () => {
        await fixture.destroy(deployed);
        await fixture.destroy(deployed);
      });

      expect(requests.map((request) => [request.method, request.path, request.status])).toEqual([
        ["DELETE", `/v2/images/${deployed.id}`, 204],
        ["DELETE", `/v2/images/${deployed.id}`, 422],
      ]);
      expect(fixture.emulator.audit()).toEqual([expect.objectContaining({ id: Number(deployed.id), status: "deleted", fate: "deleted" })]);
    }));

  test("deleting an image DigitalOcean no longer knows (404) succeeds", () =>
    withHostAndEmulator({ emulator: { deletedLingerMs: 0 } }, async (fixture) => {
      const deployed = await fixture.create();
      fixture.emulator.deleteImageOutOfBand(Number(deployed.id));

      const { requests } = await fixture.requestsDuring(() => fixture.destroy(deployed));

      expect(requests.map((request) => [request.method, request.path, request.status])).toEqual([
        ["DELETE", `/v2/images/${deployed.id}`, 404],
      ]);
    }));
});
