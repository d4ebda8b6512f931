import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { clientFor } from "../helpers/emulator-fixture";
import { customImages, describeEngine, engineFixtures } from "../../tools/engine/engine-suite";

const PROJECT = "custom-image-lookups";
const TYPE = "pulumi-nodejs:dynamic/digitalocean:CustomImage";

describeEngine("adopting and looking up images through the real CLI", () => {
  const fixtures = engineFixtures();

  /** An image made outside Pulumi, available. */
  const existingImage = async () => {
    const { emulator } = fixtures.current;
    const { client } = clientFor(emulator);
    const image = await client.images.createCustom({
      name: "made-by-hand",
      url: "https://example.com/images/by-hand.qcow2.gz",
      region: "nyc3",
      tags: ["by-hand"],
    });
    while (emulator.getImage(image.id)?.status !== "available") await emulator.clock.sleep(1_000);
    return image.id;
  };

  it("CustomImage.get adopts an image read-only, getImage and getImages run inside the program, destroy leaves the adopted image", async () => {
    await fixtures.start("lookups");
    const { stack, emulator } = fixtures.current;
    const id = await existingImage();
    await stack.configSet(`${PROJECT}:adoptId`, String(id));
    await stack.configSet(`${PROJECT}:tag`, "by-hand");

    await stack.up();
    const [adopted] = customImages(await stack.exportState());
    expect(adopted).toMatchObject({ id: String(id), external: true });
    expect(await stack.outputs()).toEqual({
      adoptedName: "made-by-hand",
      adoptedRegions: ["nyc3"],
      ubuntuId: expect.any(Number),
      taggedIds: [id],
    });
    expect((await stack.preview(["--expect-no-changes"], { allowFailure: true })).code).toBe(0);

    await stack.destroy();
    expect(emulator.getImage(id)?.status).toBe("available");
    expect(emulator.requests.filter((request) => request.method !== "GET" && request.path !== "/v2/images")).toEqual([]);
    expect(emulator.violations).toEqual([]);
  });

  it("pulumi import fails in the dynamic-provider host, which gets no serialized provider, and imports nothing, also from a file with the image's inputs and outputs", async () => {
    await fixtures.start("lookups");
    const { stack, emulator } = fixtures.current;
    const id = await existingImage();
    const before = emulator.requests.length;
    const result = await stack.pulumi(["import", TYPE, "imported", String(id), "--yes", "--generate-code=false"], { allowFailure: true });
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/Preview failed: code must be a string, not undefined/);

    // With `outputs` in an import file the engine skips the provider's Read, but it still checks the
    // file's `inputs` through the provider, and the host finds no serialized provider there either.
    const inputs = { url: "https://example.com/images/by-hand.qcow2.gz", regions: ["nyc3"], name: "made-by-hand" };
    const file = join(mkdtempSync(join(tmpdir(), "custom-image-import-file-")), "import.json");
    writeFileSync(
      file,
      JSON.stringify({ resources: [{ type: TYPE, name: "imported", id: String(id), inputs, outputs: { ...inputs, imageId: id } }] }),
    );
    const fromFile = await stack.pulumi(["import", "--file", file, "--yes", "--generate-code=false"], { allowFailure: true });
    rmSync(dirname(file), { recursive: true, force: true });
    expect(fromFile.code).not.toBe(0);
    expect(`${fromFile.stdout}${fromFile.stderr}`).toMatch(/code must be a string, not undefined/);

    expect(customImages(await stack.exportState())).toEqual([]);
    expect(emulator.requests.slice(before)).toEqual([]);
  });
});
