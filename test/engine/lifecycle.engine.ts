import {
  accountProblems,
  customImages,
  describeEngine,
  engineFixtures,
  imageSteps,
  ops,
  requestLines,
} from "../../tools/engine/engine-suite";

const PROJECT = "custom-image-basic";

describeEngine("examples/basic through the real CLI", () => {
  const fixtures = engineFixtures();

  const expectNoChanges = async () => {
    const result = await fixtures.current.stack.preview(["--expect-no-changes"], { allowFailure: true });
    expect({ code: result.code, steps: ops(result).filter((step) => !step.startsWith("same ")) }).toEqual({ code: 0, steps: [] });
  };
  const imageId = async () => Number(customImages(await fixtures.current.stack.exportState())[0]?.id);
  const expectClean = async (options?: Parameters<typeof accountProblems>[2]) =>
    expect(accountProblems(fixtures.current.emulator, await fixtures.current.stack.exportState(), options)).toEqual([]);

  it("previews without a request, creates, updates a description in place, replaces on a new url (new image first), repairs drift, destroys", async () => {
    await fixtures.start("basic");
    const { stack, emulator } = fixtures.current;

    const preview = await stack.preview();
    expect(ops(preview)).toEqual(["create basic"]);
    expect(emulator.requests).toEqual([]);

    const created = await stack.up();
    expect(ops(created)).toEqual(["create basic"]);
    const firstId = await imageId();
    expect(emulator.getImage(firstId)).toMatchObject({ status: "available", name: "basic", regions: ["nyc3"] });
    expect(await stack.outputs()).toMatchObject({ imageId: firstId, status: "available", regions: ["nyc3"] });
    await expectNoChanges();
    await expectClean();

    await stack.configSet(`${PROJECT}:description`, "Flatcar, patched");
    const updated = await stack.up();
    expect(imageSteps(updated)).toEqual([expect.objectContaining({ op: "update", name: "basic", diffs: ["description"] })]);
    expect(await imageId()).toBe(firstId);
    expect(emulator.getImage(firstId)?.description).toBe("Flatcar, patched");
    await expectNoChanges();

    await stack.configSet(`${PROJECT}:imageUrl`, "https://example.com/images/flatcar-4152.qcow2.gz", true);
    const before = emulator.requests.length;
    const replaced = await stack.up();
    expect(ops(replaced)).toEqual(["create-replacement basic", "replace basic", "delete-replaced basic"]);
    const secondId = await imageId();
    expect(secondId).not.toBe(firstId);
    const log = requestLines(emulator, before);
    expect(log.indexOf("POST /v2/images")).toBeGreaterThanOrEqual(0);
    expect(log.indexOf("POST /v2/images")).toBeLessThan(log.indexOf(`DELETE /v2/images/${firstId}`));
    await expectNoChanges();
    await expectClean({ replacements: [{ original: firstId, replacement: secondId }] });

    emulator.mutateImage(secondId, { name: "renamed-by-hand", tags: ["by-hand"] });
    const refreshed = await stack.refresh();
    expect(imageSteps(refreshed).map((step) => step.op)).toEqual(["refresh"]);
    expect(customImages(await stack.exportState())[0]?.outputs).toMatchObject({ name: "renamed-by-hand", tags: ["by-hand"] });
    // The engine plans the repair, but the CLI names no key: it compares inputs, and only outputs drifted.
    expect(imageSteps(await stack.preview())).toEqual([expect.objectContaining({ op: "update", diffs: [] })]);
    await stack.up();
    expect(emulator.getImage(secondId)).toMatchObject({ name: "basic", tags: expect.arrayContaining(["pulumi", "custom-image-basic"]) });
    await expectNoChanges();

    emulator.deleteImageOutOfBand(secondId);
    await stack.refresh();
    expect(customImages(await stack.exportState())).toEqual([]);
    expect(ops(await stack.preview())).toEqual(["create basic"]);
    await stack.up();
    const thirdId = await imageId();
    expect(emulator.getImage(thirdId)?.status).toBe("available");
    await stack.refresh();
    await expectNoChanges();
    await expectClean({ replacements: [{ original: firstId, replacement: secondId }] });

    await stack.destroy();
    expect(customImages(await stack.exportState())).toEqual([]);
    expect(emulator.audit().filter((entry) => entry.status !== "deleted")).toEqual([]);
    expect(emulator.violations).toEqual([]);
  });

  it("examples/multi-region: an added region is a transfer in place, a removed one replaces the image", async () => {
    await fixtures.start("multi-region");
    const { stack, emulator } = fixtures.current;
    await stack.up();
    const firstId = await imageId();
    expect(emulator.getImage(firstId)?.regions.sort()).toEqual(["fra1", "lon1", "nyc3"]);
    await expectNoChanges();

    await stack.configSet("custom-image-multi-region:extraRegions[0]", "sgp1");
    const added = await stack.up();
    expect(imageSteps(added)).toEqual([expect.objectContaining({ op: "update", diffs: ["regions"] })]);
    expect(await imageId()).toBe(firstId);
    expect(emulator.getImage(firstId)?.regions.sort()).toEqual(["fra1", "lon1", "nyc3", "sgp1"]);
    const transfers = emulator.requests.filter((request) => request.method === "POST" && request.path === `/v2/images/${firstId}/actions`);
    expect(transfers.map((request) => (request.body as { region: string }).region).sort()).toEqual(["fra1", "lon1", "sgp1"]);
    await expectNoChanges();

    await stack.configRemove("custom-image-multi-region:extraRegions");
    const removed = await stack.up();
    expect(ops(removed)).toEqual(["create-replacement multi-region", "replace multi-region", "delete-replaced multi-region"]);
    const secondId = await imageId();
    expect(secondId).not.toBe(firstId);
    expect(emulator.getImage(secondId)?.regions.sort()).toEqual(["fra1", "lon1", "nyc3"]);
    await stack.refresh();
    await expectNoChanges();
    await expectClean({ replacements: [{ original: firstId, replacement: secondId }] });

    await stack.destroy();
    expect(emulator.audit().filter((entry) => entry.status !== "deleted")).toEqual([]);
  });
});
