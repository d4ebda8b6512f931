import { type Clock, type ScaledClock, scaledClock } from "../../src/client/clock";
import { providerText } from "../bench/rig";
import { type Emulator, type EmulatorOptions, startEmulator } from "pulumi-digitalocean-custom-image-emulator";
import { customImageUrn } from "../provider-host/engine-values";
import { type ProviderHost, type ProviderHostOptions, startProviderHost } from "../provider-host/provider-host";
import { Engine } from "./engine";

/** The config key through which the provider in the host shares the stack's clock. */
const CLOCK_KEY = "digitalocean-custom-image:clock";

/**
 * One stack as `pulumi` would run it against the emulator, without Jest (test/host/host-fixture.ts
 * needs Jest's `expect`): an emulator and the SDK's dynamic-provider host on one scaled clock, the
 * host configured as the engine configures it, and an `Engine` keeping the state between steps.
 * `restartHost` starts a fresh host with the same config, as the next `pulumi` command does after
 * the previous one died.
 */

/** The emulator's default token. */
export const TOKEN = "test-token";

export interface StackOptions {
  /** Real ms per simulated ms, shared by the emulator and the provider in the host. */
  scale: number;
  emulator?: Omit<EmulatorOptions, "clock" | "timeFactor">;
  /** Stack config over the defaults (token as a secret, the emulator's URL, the shared clock); undefined leaves a key out. */
  config?: Record<string, string | undefined>;
  /** Added to the host's environment (see ProviderHostOptions.env). */
  env?: ProviderHostOptions["env"];
}

/** Another stack of the same program (its own host and engine state) against the same emulator and token. */
export interface Deployment {
  /** The stack's name, as in its URNs and import markers. */
  readonly name: string;
  readonly engine: Engine;
  readonly host: ProviderHost;
  /** Kills this deployment's host (SIGKILL) unless it is gone, then starts and configures a new one. */
  restartHost(): Promise<ProviderHost>;
}

export interface Stack {
  readonly scale: number;
  /** The emulator's clock; `jumpClock` moves it. */
  readonly clock: Clock;
  readonly emulator: Emulator;
  /** The host now serving the engine (changes after `restartHost`). */
  readonly host: ProviderHost;
  /** Every host this stack started, oldest first (for their logs). */
  readonly hosts: ProviderHost[];
  readonly config: Record<string, string>;
  readonly engine: Engine;
  /** Kills the current host (SIGKILL, as a crash) unless it is gone already, then starts and configures a new one. */
  restartHost(): Promise<ProviderHost>;
  /** Starts another host with this stack's config, for a second deployment (another stack) against the same account. */
  anotherHost(): Promise<ProviderHost>;
  /** Another stack named `name` of the same program: a host of its own and an engine whose URNs name it. */
  deployment(name: string): Promise<Deployment>;
  /**
   * Moves the emulator's (DigitalOcean's) time `ms` simulated ms forward at once. Hosts started
   * afterwards share the new time; hosts already running keep theirs, and so lag behind by `ms`
   * (a client whose clock is behind the server's) until they are restarted.
   */
  jumpClock(ms: number): void;
  /** Every log line of every host. */
  logs(): string[];
  close(): Promise<void>;
}

/** The project of examples/basic, whose folder the host runs in; the engine's URNs name it too. */
export const PROJECT = "custom-image-basic";

/**
 * The inputs a program of stack `stack` declaring `new CustomImage(name, {...})` sends: the SDK adds
 * `__provider`, and CustomImage the import marker's scope (project/stack/resource name), which
 * `Engine.up` completes with the nonce of the resource's CustomImageScope in that engine's state.
 */
export async function programInputs(name: string, fields: Record<string, unknown>, stack = "dev"): Promise<Record<string, unknown>> {
  return { name, distribution: "Unknown", ...fields, __importScope: `${PROJECT}/${stack}/${name}`, __provider: await providerText() };
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const scale = options.scale;
  // The provider rebuilds this clock from its spec, so both processes agree on simulated time.
  let currentClock: ScaledClock = scaledClock(scale);
  const clock: Clock = { now: () => currentClock.now(), sleep: (ms, signal) => currentClock.sleep(ms, signal), scale };
  const emulator = await startEmulator({ ...options.emulator, clock });
  const config = definedValues({
    "digitalocean:token": TOKEN,
    "digitalocean:apiEndpoint": emulator.url,
    [CLOCK_KEY]: currentClock.spec,
    ...options.config,
  });
  const hosts: ProviderHost[] = [];

  const launch = async (): Promise<ProviderHost> => {
    const host = await startProviderHost({ env: options.env });
    hosts.push(host);
    await host.configure({ ...config }, ["digitalocean:token"]);
    // The host loads the provider on its first call (about a real second, which the time factor
    // would stretch into a simulated quarter of an hour); a Check is pure and costs no request.
    const warmUp = await host.check(
      customImageUrn("warm-up"),
      {},
      await programInputs("warm-up", { url: "https://images.example.com/warm-up.qcow2.gz", regions: ["nyc3"] }),
    );
    if (warmUp.failures.length > 0) throw new Error(`Check rejected the warm-up resource: ${JSON.stringify(warmUp.failures)}`);
    return host;
  };

  let current: ProviderHost;
  try {
    current = await launch();
  } catch (error) {
    await Promise.all(hosts.map((host) => host.close()));
    await emulator.close();
    throw error;
  }
  const engine = new Engine(() => current);

  return {
    scale,
    clock,
    emulator,
    get host() {
      return current;
    },
    hosts,
    config,
    engine,
    async restartHost() {
      await current.kill();
      current = await launch();
      return current;
    },
    anotherHost: launch,
    async deployment(name) {
      let host = await launch();
      return {
        name,
        engine: new Engine(() => host, name),
        get host() {
          return host;
        },
        async restartHost() {
          await host.kill();
          host = await launch();
          return host;
        },
      };
    },
    jumpClock(ms) {
      if (!(ms >= 0)) throw new RangeError(`a clock jump moves time forward, got ${ms}`);
      const realNow = performance.timeOrigin + performance.now();
      currentClock = scaledClock(scale, currentClock.now() + ms, realNow);
      if (config[CLOCK_KEY] !== undefined) config[CLOCK_KEY] = currentClock.spec;
    },
    logs: () => hosts.flatMap((host) => host.logs),
    async close() {
      await Promise.all(hosts.map((host) => host.close()));
      await emulator.close();
    },
  };
}

/** Runs `body` with a stack, closed in `finally`. */
export async function withStack<T>(options: StackOptions, body: (stack: Stack) => Promise<T>): Promise<T> {
  const stack = await startStack(options);
  try {
    return await body(stack);
  } finally {
    await stack.close();
  }
}

function definedValues(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Resolves after `ms` real milliseconds. */
export function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` every real millisecond or so until it returns a value; rejects after `timeoutMs` real ms. */
export async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} real ms waiting for ${what}`);
    await realDelay(1);
  }
}
