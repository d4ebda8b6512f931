import { clientFor } from "../helpers/emulator-fixture";
import { accountProblems, customImages, describeEngine, engineFixtures, ops, requestLines } from "../../tools/engine/engine-suite";

const PROJECT = "custom-image-options";

describeEngine("the import resource option through the real CLI", () => {
  const fixtures = engineFixtures();

  it("adopts an image made by hand with its id: no import request, what differs updated in place, then refresh, update and destroy work", async () => {
    const { stack, emulator } = await fixtures.start("options");
    const { client } = clientFor(emulator);
    const made = await client.images.createCustom({
      name: "made-by-hand",
      url: "https://example.com/images/by-hand.qcow2.gz",
      region: "nyc3",
      tags: ["by-hand"],
    });
    while (emulator.getImage(made.id)?.status !== "available") await emulator.clock.sleep(1_000);
    const set = (key: string, value: string) => stack.configSet(`${PROJECT}:${key}`, value);
    await set("importId", String(made.id));
    await set("regions", '["nyc3","ams3"]');

    const before = emulator.requests.length;
    // Pulumi's own import cannot reach a dynamic provider, so the preview shows a create, and sends nothing.
    expect(ops(await stack.preview())).toEqual(["create image"]);
    expect(requestLines(emulator, before)).toEqual([]);
    const adopted = await stack.up();
    expect(ops(adopted)).toEqual(["create image"]);
    expect(requestLines(emulator, before)).not.toContain("POST /v2/images");
    const [resource] = customImages(await stack.exportState());
    expect(resource).toMatchObject({ id: String(made.id) });
    expect(resource!.outputs).toMatchObject({ imageId: made.id, status: "available", regions: ["nyc3", "ams3"], tags: ["options"] });
    expect(await stack.outputs()).toEqual({ imageIds: [made.id] });
    expect(emulator.getImage(made.id)).toMatchObject({ name: "image", description: "resource options", tags: ["options"] });
    expect((await stack.preview(["--expect-no-changes"], { allowFailure: true })).code).toBe(0);

    // Drift out of band, refresh, and the next up repairs it in place.
    emulator.mutateImage(made.id, { name: "renamed-outside" });
    await stack.refresh();
    await set("description", "managed now");
    expect(ops(await stack.up())).toEqual(["update image"]);
    expect(emulator.getImage(made.id)).toMatchObject({ name: "image", description: "managed now" });

    // Replacing while the option is still set is refused in one line; without it, it is a replacement.
    await set("imageUrl", "https://example.com/images/other.qcow2.gz");
    const refused = await stack.up([], { allowFailure: true });
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toContain(
      `Changing url replaces the image, but the resource still has the import option (id ${made.id}): remove \`import\` from its resource options, then run \`pulumi up\` again.`,
    );
    expect(emulator.getImage(made.id)?.status).toBe("available");
    await set("imageUrl", "https://example.com/images/options.qcow2.gz");

    expect(accountProblems(emulator, await stack.exportState())).toEqual([]);
    await stack.destroy();
    expect(emulator.getImage(made.id)?.status ?? "deleted").toBe("deleted");
    expect(emulator.duplicates()).toEqual([]);
  });

  it("an import option naming no image fails the up in one line and records nothing", async () => {
    const { stack, emulator } = await fixtures.start("options", { config: { [`${PROJECT}:importId`]: "987654321" } });
    const failed = await stack.up([], { allowFailure: true });
    expect(failed.code).not.toBe(0);
    const output = `${failed.stdout}${failed.stderr}`;
    expect(output).toContain(
      "The import option names image 987654321, which DigitalOcean does not have; nothing was adopted. Check the id: `doctl compute image list-user` lists the account's custom images.",
    );
    expect(output).not.toMatch(/\n\s+at /);
    expect(customImages(await stack.exportState())).toEqual([]);
    expect(requestLines(emulator).filter((line) => !line.startsWith("GET"))).toEqual([]);
  });
});
