import { clientFor } from "../helpers/emulator-fixture";
import { IMPORT_ID } from "../../src/provider/types";
import { type HostFixture, IN_PLACE, NO_CHANGE, PROGRAM_INPUTS, URN, failureOf, routes, withHostAndEmulator, writes } from "./host-fixture";

/**
 * Adoption through the `import` resource option: CustomImage passes the option's id as the input
 * `IMPORT_ID` (the engine's own import reaches the host without `__provider`), and Create adopts
 * that image instead of importing one.
 */

/** An image made outside Pulumi (the console, doctl): one region, its own name, description and tag. */
async function madeByHand(fixture: HostFixture): Promise<number> {
  const { client } = clientFor(fixture.emulator);
  const image = await client.images.createCustom({
    name: "made-by-hand",
    url: "https://example.com/images/by-hand.qcow2.gz",
    region: "nyc3",
    description: "uploaded in the console",
    tags: ["by-hand"],
  });
  while (fixture.emulator.getImage(image.id)?.status !== "available") await fixture.clock.sleep(1_000);
  return image.id;
}

describe("the import resource option", () => {
  test("Create adopts the image with that id without an import request, updates in place what differs, and later steps see no change", () =>
    withHostAndEmulator({}, async (fixture) => {
      const id = await madeByHand(fixture);
      const program = { regions: ["nyc3", "ams3"], [IMPORT_ID]: String(id) };

      const { result: deployed, requests } = await fixture.requestsDuring(() => fixture.create(program));

      expect(deployed.id).toBe(String(id));
      expect(routes(requests)).not.toContain("POST /v2/images");
      expect(writes(requests).map((write) => write.route)).toEqual(
        expect.arrayContaining([`PUT /v2/images/${id}`, `POST /v2/images/${id}/actions`, "DELETE /v2/tags/by-hand/resources"]),
      );
      const { url, ...fields } = PROGRAM_INPUTS;
      expect(deployed.outputs).toMatchObject({ ...fields, url, regions: ["nyc3", "ams3"], imageId: id, status: "available" });
      const image = fixture.emulator.getImage(id);
      expect({ ...image, regions: image?.regions.sort() }).toMatchObject({ ...fields, regions: ["ams3", "nyc3"] });
      expect(fixture.host.logs.join("\n")).toContain(`Adopting image "made-by-hand" (${id}) (the import option): no import is started`);

      // The program keeps the option: the next preview proposes nothing, a change is in place.
      expect((await fixture.preview(deployed, program)).diff).toEqual(NO_CHANGE);
      const { diff, deployed: updated } = await fixture.update(deployed, { ...program, description: "now managed" });
      expect(diff).toEqual(IN_PLACE);
      expect(fixture.emulator.getImage(id)?.description).toBe("now managed");

      await fixture.destroy(updated);
      expect(fixture.emulator.getImage(id)?.status ?? "deleted").toBe("deleted");
      expect(fixture.emulator.duplicates()).toEqual([]);
    }));

  test("a change that replaces the image while the option is still set fails Diff in one line, before anything is sent", () =>
    withHostAndEmulator({}, async (fixture) => {
      const id = await madeByHand(fixture);
      const deployed = await fixture.create({ [IMPORT_ID]: String(id) });

      const { result: failure, requests } = await fixture.requestsDuring(() =>
        failureOf(fixture.preview(deployed, { [IMPORT_ID]: String(id), url: "https://example.com/images/other.qcow2.gz" })),
      );

      expect(failure.message).toContain(
        `Changing url replaces the image, but the resource still has the import option (id ${id}): remove \`import\` from its resource options, then run \`pulumi up\` again.`,
      );
      expect(requests).toEqual([]);
      // Without the option the same change is an ordinary replacement.
      expect((await fixture.preview(deployed, { url: "https://example.com/images/other.qcow2.gz" })).diff.replaces).toEqual(["url"]);
    }));

  test.each([
    ["a missing image", () => 987654321, "DigitalOcean does not have"],
    [
      "a public image",
      async (fixture: HostFixture) => (await clientFor(fixture.emulator).client.images.list({ type: "distribution" }))[0]!.id,
      "is a public snapshot image, not one of the account's custom images",
    ],
  ] as const)("Create refuses %s with one line that names it, and sends no write", (_case, idOf, reason) =>
    withHostAndEmulator({}, async (fixture) => {
      const id = await idOf(fixture);
      const inputs = await fixture.inputs({ [IMPORT_ID]: String(id) });
      const { inputs: checked } = await fixture.host.check(URN, {}, inputs);

      const { result: failure, requests } = await fixture.requestsDuring(() => failureOf(fixture.host.create(URN, checked)));

      expect(failure.message).toContain(`The import option names image ${id}, which ${reason}; nothing was adopted.`);
      expect(failure.message).not.toContain("\n    at ");
      expect(failure.initFailed).toBeUndefined();
      expect(writes(requests)).toEqual([]);
    }),
  );

  test.each([
    ["text", "my-image", `"my-image"`],
    ["zero", "0", `"0"`],
    ["a fraction", 1.5, "a number"],
  ])("Check rejects an import option that is %s, naming the option", (_case, value, shown) =>
    withHostAndEmulator({}, async (fixture) => {
      const { failures } = await fixture.host.check(URN, {}, await fixture.inputs({ [IMPORT_ID]: value }));
      expect(failures).toEqual([
        {
          property: "import",
          reason: `the import resource option must be the id of a DigitalOcean custom image (a positive integer such as "123456789"), got ${shown}; \`doctl compute image list-user\` lists the account's custom images`,
        },
      ]);
    }),
  );
});
