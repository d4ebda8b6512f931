import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { accountProblems, customImages, describeEngine, engineFixtures, importAccepted } from "../../tools/engine/engine-suite";

/** 600 simulated seconds at 0.01: each import takes 6 s of real time, long enough to interrupt. */
const SLOW_IMPORTS = { scale: 0.01, emulator: { importDurationMs: 600_000 } };

/** Processes whose command line runs Pulumi's Node.js dynamic-provider host, with their parent and engine address. */
function providerHosts(): { pid: number; ppid: number; address: string }[] {
  const hosts: { pid: number; ppid: number; address: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const script = args.findIndex((arg) => /cmd\/dynamic-provider/.test(arg));
      if (script < 0) continue;
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]);
      hosts.push({ pid: Number(entry), ppid, address: args[script + 1] ?? "" });
    } catch {
      // The process ended while being read.
    }
  }
  return hosts;
}

/** The dynamic-provider hosts started under `root` (the CLI): found through their parents. */
function hostsUnder(root: number): { pid: number; address: string }[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]));
    } catch {
      // The process ended while being read.
    }
  }
  const descends = (pid: number): boolean => {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = parents.get(at)) if (at === root) return true;
    return false;
  };
  return providerHosts().filter((host) => descends(host.pid));
}

/** Waits (real time: the host is a separate process on the system clock) until none of `hosts` runs. */
async function hostsEnded(hosts: { pid: number; address: string }[], timeoutMs: number): Promise<{ pid: number; address: string }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = providerHosts().filter((running) => hosts.some((host) => host.pid === running.pid && host.address === running.address));
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

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

  it("SIGKILL of the CLI's process group mid-import leaves a lock and a pending create, and no provider process; the recovery ends with exactly one image, recorded", async () => {
    await fixtures.start("basic", SLOW_IMPORTS);
    const { stack, emulator } = fixtures.current;
    let cli: ChildProcess | undefined;
    const running = stack.up([], { allowFailure: true, onStart: (child) => (cli = child) });
    await importAccepted(emulator);
    const hosts = hostsUnder(cli!.pid!);
    expect(hosts).toEqual([expect.objectContaining({ address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) })]);
    process.kill(-cli!.pid!, "SIGKILL");
    const killedAt = Date.now();
    expect((await running).signal).toBe("SIGKILL");
    // The host runs in a process group of its own, so the kill missed it: it exits by itself once the engine is gone.
    expect(await hostsEnded(hosts, 8_000)).toEqual([]);
    process.stdout.write(`dynamic-provider host exited ${Date.now() - killedAt} ms after the SIGKILL\n`);

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
