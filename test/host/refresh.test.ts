import type { ImagePatch } from "pulumi-digitalocean-custom-image-emulator";
import { customImageUrn } from "../../tools/provider-host/engine-values";
import { serializedProvider } from "../../tools/provider-host/provider-host";
import { ADOPTING } from "../../src/provider/types";
import {
  type Deployed,
  type HostFixture,
  IN_PLACE,
  NO_CHANGE,
  PROGRAM_INPUTS,
  replacing,
  routes,
  TOKEN,
  URN,
  withHostAndEmulator,
} from "./host-fixture";

/**
 * `pulumi refresh` (Read with the state's outputs and inputs), what the next preview makes of the
 * refreshed state, and adoption through `CustomImage.get` (Read with only an id and inputs).
 */

/** A refresh as the engine does it: Read with the state's outputs and inputs; the new state keeps the inputs. */
async function refresh(fixture: HostFixture, deployed: Deployed): Promise<{ id: string; deployed: Deployed }> {
  const { id, properties } = await fixture.host.read(deployed.id, URN, deployed.outputs, deployed.inputs);
  return { id, deployed: { ...deployed, outputs: properties } };
}

describe("refresh", () => {
  test("Read returns the live image with one GET, and outputs equal to those create returned", () =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create({ regions: ["nyc3", "ams3"] });

      const { result, requests } = await fixture.requestsDuring(() => refresh(fixture, deployed));

      expect(routes(requests)).toEqual([`GET /v2/images/${deployed.id}`]);
      expect(result.id).toBe(deployed.id);
      expect(result.deployed.outputs).toEqual(deployed.outputs);
    }));

  type DriftCase = [sentence: string, patch: Partial<ImagePatch>, refreshed: Record<string, unknown>];
  test.each<DriftCase>([
    ["a name changed outside Pulumi", { name: "renamed-outside" }, { name: "renamed-outside" }],
    ["a description changed outside Pulumi", { description: "changed outside" }, { description: "changed outside" }],
    ["a description cleared outside Pulumi", { description: "" }, { description: "" }],
    ["a distribution changed outside Pulumi", { distribution: "Debian" }, { distribution: "Debian" }],
    ["a tag added and one removed outside Pulumi", { tags: ["pulumi", "added-outside"] }, { tags: ["pulumi", "added-outside"] }],
    ["a region the image lost", { regions: ["nyc3"] }, { regions: ["nyc3"], requestedRegions: ["nyc3", "ams3"] }],
  ])("%s shows in Read, then in Diff as an update, and the update restores the program's value", (_sentence, patch, refreshed) =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create({ regions: ["nyc3", "ams3"] });
      fixture.emulator.mutateImage(Number(deployed.id), patch);

      const { deployed: drifted } = await refresh(fixture, deployed);
      expect(drifted.outputs).toEqual({ ...deployed.outputs, ...refreshed });

      const { diff, deployed: repaired } = await fixture.update(drifted, { regions: ["nyc3", "ams3"] });
      expect(diff).toEqual(IN_PLACE);
      expect(repaired.outputs).toEqual(deployed.outputs);
      const { url: _url, regions: _regions, ...fields } = PROGRAM_INPUTS;
      const image = fixture.emulator.getImage(Number(deployed.id));
      expect({ ...image, regions: image?.regions.sort() }).toMatchObject({ ...fields, regions: ["ams3", "nyc3"] });
    }),
  );

  test("a region added outside Pulumi is kept: Read warns and leaves it out, Diff proposes no replacement, and only dropping a listed region replaces", () =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create({ regions: ["nyc3", "ams3"] });
      fixture.emulator.mutateImage(Number(deployed.id), { regions: ["sgp1", "ams3", "nyc3"] });

      const { deployed: drifted } = await refresh(fixture, deployed);

      expect(drifted.outputs).toEqual(deployed.outputs);
      expect(fixture.host.logs.join("\n")).toContain(
        `image "basic" (${deployed.id}) is also in region sgp1, which the program does not list (transferred outside Pulumi). It stays there and is left out of the \`regions\` output; add it to \`regions\` to manage it.`,
      );
      expect((await fixture.preview(drifted, { regions: ["nyc3", "ams3"] })).diff).toEqual(NO_CHANGE);
      expect((await fixture.preview(drifted, { regions: ["ams3", "nyc3", "sgp1"] })).diff).toEqual(IN_PLACE);
      expect((await fixture.preview(drifted, { regions: ["nyc3"] })).diff).toEqual(replacing("regions"));

      const { result, requests } = await fixture.requestsDuring(() => fixture.update(drifted, { regions: ["nyc3", "ams3", "sgp1"] }));
      expect(result.diff).toEqual(IN_PLACE);
      expect(result.deployed.outputs.regions).toEqual(["nyc3", "ams3", "sgp1"]);
      // Listing it adopts the region: nothing to transfer.
      expect(routes(requests)).toEqual([`GET /v2/images/${deployed.id}`]);
    }));

  test.each([
    ["while DigitalOcean still answers it as deleted", 60 * 60_000, 200],
    ["once DigitalOcean answers 404", 0, 404],
  ])("an image deleted outside Pulumi reads as gone (no id) %s", (_sentence, deletedLingerMs, status) =>
    withHostAndEmulator({ emulator: { deletedLingerMs } }, async (fixture) => {
      const deployed = await fixture.create();
      fixture.emulator.deleteImageOutOfBand(Number(deployed.id));

      const { result, requests } = await fixture.requestsDuring(() =>
        fixture.host.read(deployed.id, URN, deployed.outputs, deployed.inputs),
      );

      expect(requests.map((request) => [request.path, request.status])).toEqual([[`/v2/images/${deployed.id}`, status]]);
      expect(result.id).toBe("");
      expect(result.properties).not.toHaveProperty("imageId");
    }),
  );
});

describe("adoption through CustomImage.get", () => {
  /** An image imported through the API outside Pulumi, and available. */
  async function importOutsidePulumi(fixture: HostFixture): Promise<number> {
    const response = await fetch(`${fixture.emulator.url}/v2/images`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "golden-flatcar",
        url: "https://example.com/images/golden.qcow2.gz",
        region: "ams3",
        distribution: "CoreOS",
        description: "golden",
        tags: ["golden"],
      }),
    });
    const { image } = (await response.json()) as { image: { id: number } };
    await fixture.clock.sleep(40_000); // the emulator's import takes 30 simulated seconds
    return image.id;
  }

  // The engine sends no outputs for a `get`, only the inputs the program gave: `CustomImage.get`
  // gives the resource name as `name` and the adoption marker besides `__provider`.
  test.each([
    ["only __provider", {}],
    ["__provider and the resource name", { name: "adopted" }],
    // The marker stays out of the outputs: a later refresh, which gets the outputs, finds a missing image gone.
    ["__provider, the resource name and the adoption marker (what CustomImage.get sends)", { name: "adopted", [ADOPTING]: true }],
  ])("Read given an id and %s adopts the existing image with all its outputs", (_sentence, given) =>
    withHostAndEmulator({}, async (fixture) => {
      const id = await importOutsidePulumi(fixture);
      const __provider = await serializedProvider();

      const { result, requests } = await fixture.requestsDuring(() =>
        fixture.host.read(String(id), customImageUrn("adopted"), {}, { ...given, __provider }),
      );

      expect(routes(requests)).toEqual([`GET /v2/images/${id}`]);
      // DigitalOcean does not report the url an image was imported from, so adoption cannot either.
      expect(result).toEqual({
        id: String(id),
        properties: {
          regions: ["ams3"],
          name: "golden-flatcar",
          description: "golden",
          distribution: "CoreOS",
          tags: ["golden"],
          imageId: id,
          status: "available",
          errorMessage: "",
          sizeGigabytes: expect.any(Number),
          minDiskSize: 20,
          createdAt: expect.stringMatching(/^\d{4}-/),
          slug: null,
          type: "custom",
          public: false,
          __provider,
        },
      });
    }),
  );

  test.each([
    ["answers 404", 0, 404, /DigitalOcean API GET \/v2\/images\/\d+ failed: 404 not_found: /],
    ["still answers it as deleted", 60 * 60_000, 200, /DigitalOcean reports it as deleted/],
  ])(
    "Read for CustomImage.get of an image DigitalOcean %s fails naming the id and how to find the right one",
    (_sentence, deletedLingerMs, status, answer) =>
      withHostAndEmulator({ emulator: { deletedLingerMs } }, async (fixture) => {
        const deployed = await fixture.create();
        fixture.emulator.deleteImageOutOfBand(Number(deployed.id));
        const __provider = await serializedProvider();

        const { result, requests } = await fixture.requestsDuring(() =>
          fixture.host.read(deployed.id, customImageUrn("adopted"), {}, { name: "adopted", [ADOPTING]: true, __provider }).then(
            () => undefined,
            (error: unknown) => error as Error,
          ),
        );

        expect(requests.map((request) => [request.path, request.status])).toEqual([[`/v2/images/${deployed.id}`, status]]);
        expect(result?.message).toContain(`CustomImage.get found no image ${deployed.id}: `);
        expect(result?.message).toMatch(answer);
        expect(result?.message).toContain("Check the id: `doctl compute image list-user` lists the account's custom images.");
        expect(result?.message).not.toContain(TOKEN);
      }),
  );
});
