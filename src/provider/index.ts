import * as pulumi from "@pulumi/pulumi";
import { clockFromSpec } from "../client/clock";
import { CREDENTIAL_CONFIG_KEYS, findToken, resolveCredentials } from "../client/credentials";
import { DigitalOceanClient } from "../client/digitalocean-client";
import { MissingTokenError } from "../client/errors";
import { ImageWaiter, defaultImageWaiterOptions } from "../client/image-waiter";
import { check as checkInputs } from "./check";
import { newScopeNonce } from "./import-marker";
import { diff as diffInputs } from "./diff";
import {
  type ProviderLog,
  type Runtime,
  ResourceInitError,
  create as createImage,
  deleteImage,
  read as readImage,
  update as updateImage,
} from "./lifecycle";
import type { CustomImageInputs, CustomImageOutputs } from "./types";

/**
 * The provider implementation that the serialized shim (see custom-image.ts) loads by package name
 * inside Pulumi's dynamic-provider host. As an ordinary module it exists once per host process, so
 * every CustomImage of a deployment shares one client, one rate budget and one image waiter.
 */

/** Stack config keys this provider reads, besides the credentials' (`CREDENTIAL_CONFIG_KEYS`). */
export const CONFIG = {
  requestTimeoutSeconds: "digitalocean-custom-image:requestTimeoutSeconds",
  pollIntervalSeconds: "digitalocean-custom-image:pollIntervalSeconds",
  /** Tests and benchmarks only: "scale,origin,realStart" of a scaled clock shared with the emulator. */
  clock: "digitalocean-custom-image:clock",
} as const;

type ConfigSource = { get(key: string): string | undefined };

let config: Record<string, string | undefined> = {};
let runtime: Runtime | undefined;
let tokenChecked = false;

const pulumiLog: ProviderLog = {
  info: (message) => void pulumi.log.info(message),
  warn: (message) => void pulumi.log.warn(message),
};

/**
 * Called by the host once per distinct provider text with the whole stack config. The host caches
 * the provider before awaiting this, so the config is taken synchronously; nothing is read from
 * it until an operation needs the API.
 */
export function configure(request: { config: ConfigSource }): Promise<void> {
  const keys = [...CREDENTIAL_CONFIG_KEYS, ...Object.values(CONFIG)];
  config = Object.fromEntries(keys.map((key) => [key, request.config.get(key)]));
  runtime = undefined;
  tokenChecked = false;
  return Promise.resolve();
}

/** The shared client and waiter, built on first use from the config (or the environment). */
export function getRuntime(): Runtime {
  if (!runtime) {
    const { token, tokenSource, apiEndpoint, apiEndpointSource, allowInsecureEndpoint, warnings } = resolveCredentials(config);
    const clock = clockFromSpec(config[CONFIG.clock]);
    const log = pulumiLog;
    for (const warning of warnings) log.warn(warning);
    const client = new DigitalOceanClient({
      token,
      tokenSource,
      apiEndpoint,
      apiEndpointSource,
      allowInsecureEndpoint,
      clock,
      timeoutMs: seconds(config[CONFIG.requestTimeoutSeconds], CONFIG.requestTimeoutSeconds) ?? 30_000,
      logger: (level, message) => (level === "warn" ? log.warn(message) : level === "info" ? log.info(message) : undefined),
    });
    const maxIntervalMs = seconds(config[CONFIG.pollIntervalSeconds], CONFIG.pollIntervalSeconds);
    const waiter = new ImageWaiter(
      client,
      maxIntervalMs === undefined ? {} : { maxIntervalMs, minIntervalMs: Math.min(defaultImageWaiterOptions.minIntervalMs, maxIntervalMs) },
    );
    runtime = { client, waiter, log };
  }
  return runtime;
}

function seconds(value: string | undefined, key: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new Error(`Config ${key} must be a positive number of seconds, got "${value}"`);
  return number * 1000;
}

const PROVIDER_KEY = "__provider";

/** Adds `__provider` to a partial failure's properties: without it the engine could not call the provider again. */
function keepProvider<T>(operation: Promise<T>, props: Record<string, unknown>): Promise<T> {
  return operation.catch((error: unknown) => {
    if (error instanceof ResourceInitError && props[PROVIDER_KEY] !== undefined) {
      (error.properties as Record<string, unknown>)[PROVIDER_KEY] = props[PROVIDER_KEY];
    }
    throw error;
  });
}

export async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  const result = checkInputs(olds, news);
  for (const warning of result.warnings) pulumiLog.warn(warning);
  warnOnceIfNoToken();
  return { inputs: result.inputs, failures: result.failures };
}

/**
 * `pulumi preview` calls only `check` and `diff`, which need no token, so a preview without one
 * succeeds; CI previews of pull requests are often given none on purpose. A warning (once per
 * host, from the config `configure` received and the environment, without an API call) tells
 * the user before `pulumi up` fails.
 */
function warnOnceIfNoToken(): void {
  if (tokenChecked) return;
  tokenChecked = true;
  if (findToken(config) === undefined)
    pulumiLog.warn(`${new MissingTokenError().message} Preview needs none, but \`pulumi up\` fails without one.`);
}

export async function diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.DiffResult> {
  return diffInputs(id, olds, news);
}

export async function create(inputs: CustomImageInputs & Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  return keepProvider(createImage(getRuntime(), inputs), inputs);
}

export async function read(id: string, props: Partial<CustomImageOutputs> & Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  return readImage(getRuntime(), id, props);
}

export async function update(
  id: string,
  olds: CustomImageOutputs,
  news: CustomImageInputs & Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
  return { outs: await keepProvider(updateImage(getRuntime(), id, news, olds), news) };
}

/** `create` of a CustomImageScope (src/custom-image-scope.ts): a nonce for Pulumi to keep, and no request. */
export async function createScope(): Promise<pulumi.dynamic.CreateResult> {
  const nonce = newScopeNonce();
  return { id: nonce, outs: { nonce } };
}

async function deleteResource(id: string): Promise<void> {
  await deleteImage(getRuntime(), Number(id));
}
export { deleteResource as delete };
