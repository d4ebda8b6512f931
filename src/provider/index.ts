import * as pulumi from "@pulumi/pulumi";
import { clockFromSpec } from "../client/clock";
import { type AccountCredentials, CREDENTIAL_CONFIG_KEYS, findToken, resolveAccountCredentials } from "../client/credentials";
import { loadClient } from "../client/load-client";
import { MissingTokenError } from "../client/errors";
import { ImageWaiter, defaultImageWaiterOptions } from "../client/image-waiter";
import { adopt } from "./adopt";
import { refuseReplacingAdopted } from "./import-option";
import { checkFileContent } from "../spaces/file-content-check";
import { afterResumedImport, createFromFile, deleteLeftObject, type FileInputs } from "../spaces/file-import";
import { SPACES_KEYS } from "../spaces/spaces-settings";
import { check as checkInputs } from "./check";
import { newScopeNonce } from "./import-marker";
import { watchingEngine } from "./engine-watch";
import { diff as diffInputs } from "./diff";
import {
  type ProviderLog,
  type Runtime,
  ResourceInitError,
  create as createImage,
  deleteImage,
  label,
  read as readImage,
  update as updateImage,
} from "./lifecycle";
import { naming, withSubject } from "../client/log-subject";
import { accountOf as lookupAccount } from "../lookup-output";
import { ADOPTING, type CustomImageInputs, type CustomImageOutputs, IMPORT_ID, UNKNOWN } from "./types";

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
/** Runtimes of resources that give their own `token` (another account), by endpoint and token. */
const accountRuntimes = new Map<string, Runtime>();
let tokenChecked = false;

/**
 * The provider's log: each message about a resource names it (log-subject.ts), since the host logs
 * with no resource and Pulumi shows the messages under the stack.
 */
const pulumiLog: ProviderLog = {
  info: (message) => void pulumi.log.info(naming(message)),
  warn: (message) => void pulumi.log.warn(naming(message)),
};

/** How messages about the image `props` describe name it: its name as the program gave it (by default the resource's), and its id once it has one. */
function subjectOf(props: Record<string, unknown>, id?: string): string {
  if (typeof props.name === "string" && props.name !== UNKNOWN)
    return label({ name: props.name }, id === undefined ? undefined : Number(id));
  return id === undefined ? "image (name not known yet)" : `image ${id}`;
}

/**
 * Called by the host once per distinct provider text with the whole stack config. The host caches
 * the provider before awaiting this, so the config is taken synchronously; nothing is read from
 * it until an operation needs the API.
 */
export function configure(request: { config: ConfigSource }): Promise<void> {
  const keys = [...CREDENTIAL_CONFIG_KEYS, ...Object.values(CONFIG), ...Object.values(SPACES_KEYS).map((key) => key.config)];
  config = Object.fromEntries(keys.map((key) => [key, request.config.get(key)]));
  runtime = undefined;
  accountRuntimes.clear();
  tokenChecked = false;
  return Promise.resolve();
}

/**
 * The shared client and waiter, built on first use from the config (or the environment); for a
 * resource that gives its own `token` (and `apiEndpoint`), one per account, shared by every
 * resource of that account: DigitalOcean's rate limits are per token.
 */
export function getRuntime(account: AccountCredentials = {}): Runtime {
  if (account.token === undefined) return (runtime ??= newRuntime(account));
  const key = JSON.stringify([account.apiEndpoint ?? null, account.token]);
  let own = accountRuntimes.get(key);
  if (!own) {
    own = newRuntime(account);
    accountRuntimes.set(key, own);
  }
  return own;
}

/** The `token` and `apiEndpoint` inputs a resource's inputs or recorded outputs hold. */
function accountOf(props: Record<string, unknown>): AccountCredentials {
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const token = text(props.token);
  const apiEndpoint = text(props.apiEndpoint);
  return { ...(token === undefined ? {} : { token }), ...(apiEndpoint === undefined ? {} : { apiEndpoint }) };
}

function newRuntime(account: AccountCredentials): Runtime {
  const { token, tokenSource, apiEndpoint, apiEndpointSource, allowInsecureEndpoint, warnings } = resolveAccountCredentials(
    account,
    config,
  );
  const clock = clockFromSpec(config[CONFIG.clock]);
  const log = pulumiLog;
  // About the stack's config, not the resource whose operation happens to build the runtime.
  for (const warning of warnings) void pulumi.log.warn(warning);
  const client = new (loadClient())({
    token,
    tokenSource,
    apiEndpoint,
    apiEndpointSource,
    allowInsecureEndpoint,
    clock,
    timeoutMs: seconds(config[CONFIG.requestTimeoutSeconds], CONFIG.requestTimeoutSeconds) ?? 30_000,
    // The client names its subject itself, as it was when the request was sent (its retries are logged from got's hooks).
    logger: (level, message) =>
      level === "warn" ? void pulumi.log.warn(message) : level === "info" ? void pulumi.log.info(message) : undefined,
  });
  const maxIntervalMs = seconds(config[CONFIG.pollIntervalSeconds], CONFIG.pollIntervalSeconds);
  const waiter = new ImageWaiter(
    client,
    maxIntervalMs === undefined ? {} : { maxIntervalMs, minIntervalMs: Math.min(defaultImageWaiterOptions.minIntervalMs, maxIntervalMs) },
  );
  return { client, waiter, log };
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
  await withSubject(subjectOf(result.inputs), async () => {
    await checkFileContent(result, pulumiLog);
    for (const warning of result.warnings) pulumiLog.warn(warning);
  });
  if (news.token === undefined) warnOnceIfNoToken();
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
  const result = diffInputs(id, olds, news);
  refuseReplacingAdopted(news, result.replaces ?? []);
  return result;
}

/**
 * A write about the image `props` describe: its messages name the image, and it runs watching the
 * engine (see engine-watch.ts), so that a host that outlives a killed CLI exits instead of
 * carrying on with an operation no engine will record.
 */
function writing<T>(props: Record<string, unknown>, id: string | undefined, work: () => Promise<T>): Promise<T> {
  return watchingEngine(() => withSubject(subjectOf(props, id), work));
}

export function create(inputs: CustomImageInputs & Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  return writing(inputs, undefined, () => createImageResource(inputs));
}

async function createImageResource(inputs: CustomImageInputs & Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const runtime = getRuntime(accountOf(inputs));
  if (inputs[IMPORT_ID] !== undefined) return keepProvider(adopt(runtime, inputs), inputs);
  if (inputs.file !== undefined)
    return keepProvider(createFromFile(runtime, config, inputs as CustomImageInputs & FileInputs, createImage), inputs);
  return keepProvider(createImage(runtime, inputs), inputs);
}

export function read(id: string, props: Partial<CustomImageOutputs> & Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  return withSubject(subjectOf(props, id), async () => {
    // A `CustomImage.get`'s token and apiEndpoint come from the program unchecked (Pulumi does not
    // call `check` before a read): checked here, before any request, as the lookups check theirs.
    const account = props[ADOPTING] === true ? lookupAccount("CustomImage.get", props) : accountOf(props);
    return readImage(getRuntime(account), id, props);
  });
}

export function update(
  id: string,
  olds: CustomImageOutputs,
  news: CustomImageInputs & Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
  return writing(news, id, async () => {
    const runtime = getRuntime(accountOf(news));
    const outs = await keepProvider(updateImage(runtime, id, news, olds), news);
    await afterResumedImport(runtime, config, news, olds.status);
    return { outs };
  });
}

/** `create` of a CustomImageScope (src/custom-image-scope.ts): a nonce for Pulumi to keep, and no request. */
export async function createScope(): Promise<pulumi.dynamic.CreateResult> {
  const nonce = newScopeNonce();
  return { id: nonce, outs: { nonce } };
}

/** `props` are the recorded outputs: an image of another account is deleted with the token recorded there. */
function deleteResource(id: string, props: Partial<FileInputs> & Record<string, unknown> = {}): Promise<void> {
  return writing(props, id, async () => {
    const runtime = getRuntime(accountOf(props));
    await deleteImage(runtime, Number(id));
    await deleteLeftObject(runtime, config, props);
  });
}
export { deleteResource as delete };
