import type { ChildProcess } from "node:child_process";
import { accountProblems, customImages, describeEngine, engineFixtures, importAccepted } from "../../tools/engine/engine-suite";

/** 600 simulated seconds at 0.01: each import takes 6 s of real time, long enough to interrupt. */
const SLOW_IMPORTS = { scale: 0.01, emulator: { importDurationMs: 600_000 } };

describeEngine("an interrupted pulumi up, as a cancelled CI job", () => {
  const fixtures = engineFixtures();

  /** The recovery README "Lifecycle" states, run exactly as written there. */
  const recover = async () => {
    const { stack } = fixtures.current;
    await stack.pulumi(["cancel", "--yes"], { allowFailure: true });
    await stack.refresh(["--clear-pending-creates"]);
    const adopted = await stack.up();
    expect(adopted.stdout).toMatch(/Adopting image "basic" \(\d+\), imported by an earlier run that was interrupted/);
  };

  const expectOneImageRecorded = async () => {
    const { stack, emulator } = fixtures.current;
    const state = await stack.exportState();
    expect(state.deployment.pending_operations ?? []).toEqual([]);
    expect(customImages(state)).toHaveLength(1);
    expect(emulator.audit()).toHaveLength(1);
    expect(emulator.audit()[0]).toMatchObject({ id: Number(customImages(state)[0]!.id), status: "available" });
    expect(accountProblems(emulator, state)).toEqual([]);
    expect((await stack.preview(["--expect-no-changes"], { allowFailure: true })).code).toBe(0);
  };

  it("SIGKILL of the CLI's process group mid-import leaves a lock and a pending create; the recovery ends with exactly one image, recorded", async () => {
    await fixtures.start("basic", SLOW_IMPORTS);
    const { stack, emulator } = fixtures.current;
    let cli: ChildProcess | undefined;
    const running = stack.up([], { allowFailure: true, onStart: (child) => (cli = child) });
    await importAccepted(emulator);
    process.kill(-cli!.pid!, "SIGKILL");
    expect((await running).signal).toBe("SIGKILL");

    const state = await stack.exportState();
    expect(state.deployment.pending_operations).toEqual([expect.objectContaining({ type: "creating" })]);
    expect(customImages(state)).toEqual([]);
    const blocked = await stack.up([], { allowFailure: true });
    expect(blocked.code).not.toBe(0);
    expect(`${blocked.stdout}${blocked.stderr}`).toMatch(/lock/i);

    await recover();
    await expectOneImageRecorded();
    await stack.destroy();
  });

  it("two SIGINTs mid-import end the CLI; the same recovery ends with exactly one image, recorded", async () => {
    await fixtures.start("basic", SLOW_IMPORTS);
    const { stack, emulator } = fixtures.current;
    let cli: ChildProcess | undefined;
    let acknowledged: () => void = () => undefined;
    const firstAcknowledged = new Promise<void>((resolve) => (acknowledged = resolve));
    const running = stack.up([], {
      allowFailure: true,
      onStart: (child) => (cli = child),
      onOutput: (text) => /\^C received/.test(text) && acknowledged(),
    });
    await importAccepted(emulator);
    process.kill(-cli!.pid!, "SIGINT");
    await firstAcknowledged;
    process.kill(-cli!.pid!, "SIGINT");
    const interrupted = await running;
    expect(interrupted.code).not.toBe(0);
    expect(interrupted.stdout).toMatch(/\^C received; terminating/);
    expect((await stack.exportState()).deployment.pending_operations).toEqual([expect.objectContaining({ type: "creating" })]);

    await recover();
    await expectOneImageRecorded();
    await stack.destroy();
  });
});
