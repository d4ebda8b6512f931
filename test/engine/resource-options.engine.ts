import {
  accountProblems,
  customImages,
  describeEngine,
  engineFixtures,
  imageSteps,
  ops,
  requestLines,
} from "../../tools/engine/engine-suite";

const PROJECT = "custom-image-options";

describeEngine("resource options through the real CLI", () => {
  const fixtures = engineFixtures();

  const start = (config: Record<string, string> = {}, stack?: string) =>
    fixtures.start("options", {
      stack,
      config: Object.fromEntries(Object.entries(config).map(([key, value]) => [`${PROJECT}:${key}`, value])),
    });
  const set = (key: string, value: string) => fixtures.current.stack.configSet(`${PROJECT}:${key}`, value);
  /** Image ids in the order of their resources' names. */
  const ids = async () =>
    customImages(await fixtures.current.stack.exportState())
      .sort((a, b) => a.urn.localeCompare(b.urn))
      .map((resource) => Number(resource.id));
  const expectNoChanges = async () =>
    expect((await fixtures.current.stack.preview(["--expect-no-changes"], { allowFailure: true })).code).toBe(0);
  const expectClean = async (unmanaged: number[] = []) =>
    expect(accountProblems(fixtures.current.emulator, await fixtures.current.stack.exportState(), { unmanaged })).toEqual([]);

  it("protect: destroy fails and deletes nothing until protect is lifted", async () => {
    const { stack, emulator } = await start({ protect: "true" });
    await stack.up();
    const [id] = await ids();
    const refused = await stack.destroy([], { allowFailure: true });
    expect(refused.code).not.toBe(0);
    expect(`${refused.stdout}${refused.stderr}`).toMatch(/protected/);
    expect(requestLines(emulator).filter((line) => line.startsWith("DELETE /v2/images/"))).toEqual([]);
    expect(emulator.getImage(id!)?.status).toBe("available");
    await set("protect", "false");
    await stack.up();
    await stack.destroy();
    expect(emulator.getImage(id!)?.status ?? "deleted").toBe("deleted");
  });

  it('ignoreChanges: ["description"] keeps a new description from reaching DigitalOcean', async () => {
    const { stack, emulator } = await start({ ignoreDescription: "true" });
    await stack.up();
    const [id] = await ids();
    await set("description", "ignored");
    await expectNoChanges();
    const before = emulator.requests.length;
    await stack.up();
    expect(requestLines(emulator, before).filter((line) => line.startsWith("PUT"))).toEqual([]);
    expect(emulator.getImage(id!)?.description).toBe("resource options");
    await stack.destroy();
  });

  it("retainOnDelete: destroy forgets the image and leaves it in the account", async () => {
    const { stack, emulator } = await start({ retainOnDelete: "true" });
    await stack.up();
    const [id] = await ids();
    await stack.destroy();
    expect(await ids()).toEqual([]);
    expect(emulator.getImage(id!)?.status).toBe("available");
    await expectClean([id!]);
    emulator.deleteImageOutOfBand(id!);
  });

  it("deleteBeforeReplace: the original is deleted before the replacement is imported", async () => {
    const { stack, emulator } = await start({ deleteBeforeReplace: "true" });
    await stack.up();
    const [first] = await ids();
    await set("imageUrl", "https://example.com/images/options-2.qcow2.gz");
    const before = emulator.requests.length;
    const replaced = await stack.up();
    expect(ops(replaced)).toEqual(["delete-replaced image", "replace image", "create-replacement image"]);
    const log = requestLines(emulator, before);
    expect(log.indexOf(`DELETE /v2/images/${first}`)).toBeGreaterThanOrEqual(0);
    expect(log.indexOf(`DELETE /v2/images/${first}`)).toBeLessThan(log.indexOf("POST /v2/images"));
    await expectNoChanges();
    await expectClean();
    await stack.destroy();
  });

  it("aliases: a renamed resource keeps its image, with no replacement", async () => {
    // An explicit image name: by default the image is named after the resource, and a rename would update it.
    const { stack, emulator } = await start({ imageName: "kept" });
    await stack.up();
    const [id] = await ids();
    await set("resourceName", "renamed");
    await set("aliasOf", "image");
    const before = emulator.requests.length;
    const renamed = await stack.up();
    expect(ops(renamed)).toEqual(["same renamed"]);
    expect(requestLines(emulator, before).filter((line) => !line.startsWith("GET"))).toEqual([]);
    expect(customImages(await stack.exportState())).toEqual([
      expect.objectContaining({ id: String(id), urn: expect.stringMatching(/::renamed$/) }),
    ]);
    await expectNoChanges();
    await stack.destroy();
  });

  it('replaceOnChanges: ["description"] is ignored: a dynamic provider reports no changed keys, so a new description still updates in place', async () => {
    const { stack } = await start({ replaceOnChanges: JSON.stringify(["description"]) });
    await stack.up();
    const [first] = await ids();
    await set("description", "not replaced");
    const result = await stack.up();
    expect(ops(result)).toEqual(["update image"]);
    expect(await ids()).toEqual([first]);
    await expectNoChanges();
    await stack.destroy();
  });

  it("tags change in place, --target updates only the targeted image, up --refresh repairs drift in one command", async () => {
    const { stack, emulator } = await start({ count: "2" });
    await stack.up();
    const [first, second] = await ids();

    await set("tags", JSON.stringify(["options", "retagged"]));
    const retagged = await stack.up();
    expect(imageSteps(retagged).map((step) => `${step.op} ${step.diffs.join()}`)).toEqual(["update tags", "update tags"]);
    expect(await ids()).toEqual([first, second]);
    expect(emulator.getImage(first!)?.tags.sort()).toEqual(["options", "retagged"]);

    await set("description", "targeted");
    const urn = customImages(await stack.exportState()).find((resource) => resource.urn.endsWith("::image-0"))!.urn;
    const targeted = await stack.up(["--target", urn]);
    expect(ops(targeted).filter((step) => !step.startsWith("same "))).toEqual(["update image-0"]);
    expect([emulator.getImage(first!)?.description, emulator.getImage(second!)?.description]).toEqual(["targeted", "resource options"]);
    await stack.up();

    emulator.mutateImage(second!, { name: "renamed-by-hand" });
    const refreshed = await stack.up(["--refresh"]);
    expect(ops(refreshed)).toEqual(expect.arrayContaining(["refresh image-1", "update image-1"]));
    expect(emulator.getImage(second!)?.name).toBe("image-1");
    await expectNoChanges();
    await expectClean();
    await stack.destroy();
  });

  it("20 images: -p 1 imports one at a time, the default parallelism imports them together", async () => {
    const overlap = async (args: string[], stackName: string) => {
      const { stack, emulator } = await start({ count: "20" }, stackName);
      await stack.up(args);
      const audit = emulator.audit();
      expect(audit).toHaveLength(20);
      await expectClean();
      const starts = audit.map((entry) => entry.createdAt).sort((a, b) => a - b);
      // The most imports that were under way at once: each lasts the emulator's 30 simulated seconds.
      const most = Math.max(...starts.map((start) => starts.filter((other) => other >= start && other < start + 30_000).length));
      await stack.destroy();
      await fixtures.close();
      return most;
    };
    expect(await overlap(["-p", "1"], "serial")).toBe(1);
    expect(await overlap([], "parallel")).toBeGreaterThan(1);
  });
});
