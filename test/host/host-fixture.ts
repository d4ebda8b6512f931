import { type Clock, scaledClock } from "../../src/client/clock";
import { type Emulator, type EmulatorOptions, type RequestLogEntry, startEmulator } from "pulumi-digitalocean-custom-image-emulator";
import { customImageUrn } from "../../tools/provider-host/engine-values";
import {
  type DiffResult,
  type ProviderHost,
  ProviderHostError,
  type ProviderHostOptions,
  serializedProvider,
  startProviderHost,
} from "../../tools/provider-host/provider-host";

/**
 * A DigitalOcean emulator and Pulumi's dynamic-provider host, configured as the engine would
 * configure it for a stack that points at the emulator, with the state the engine keeps between
 * steps. Tests in test/host/ drive the host through `check`, `diff`, `create`, `update`, `read` and
 * `delete` exactly as the engine does, and assert on the emulator's request log and audit.
 */

/** The emulator's default token. */
export const TOKEN = "test-token";
/** The CustomImage of examples/basic. */
export const URN = customImageUrn("basic");
/** Caps the provider's poll interval at 2 simulated seconds. */
export const FAST_POLLING = { "digitalocean-custom-image:pollIntervalSeconds": "2" } as const;

/** The inputs examples/basic gives its CustomImage (the SDK adds `__provider`). */
export const PROGRAM_INPUTS = {
  url: "https://example.com/images/flatcar.qcow2.gz",
  regions: ["nyc3"],
  name: "basic",
  description: "Flatcar, imported by Pulumi",
  distribution: "Unknown",
  tags: ["pulumi", "custom-image-basic"],
} as const;

/** What Diff answers, as the engine receives it: nothing to do, an update in place, or a replacement because of `replaces`. */
export const NO_CHANGE: DiffResult = { changes: "none", replaces: [], deleteBeforeReplace: false };
export const IN_PLACE: DiffResult = { changes: "some", replaces: [], deleteBeforeReplace: false };
export const replacing = (...replaces: string[]): DiffResult => ({ changes: "some", replaces, deleteBeforeReplace: false });

/** What the engine keeps in state for one resource between steps. */
export interface Deployed {
  id: string;
  /** The checked inputs the resource was last created or updated with. */
  inputs: Record<string, unknown>;
  /** Its outputs (`properties` in the engine's messages). */
  outputs: Record<string, unknown>;
}

export interface HostFixtureOptions {
  /** Passed to the emulator; its clock is the shared one. */
  emulator?: Omit<EmulatorOptions, "clock" | "timeFactor">;
  /**
   * Real ms per simulated ms of the clock shared by the emulator and the provider; default 0.001.
   * At 0.001 a millisecond of loopback latency is a simulated second: tests that compare
   * simulated times use 0.01.
   */
  scale?: number;
  /**
   * Stack config sent with `Configure`, over the defaults (the token as a secret, the emulator as
   * `digitalocean:apiEndpoint`, the shared clock, fast polling); a key set to undefined is not sent.
   */
  config?: Record<string, string | undefined>;
  /** Added to the host's environment (see ProviderHostOptions.env); a function is given the started emulator. */
  env?: ProviderHostOptions["env"] | ((emulator: Emulator) => ProviderHostOptions["env"]);
  /** The test sends requests DigitalOcean would reject on purpose. */
  allowViolations?: boolean;
}

export interface HostFixture {
  readonly emulator: Emulator;
  readonly host: ProviderHost;
  /** The simulated clock the emulator and the provider share. */
  readonly clock: Clock;
  /** The config sent with `Configure`, secrets included. */
  readonly config: Record<string, string>;
  /** The inputs examples/basic sends, `__provider` as the program serialized it; an override of undefined leaves a key out. */
  inputs(overrides?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** `pulumi up` of a new resource: Check (failing the test on any check failure), then Create. */
  create(overrides?: Record<string, unknown>): Promise<Deployed>;
  /** `pulumi preview` of a changed program: Check against the state's inputs, then Diff against its outputs. */
  preview(deployed: Deployed, overrides?: Record<string, unknown>): Promise<{ checked: Record<string, unknown>; diff: DiffResult }>;
  /** `pulumi up` of a changed program: `preview`, then Update; returns the new state. */
  update(deployed: Deployed, overrides?: Record<string, unknown>): Promise<{ diff: DiffResult; deployed: Deployed }>;
  /** `pulumi destroy`: Delete with the state's outputs and inputs. */
  destroy(deployed: Deployed): Promise<void>;
  /** Runs `step` and returns the requests the emulator received meanwhile. */
  requestsDuring<T>(step: () => Promise<T>): Promise<{ result: T; requests: RequestLogEntry[] }>;
  /** Closes the host and the emulator; safe to call more than once. */
  close(): Promise<void>;
}

/** Starts an emulator and a configured host. Prefer `withHostAndEmulator`, which always closes them. */
export async function startHostAndEmulator(options: HostFixtureOptions = {}): Promise<HostFixture> {
  const scale = options.scale ?? 0.001;
  // The provider rebuilds this clock from its spec, so both processes agree on simulated time.
  const clock = scaledClock(scale);
  const emulator = await startEmulator({ ...options.emulator, clock });
  let host: ProviderHost;
  try {
    host = await startProviderHost({ env: typeof options.env === "function" ? options.env(emulator) : options.env });
  } catch (error) {
    await emulator.close();
    throw error;
  }
  const close = async () => {
    await host.close();
    await emulator.close();
  };

  const config = definedValues({
    "digitalocean:token": TOKEN,
    "digitalocean:apiEndpoint": emulator.url,
    "digitalocean-custom-image:clock": clock.spec,
    ...FAST_POLLING,
    ...options.config,
  });
  try {
    await host.configure(config, ["digitalocean:token"]);
  } catch (error) {
    await close();
    throw error;
  }

  const inputs = async (overrides: Record<string, unknown> = {}) =>
    definedValues({ ...PROGRAM_INPUTS, __provider: await serializedProvider(), ...overrides });

  const preview: HostFixture["preview"] = async (deployed, overrides) => {
    const { inputs: checked, failures } = await host.check(URN, deployed.inputs, await inputs(overrides));
    expect(failures).toEqual([]);
    const diff = await host.diff(deployed.id, URN, deployed.outputs, checked, deployed.inputs);
    return { checked, diff };
  };

  return {
    emulator,
    host,
    clock,
    config,
    inputs,
    preview,

    async create(overrides) {
      const { inputs: checked, failures } = await host.check(URN, {}, await inputs(overrides));
      expect(failures).toEqual([]);
      const { id, properties } = await host.create(URN, checked);
      return { id, inputs: checked, outputs: properties };
    },

    async update(deployed, overrides) {
      const { checked, diff } = await preview(deployed, overrides);
      const { properties } = await host.update(deployed.id, URN, deployed.outputs, checked, deployed.inputs);
      return { diff, deployed: { id: deployed.id, inputs: checked, outputs: properties } };
    },

    destroy: (deployed) => host.delete(deployed.id, URN, deployed.outputs, deployed.inputs),

    async requestsDuring(step) {
      const before = emulator.requests.length;
      const result = await step();
      return { result, requests: emulator.requests.slice(before) };
    },

    close,
  };
}

/**
 * Runs `body` with a fresh emulator and host, closed in `finally`. Unless the test says it sends
 * invalid requests on purpose, any spec violation the emulator recorded fails the test.
 */
export async function withHostAndEmulator<T>(options: HostFixtureOptions, body: (fixture: HostFixture) => Promise<T>): Promise<T> {
  const fixture = await startHostAndEmulator(options);
  try {
    const result = await body(fixture);
    if (!options.allowViolations) expect(fixture.emulator.violations).toEqual([]);
    return result;
  } finally {
    await fixture.close();
  }
}

/** The error a host call failed with, as the engine receives it; fails the test when the call succeeded. */
export async function failureOf(call: Promise<unknown>): Promise<ProviderHostError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderHostError);
  return error as ProviderHostError;
}

/** Each request as "METHOD /path", in arrival order. */
export function routes(requests: readonly RequestLogEntry[]): string[] {
  return requests.map((request) => `${request.method} ${request.path}`);
}

/** The requests that change something (not GET), as "METHOD /path" with their bodies, in arrival order. */
export function writes(requests: readonly RequestLogEntry[]): { route: string; body: unknown }[] {
  return requests
    .filter((request) => request.method !== "GET")
    .map((request) => ({ route: `${request.method} ${request.path}`, body: request.body }));
}

function definedValues<T>(record: Record<string, T | undefined>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter((entry): entry is [string, T] => entry[1] !== undefined));
}
