import { createServer, type Server } from "node:net";
import {
  EngineWatch,
  type EngineAddress,
  type EngineProbeAnswer,
  hostEngineAddress,
  parseEngineAddress,
  tcpProbe,
} from "../../src/provider/engine-watch";

/** A schedule the test advances by hand: no real timers. */
function manualSchedule() {
  const pending: { at: number; run: () => void }[] = [];
  let now = 0;
  return {
    schedule: (ms: number, run: () => void) => {
      const entry = { at: now + ms, run };
      pending.push(entry);
      return () => void pending.splice(pending.indexOf(entry), 1);
    },
    get pending() {
      return pending.length;
    },
    async advance(ms: number) {
      now += ms;
      for (const due of pending.filter((entry) => entry.at <= now)) {
        pending.splice(pending.indexOf(due), 1);
        due.run();
      }
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const ADDRESS: EngineAddress = { host: "127.0.0.1", port: 40_123 };

function watchWith(answers: EngineProbeAnswer[]) {
  const clock = manualSchedule();
  const probes: EngineAddress[] = [];
  const gone: EngineAddress[] = [];
  const watch = new EngineWatch({
    address: ADDRESS,
    intervalMs: 3_000,
    schedule: clock.schedule,
    probe: async (address) => {
      probes.push(address);
      return answers.shift() ?? "up";
    },
    onGone: (address) => void gone.push(address),
  });
  return { clock, probes, gone, watch };
}

describe("EngineWatch", () => {
  it("probes every interval while an operation runs and calls onGone once when the engine's address refuses", async () => {
    const { clock, probes, gone, watch } = watchWith(["up", "up", "refused"]);
    let finish: () => void = () => undefined;
    const running = watch.during(() => new Promise<void>((resolve) => (finish = resolve)));
    await clock.advance(2_999);
    expect(probes).toHaveLength(0);
    await clock.advance(1);
    await clock.advance(3_000);
    expect(probes).toHaveLength(2);
    expect(gone).toEqual([]);
    await clock.advance(3_000);
    expect(probes).toEqual([ADDRESS, ADDRESS, ADDRESS]);
    expect(gone).toEqual([ADDRESS]);
    expect(watch.engineGone).toBe(true);
    expect(clock.pending).toBe(0);
    finish();
    await running;
  });

  it("takes a probe without an answer (a stalled event loop, a timeout) for nothing and goes on probing", async () => {
    const { clock, probes, gone, watch } = watchWith(["unknown", "unknown", "up", "unknown"]);
    let finish: () => void = () => undefined;
    const running = watch.during(() => new Promise<void>((resolve) => (finish = resolve)));
    for (let round = 0; round < 5; round++) await clock.advance(3_000);
    expect(probes).toHaveLength(5);
    expect(gone).toEqual([]);
    expect(watch.engineGone).toBe(false);
    expect(clock.pending).toBe(1);
    finish();
    await running;
  });

  it("stops probing when no operation runs, and starts again with the next one", async () => {
    const { clock, probes, watch } = watchWith([]);
    await watch.during(async () => clock.advance(3_000));
    expect(probes).toHaveLength(1);
    expect(clock.pending).toBe(0);
    await clock.advance(30_000);
    expect(probes).toHaveLength(1);
    let finish: () => void = () => undefined;
    const running = watch.during(() => new Promise<void>((resolve) => (finish = resolve)));
    await clock.advance(3_000);
    expect(probes).toHaveLength(2);
    finish();
    await running;
    expect(clock.pending).toBe(0);
  });

  it("keeps one probe loop for operations that overlap, and passes on an operation's result and error", async () => {
    const { clock, probes, watch } = watchWith([]);
    let finishFirst: () => void = () => undefined;
    const first = watch.during(() => new Promise<string>((resolve) => (finishFirst = () => resolve("first"))));
    const second = watch.during(() => Promise.reject(new Error("second failed")));
    await expect(second).rejects.toThrow("second failed");
    expect(clock.pending).toBe(1);
    await clock.advance(3_000);
    expect(probes).toHaveLength(1);
    expect(clock.pending).toBe(1);
    finishFirst();
    await expect(first).resolves.toBe("first");
    expect(clock.pending).toBe(0);
  });
});

describe("the engine address", () => {
  it("is the dynamic-provider host's first argument, host:port", () => {
    const script = "/x/node_modules/@pulumi/pulumi/cmd/dynamic-provider";
    expect(hostEngineAddress(["node", script, "127.0.0.1:36123"])).toEqual({ host: "127.0.0.1", port: 36_123 });
    expect(hostEngineAddress(["node", script, "[::1]:36123"])).toEqual({ host: "::1", port: 36_123 });
  });

  it("is none outside the host, without an argument, or for anything but host:port", () => {
    const script = "/x/cmd/dynamic-provider/index.js";
    expect(hostEngineAddress(["node", "/x/jest.js", "127.0.0.1:36123"])).toBeUndefined();
    expect(hostEngineAddress(["node", script])).toBeUndefined();
    for (const text of ["", "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:0", "127.0.0.1:70000", "--flag", "a b:80"])
      expect(parseEngineAddress(text)).toBeUndefined();
  });
});

describe("tcpProbe", () => {
  let server: Server;
  beforeAll(async () => {
    server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("answers up while something listens and refused once it is closed", async () => {
    const { port } = server.address() as { port: number };
    await expect(tcpProbe({ host: "127.0.0.1", port }, 2_000)).resolves.toBe("up");
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(tcpProbe({ host: "127.0.0.1", port: closedPort }, 2_000)).resolves.toBe("refused");
  });
});
