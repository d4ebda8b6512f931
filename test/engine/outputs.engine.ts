import { ADOPTED_OUTPUT_TYPES, CREATED_OUTPUT_TYPES } from "../helpers/output-types";
import { accountProblems, customImages, describeEngine, engineFixtures, imageSteps, requestLines } from "../../tools/engine/engine-suite";

const PROJECT = "custom-image-outputs";
describeEngine("outputs in the program through the real CLI", () => {
  const fixtures = engineFixtures();

  it("every output of a created image and of CustomImage.get resolves to its declared type, and an in-place update leaves a resource depending on imageId unchanged at preview", async () => {
    const { stack, emulator } = await fixtures.start("outputs");
    await stack.up();
    const outputs = await stack.outputs();
    expect(outputs).toMatchObject({ imageTypes: CREATED_OUTPUT_TYPES, adoptedTypes: ADOPTED_OUTPUT_TYPES, tagCount: 0 });
    expect(outputs.dependentDescription).toBe(`built on image ${outputs.imageId as number}`);
    const ids = Object.fromEntries(
      customImages(await stack.exportState()).map((resource) => [resource.urn.split("::").at(-1), resource.id]),
    );
    expect(ids.adopted).toBe(ids.image);

    await stack.configSet(`${PROJECT}:description`, "changed in place");
    const preview = await stack.preview();
    const planned = imageSteps(preview).map((step) => `${step.op} ${step.name}`);
    expect(planned).toEqual(expect.arrayContaining(["update image", "same dependent"]));
    const before = emulator.requests.length;
    const updated = await stack.up();
    expect(imageSteps(updated).map((step) => `${step.op} ${step.name}`)).toEqual(
      expect.arrayContaining(["update image", "same dependent"]),
    );
    expect(requestLines(emulator, before).filter((line) => line.startsWith("PUT"))).toEqual([`PUT /v2/images/${ids.image}`]);
    expect((await stack.preview(["--expect-no-changes"], { allowFailure: true })).code).toBe(0);

    await stack.destroy();
    expect(accountProblems(emulator, await stack.exportState())).toEqual([]);
  });

  it("CustomImage.get of an id that does not exist fails naming the id, and records nothing for it", async () => {
    const { stack, emulator } = await fixtures.start("outputs", { config: { [`${PROJECT}:missingId`]: "987654" } });
    const failed = await stack.up([], { allowFailure: true });
    expect(failed.code).not.toBe(0);
    expect(`${failed.stdout}${failed.stderr}`).toMatch(
      /CustomImage\.get found no image 987654: DigitalOcean API GET \/v2\/images\/987654 failed: 404/,
    );
    expect(customImages(await stack.exportState()).map((resource) => resource.urn.split("::").at(-1))).not.toContain("missing");

    await stack.destroy();
    expect(accountProblems(emulator, await stack.exportState())).toEqual([]);
  });
});
