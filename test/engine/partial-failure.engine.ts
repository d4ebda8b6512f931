import { accountProblems, customImages, describeEngine, engineFixtures, imageSteps } from "../../tools/engine/engine-suite";

describeEngine("a partial failure through the real CLI", () => {
  const fixtures = engineFixtures();

  it("records the image with its init errors when a transfer fails, and the next up resumes and converges", async () => {
    await fixtures.start("multi-region");
    const { stack, emulator } = fixtures.current;
    const fault = emulator.inject({ kind: "status", status: 500 }, { method: "POST", path: /\/actions$/, count: 50 });

    const failed = await stack.up([], { allowFailure: true });
    expect(failed.code).not.toBe(0);
    fault.cancel();
    const [recorded] = customImages(await stack.exportState());
    expect(recorded?.id).toMatch(/^\d+$/);
    expect(recorded?.initErrors?.join("\n")).toMatch(/transfer|lon1|fra1/i);
    const id = Number(recorded!.id);

    const resumed = await stack.up();
    expect(imageSteps(resumed).map((step) => step.op)).toEqual(["update"]);
    const [converged] = customImages(await stack.exportState());
    expect(converged).toMatchObject({ id: String(id) });
    expect(converged?.initErrors ?? []).toEqual([]);
    expect(emulator.getImage(id)?.regions.sort()).toEqual(["fra1", "lon1", "nyc3"]);
    expect((await stack.preview(["--expect-no-changes"], { allowFailure: true })).code).toBe(0);
    expect(accountProblems(emulator, await stack.exportState())).toEqual([]);

    await stack.destroy();
    expect(emulator.audit().filter((entry) => entry.status !== "deleted")).toEqual([]);
  });

  it("`pulumi up --refresh` after a create whose wait for a single-region import ran out waits for the import again", async () => {
    // 90 simulated minutes, longer than the 60 a create waits by default; simulated time runs slow
    // enough (a minute is 0.6 s) that the import still runs when the next `up` has started the CLI.
    await fixtures.start("basic", {
      scale: 0.01,
      config: { "custom-image-basic:imageUrl": "https://example.com/images/flatcar.qcow2.gz?emulator_duration_s=5400" },
    });
    const { stack, emulator } = fixtures.current;

    const failed = await stack.up([], { allowFailure: true });
    expect(failed.code).not.toBe(0);
    const [recorded] = customImages(await stack.exportState());
    expect(recorded?.initErrors?.join("\n")).toMatch(/waiting for the import/);
    expect(recorded?.outputs).toMatchObject({ status: "pending", regions: ["nyc3"] });

    // The refresh clears the init errors; the `pending` it reads makes Diff ask for the update that waits.
    const resumed = await stack.up(["--refresh"]);
    expect(imageSteps(resumed).map((step) => step.op)).toEqual(["refresh", "update"]);
    const [converged] = customImages(await stack.exportState());
    expect(converged).toMatchObject({ id: recorded!.id, outputs: expect.objectContaining({ status: "available" }) });
    expect(converged?.initErrors ?? []).toEqual([]);
    expect(emulator.getImage(Number(recorded!.id))?.status).toBe("available");
    expect((await stack.preview(["--expect-no-changes"], { allowFailure: true })).code).toBe(0);

    await stack.destroy();
  });
});
