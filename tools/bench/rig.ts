import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Clock, scaledClock } from "../../src/client/clock";
import type { customImageProvider } from "../../src/custom-image";
import { newScopeNonce } from "../../src/provider/import-marker";
import { type Emulator, type EmulatorOptions, startEmulator } from "pulumi-digitalocean-custom-image-emulator";
import { customImageUrn } from "../provider-host/engine-values";
import { assertBuilt, exampleDir, REPO_ROOT } from "../shared/example-package";
import { type ProviderHost, serializeProvider, startProviderHost } from "../provider-host/provider-host";

/**
 * One measured run: two emulators with identical options on one scaled clock, one for this
 * provider and one for the Terraform replay, so that neither sees the other's images in a
 * listing nor spends the other's rate limit; and the SDK's dynamic-provider host (its own
 * process, started as the engine starts it) configured for the first emulator with the same
 * clock. The provider runs with its production defaults: no poll interval override.
 */

export const TOKEN = "test-token";
export const SECRET_KEYS = ["digitalocean:token"];

export interface Rig {
  /** Real ms per simulated ms, shared by both emulators, the host's provider and the replay. */
  readonly scale: number;
  readonly clock: Clock;
  /** What this provider talks to (through the host). */
  readonly ours: Emulator;
  /** What the Terraform replay talks to. */
  readonly terraform: Emulator;
  readonly host: ProviderHost;
  /** The stack config the host was configured with (the token as a secret): for another host, as a later `pulumi` command starts. */
  readonly config: Record<string, string>;
  /** `pulumi up` of one new resource as the engine does it: Check, then Create. */
  create(name: string, inputs: Record<string, unknown>): Promise<CreatedThroughHost>;
  close(): Promise<void>;
}

export interface CreatedThroughHost {
  id: number;
  /** The checked inputs, as the engine stores them. */
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** Simulated ms when its Check was sent, and when Create's answer reached the engine (this process). */
  sentAt: number;
  returnedAt: number;
}

/** `providerConfig`: stack config added to the provider's (e.g. `digitalocean-custom-image:pollIntervalSeconds`). */
export async function startRig(
  scale: number,
  emulatorOptions: Omit<EmulatorOptions, "clock" | "timeFactor"> = {},
  providerConfig: Record<string, string> = {},
): Promise<Rig> {
  // The provider rebuilds this clock from its spec, so both processes agree on simulated time.
  const clock = scaledClock(scale);
  const ours = await startEmulator({ ...emulatorOptions, clock });
  const terraform = await startEmulator({ ...emulatorOptions, clock });
  let host: ProviderHost | undefined;
  const close = async () => {
    await host?.close();
    await Promise.all([ours.close(), terraform.close()]);
  };
  const config = {
    "digitalocean:token": TOKEN,
    "digitalocean:apiEndpoint": ours.url,
    "digitalocean-custom-image:clock": clock.spec,
    ...providerConfig,
  };
  try {
    host = await startWarmHost(config);
  } catch (error) {
    await close();
    throw error;
  }
  const started = host;

  return {
    scale,
    clock,
    ours,
    terraform,
    host: started,
    config,
    create: (name, inputs) => createThroughHost(started, clock, name, inputs),
    async close() {
      await close();
      const violations = [...ours.violations, ...terraform.violations];
      if (violations.length > 0)
        throw new Error(`the emulator saw requests DigitalOcean would reject: ${JSON.stringify(violations, null, 2)}`);
    },
  };
}

/**
 * A provider host configured with `config` whose provider is loaded: the host loads it on its first
 * call (about a real second, which the time factor would magnify into minutes); a Check is pure,
 * so loading it now costs no API request.
 */
export async function startWarmHost(config: Record<string, string>): Promise<ProviderHost> {
  const host = await startProviderHost();
  try {
    await host.configure(config, SECRET_KEYS);
    const warmUp = await host.check(
      customImageUrn("warm-up"),
      {},
      await programInputs("warm-up", "https://images.example.com/warm-up.qcow2.gz", ["nyc3"]),
    );
    if (warmUp.failures.length > 0) throw new Error(`Check rejected the warm-up resource: ${JSON.stringify(warmUp.failures)}`);
    return host;
  } catch (error) {
    await host.close();
    throw error;
  }
}

/** `pulumi up` of one new resource through `host`, as the engine does it: Check, then Create. */
export async function createThroughHost(
  host: ProviderHost,
  clock: Clock,
  name: string,
  inputs: Record<string, unknown>,
): Promise<CreatedThroughHost> {
  const urn = customImageUrn(name);
  const sentAt = clock.now();
  const checked = await host.check(urn, {}, inputs);
  if (checked.failures.length > 0) throw new Error(`Check rejected ${name}: ${JSON.stringify(checked.failures)}`);
  const created = await host.create(urn, checked.inputs);
  return { id: Number(created.id), inputs: checked.inputs, outputs: created.properties, sentAt, returnedAt: clock.now() };
}

let serialized: Promise<string> | undefined;

/**
 * `__provider` exactly as a program stores it: the SDK's serialization of the shim exported by the
 * built package (the text the host receives with every call). Plain `require` keeps the compiled
 * function text; tsx leaves `.js` files of a CommonJS package as they are.
 */
export function providerText(): Promise<string> {
  assertBuilt();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the built package, as a program loads it
  const built = require(join(REPO_ROOT, "dist", "custom-image.js")) as { customImageProvider: typeof customImageProvider };
  serialized ??= serializeProvider(built.customImageProvider);
  return serialized;
}

/** Peak and current resident memory of a process, from /proc (Linux); undefined elsewhere. */
export function processMemory(pid: number): { peakRssMb: number; rssMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { peakRssMb: kb("VmHWM") / 1024, rssMb: kb("VmRSS") / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * What a program declaring `new CustomImage(name, { url, regions, distribution: "Unknown", tags: ["bench"] })`
 * sends, with the nonce a fresh stack's CustomImageScope draws.
 */
export async function programInputs(name: string, url: string, regions: string[]): Promise<Record<string, unknown>> {
  return {
    url,
    regions,
    name,
    distribution: "Unknown",
    tags: ["bench"],
    __importScope: `custom-image-bench/dev/${name}/${newScopeNonce()}`,
    __provider: await providerText(),
  };
}

/** The same resource as a `digitalocean_custom_image` block, for the Terraform replay. */
export function terraformInputs(name: string, url: string, regions: string[]) {
  return { name, url, regions, distribution: "Unknown", tags: ["bench"] };
}

/**
 * Where the host (started in examples/basic) and the provider (this repository, linked into
 * examples/basic/node_modules) each find `@pulumi/pulumi`. When examples/basic has its own
 * node_modules, they are two copies, and the host loads the SDK twice.
 */
export function sdkCopies(): { host: string; provider: string; loadedTwice: boolean } {
  const host = require.resolve("@pulumi/pulumi", { paths: [exampleDir()] });
  const provider = require.resolve("@pulumi/pulumi", { paths: [join(REPO_ROOT, "dist", "provider")] });
  return { host, provider, loadedTwice: host !== provider };
}
