import { connect } from "node:net";

/**
 * Exits Pulumi's Node.js dynamic-provider host once the engine that started it is gone.
 *
 * The CLI runs the host through a `sh` script in a process group of its own, so a SIGKILL of the
 * CLI (or of its process group, as a CI job timeout sends) leaves the host running, and the host
 * has no health check of its own. Left alone it would carry on with an interrupted create for
 * minutes and could remove the import-marker tag that the recovery `up` looks for. While an
 * operation runs, a cheap TCP connect to the engine's address every few seconds tells whether the
 * engine still listens; once the connection is refused, the host exits before any further write, exactly as if
 * it had been killed with the CLI, which the design already recovers from (the marker stays and
 * the next `up` adopts the image).
 */

export interface EngineAddress {
  host: string;
  port: number;
}

/**
 * What a connection to the engine's address found: `up` when something accepted it, `refused` when
 * nothing listens there (the one answer that proves the engine gone: on the loopback a live
 * listener never refuses), `unknown` for anything else (no answer within the timeout, which a
 * stalled event loop on a loaded machine can cause, or another error).
 */
export type EngineProbeAnswer = "up" | "refused" | "unknown";

/** Connects to the address once, giving up after `timeoutMs`. */
export type EngineProbe = (address: EngineAddress, timeoutMs: number) => Promise<EngineProbeAnswer>;

/** Runs `run` after `ms` milliseconds without keeping the process alive; returns a cancel. */
export type Schedule = (ms: number, run: () => void) => () => void;

export interface EngineWatchOptions {
  address: EngineAddress;
  probe?: EngineProbe;
  schedule?: Schedule;
  /** Milliseconds between probes. */
  intervalMs?: number;
  /** Milliseconds a probe may take; one without an answer proves nothing, and probing goes on. */
  probeTimeoutMs?: number;
  /** Called once when the engine is gone; defaults to exiting the process. */
  onGone?: (address: EngineAddress) => void;
}

export const ENGINE_PROBE_INTERVAL_MS = 3_000;
export const ENGINE_PROBE_TIMEOUT_MS = 2_000;

/** The engine address when this process is the dynamic-provider host, else undefined. */
export function hostEngineAddress(argv: readonly string[] = process.argv): EngineAddress | undefined {
  const [, script, address] = argv;
  if (script === undefined || !/dynamic-provider/.test(script)) return undefined;
  return parseEngineAddress(address);
}

/** `host:port` (the host's first argument, `127.0.0.1:<port>`), else undefined. */
export function parseEngineAddress(text: string | undefined): EngineAddress | undefined {
  const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(text ?? "");
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}

export const tcpProbe: EngineProbe = (address, timeoutMs) =>
  new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    socket.unref();
    const done = (answer: EngineProbeAnswer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done("unknown"));
    socket.once("connect", () => done("up"));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code === "ECONNREFUSED" ? "refused" : "unknown"));
  });

export const unrefSchedule: Schedule = (ms, run) => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

function exitHost(address: EngineAddress): void {
  try {
    process.stderr.write(`digitalocean-custom-image: the Pulumi engine at ${address.host}:${address.port} is gone; exiting\n`);
  } finally {
    process.exit(1);
  }
}

/**
 * Once the CLI is gone, a write to the host's stdout or stderr (pipes the CLI read) fails with
 * EPIPE. Unhandled, that error reaches the host's uncaught-error handler, which writes it to
 * stderr and so fails again: a loop that keeps the host busy (seen: ~7,000 failed writes a
 * second) and starves the probe's timer. Handling the streams' errors here breaks that loop.
 */
function ignoreBrokenPipes(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
}

/**
 * Probes the engine while at least one operation runs (`during`); stops probing when none does.
 */
export class EngineWatch {
  private readonly probe: EngineProbe;
  private readonly schedule: Schedule;
  private readonly intervalMs: number;
  private readonly probeTimeoutMs: number;
  private readonly onGone: (address: EngineAddress) => void;
  private running = 0;
  private cancel: (() => void) | undefined;
  private gone = false;

  constructor(private readonly options: EngineWatchOptions) {
    this.probe = options.probe ?? tcpProbe;
    this.schedule = options.schedule ?? unrefSchedule;
    this.intervalMs = options.intervalMs ?? ENGINE_PROBE_INTERVAL_MS;
    this.probeTimeoutMs = options.probeTimeoutMs ?? ENGINE_PROBE_TIMEOUT_MS;
    this.onGone = options.onGone ?? exitHost;
  }

  /** True once a probe found nothing listening at the engine's address. */
  get engineGone(): boolean {
    return this.gone;
  }

  async during<T>(operation: () => Promise<T>): Promise<T> {
    if (++this.running === 1) this.next();
    try {
      return await operation();
    } finally {
      if (--this.running === 0) {
        this.cancel?.();
        this.cancel = undefined;
      }
    }
  }

  private next(): void {
    this.cancel = this.schedule(this.intervalMs, () => void this.check());
  }

  private async check(): Promise<void> {
    this.cancel = undefined;
    const answer = await this.probe(this.options.address, this.probeTimeoutMs);
    if (answer === "refused") {
      if (!this.gone) {
        this.gone = true;
        this.onGone(this.options.address);
      }
      return;
    }
    if (this.running > 0 && this.cancel === undefined) this.next();
  }
}

let hostWatch: EngineWatch | null | undefined;

/**
 * Runs `operation` watching the engine when this process is the dynamic-provider host; outside
 * it (no address, or not `host:port`) runs it as it is.
 */
export function watchingEngine<T>(operation: () => Promise<T>): Promise<T> {
  if (hostWatch === undefined) {
    const address = hostEngineAddress();
    if (address !== undefined) ignoreBrokenPipes();
    hostWatch = address === undefined ? null : new EngineWatch({ address });
  }
  return hostWatch === null ? operation() : hostWatch.during(operation);
}
