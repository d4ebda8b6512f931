import { closeEngineFixture, customImages, describeEngine, type EngineFixture, imageSteps, accountProblems, startEngineFixture } from "./engine-suite";

describeEngine("a partial failure through the real CLI", () => {
  let fixture: EngineFixture | undefined;
  afterEach(async () => {
    await closeEngineFixture(fixture);
    fixture = undefined;
  });

  it("records the image with its init errors when a transfer fails, and the next up resumes and converges", async () => {
    fixture = await startEngineFixture("multi-region");
    const { stack, emulator } = fixture;
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
});
