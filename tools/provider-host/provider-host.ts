import { type ChildProcess, spawn } from "node:child_process";
import { type AddressInfo, createServer } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { createInterface } from "node:readline";
import * as grpc from "@grpc/grpc-js";
import * as pulumi from "@pulumi/pulumi";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { engineProperties, engineSecret } from "./engine-values";
import { assertBuilt, exampleDir, linkExamplePackage, REPO_ROOT } from "../shared/example-package";

/**
 * Pulumi's dynamic-provider host (`@pulumi/pulumi/cmd/dynamic-provider`), started and called the
 * way the engine does it (sdk/go/common/resource/plugin/provider_plugin.go in pulumi/pulumi): a
 * process in the program's folder, given an engine address it never dials, printing its port on
 * the first stdout line, then spoken to over gRPC with the SDK's own generated stubs. Requests
 * carry plain JS values converted as the engine converts property maps; responses come back as
 * plain JS values. Nothing of the provider is loaded into the test process: the host runs the
 * serialized shim, which loads the built package by name from the program's folder.
 *
 * `@grpc/grpc-js` and `google-protobuf` are dependencies of `@pulumi/pulumi`, resolved from the
 * repository root where npm hoists them, so the generated stubs and this file share one grpc-js.
 */

export interface ProviderHostOptions {
  /** The program folder the host runs in (the engine uses the folder of Pulumi.yaml). Default examples/basic. */
  cwd?: string;
  /** Added to the host's environment; a value of undefined removes a variable. */
  env?: Record<string, string | undefined>;
  /** The Pulumi project name the engine would pass (`PULUMI_NODEJS_PROJECT`); default "custom-image-basic". */
  project?: string;
  /** Real milliseconds to wait for the host's port; default 20 s. */
  startTimeoutMs?: number;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: CheckFailure[];
}

export interface DiffResult {
  changes: "none" | "some" | "unknown";
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export interface ReadResult {
  /** "" when the provider reported the resource gone. */
  id: string;
  properties: Record<string, unknown>;
  inputs?: Record<string, unknown>;
}

/** What the engine receives as `ErrorResourceInitFailed`: the resource exists, recorded with these outputs. */
export interface InitFailure {
  id: string;
  properties: Record<string, unknown>;
  reasons: string[];
}

/** A failed call: `message` is the text the engine shows (the gRPC status details). */
export class ProviderHostError extends Error {
  constructor(
    readonly method: string,
    /** gRPC status code (2 = UNKNOWN for provider errors, 14 = UNAVAILABLE when the host is gone). */
    readonly code: number,
    message: string,
    /** Set when a create/update failed after the resource existed (a partial failure). */
    readonly initFailed?: InitFailure,
  ) {
    super(message);
    this.name = "ProviderHostError";
  }
}

export interface ProviderHost {
  readonly port: number;
  readonly pid: number;
  /** The host script run, resolved from `cwd` as the engine's `pulumi-resource-pulumi-nodejs` does. */
  readonly hostScript: string;
  /** Real ms from spawning the process to a connected channel. */
  readonly startupMs: number;
  /** Every stdout line after the port and every stderr line, in arrival order (`info: [runtime] ...` from pulumi.log). */
  readonly logs: string[];
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends `config` (namespaced keys such as `digitalocean:token`) as the engine does; keys in `secretKeys` go as secrets. */
  /** Resolves to the host's answer: whether it accepts secrets (the engine strips them from every later request when not). */
  configure(config: Record<string, string>, secretKeys?: string[]): Promise<{ acceptSecrets: boolean }>;
  /** `olds` are the previous inputs (empty on create). */
  check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<CheckResult>;
  /** `olds` are the previous outputs (state), as in `DiffRequest.olds`; `oldInputs` default to them. */
  diff(
    id: string,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    oldInputs?: Record<string, unknown>,
  ): Promise<DiffResult>;
  create(urn: string, properties: Record<string, unknown>): Promise<{ id: string; properties: Record<string, unknown> }>;
  /** `properties` are the outputs in state (refresh); `inputs` the inputs in state. */
  read(id: string, urn: string, properties: Record<string, unknown>, inputs?: Record<string, unknown>): Promise<ReadResult>;
  update(
    id: string,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
    oldInputs?: Record<string, unknown>,
  ): Promise<{ properties: Record<string, unknown> }>;
  delete(id: string, urn: string, properties: Record<string, unknown>, oldInputs?: Record<string, unknown>): Promise<void>;
  /** SIGKILL, as when the host crashes; calls made afterwards fail with UNAVAILABLE. */
  kill(): Promise<void>;
  /** Closes the channel and kills the process; safe to call more than once and after `kill`. */
  close(): Promise<void>;
}

/**
 * The engine starts the host with its own address. The host never dials it, but the provider
 * probes it while an operation runs and exits once nothing listens (src/provider/engine-watch.ts),
 * so each host gets a listener that stands for the engine until the host exits.
 */
async function standInEngine(): Promise<{ address: string; close(): void }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  return { address: `127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => void server.close() };
}
const INIT_FAILED_TYPE = "pulumirpc.ErrorResourceInitFailed";
/** Credentials a developer's shell may hold; the host must get them only through Configure unless a test says so. */
const DIGITALOCEAN_ENV = ["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN", "DIGITALOCEAN_API_URL"];

export async function startProviderHost(options: ProviderHostOptions = {}): Promise<ProviderHost> {
  const cwd = options.cwd ?? exampleDir();
  const project = options.project ?? "custom-image-basic";
  assertBuilt();
  linkExamplePackage(cwd);
  const hostScript = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js", { paths: [cwd] });

  const env: Record<string, string | undefined> = { ...process.env, PULUMI_NODEJS_PROJECT: project, PULUMI_PROJECT: project };
  // Hermetic by default: no credentials from the developer's shell, no Jest-only Node flags.
  for (const name of [...DIGITALOCEAN_ENV, "NODE_OPTIONS"]) delete env[name];
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }

  const started = performance.now();
  const engine = await standInEngine();
  const child = spawn(process.execPath, [hostScript, engine.address], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  const logs: string[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      engine.close();
      resolve({ code, signal });
    });
  });

  let port: number;
  try {
    port = await readPort(child, logs, exited, options.startTimeoutMs ?? 20_000);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
    // The engine's limit (rpcutil.MaxRPCMessageSize); state with a large provider text must fit.
    "grpc.max_receive_message_length": 400 * 1024 * 1024,
  });
  try {
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve())));
  } catch (error) {
    client.close();
    child.kill("SIGKILL");
    throw error;
  }
  const startupMs = performance.now() - started;

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
  };

  return {
    port,
    pid: child.pid ?? -1,
    hostScript,
    startupMs,
    logs,
    exited,

    async configure(config, secretKeys = []) {
      const secret = new Set(secretKeys);
      const args: Record<string, unknown> = {};
      const request = new proto.ConfigureRequest();
      for (const [key, value] of Object.entries(config)) {
        args[key] = secret.has(key) ? engineSecret(value) : value;
        // The older "<package>:config:<key>" spelling, with secrets removed, as the engine still sends it.
        request.getVariablesMap().set(`pulumi-nodejs:config:${key}`, value);
      }
      const providerUrn = `urn:pulumi:dev::${project}::pulumi:providers:pulumi-nodejs::default`;
      request
        .setArgs(toStruct(args))
        .setAcceptsecrets(true)
        .setAcceptresources(true)
        .setSendsOldInputs(true)
        .setSendsOldInputsToDelete(true)
        .setUrn(providerUrn)
        .setName("default")
        .setType("pulumi:providers:pulumi-nodejs")
        .setId(randomUUID());
      const response = await unary<proto.ConfigureResponse>("configure", (callback) => client.configure(request, callback));
      return { acceptSecrets: response.getAcceptsecrets() };
    },

    // The engine marshals every later request without secrets: the host's ConfigureResponse says acceptSecrets: false.
    async check(urn, olds, news) {
      const request = naming(new proto.CheckRequest(), urn).setOlds(toStruct(olds)).setNews(toStruct(news)).setRandomseed(randomBytes(32));
      const response = await unary<proto.CheckResponse>("check", (callback) => client.check(request, callback));
      return {
        inputs: fromStruct(response.getInputs()),
        failures: response.getFailuresList().map((failure) => ({ property: failure.getProperty(), reason: failure.getReason() })),
      };
    },

    async diff(id, urn, olds, news, oldInputs = olds) {
      const request = changing(new proto.DiffRequest(), id, urn, { olds, news, oldInputs });
      const response = await unary<proto.DiffResponse>("diff", (callback) => client.diff(request, callback));
      const changes = response.getChanges();
      const { DiffChanges } = proto.DiffResponse;
      return {
        changes: changes === DiffChanges.DIFF_NONE ? "none" : changes === DiffChanges.DIFF_SOME ? "some" : "unknown",
        replaces: response.getReplacesList(),
        deleteBeforeReplace: response.getDeletebeforereplace(),
      };
    },

    async create(urn, properties) {
      const request = naming(new proto.CreateRequest(), urn).setProperties(toStruct(properties));
      const response = await unary<proto.CreateResponse>("create", (callback) => client.create(request, callback));
      return { id: response.getId(), properties: fromStruct(response.getProperties()) };
    },

    async read(id, urn, properties, inputs) {
      const request = naming(new proto.ReadRequest().setId(id), urn).setProperties(toStruct(properties));
      if (inputs) request.setInputs(toStruct(inputs));
      const response = await unary<proto.ReadResponse>("read", (callback) => client.read(request, callback));
      const result: ReadResult = { id: response.getId(), properties: fromStruct(response.getProperties()) };
      if (response.hasInputs()) result.inputs = fromStruct(response.getInputs());
      return result;
    },

    async update(id, urn, olds, news, oldInputs = olds) {
      const request = changing(new proto.UpdateRequest(), id, urn, { olds, news, oldInputs });
      const response = await unary<proto.UpdateResponse>("update", (callback) => client.update(request, callback));
      return { properties: fromStruct(response.getProperties()) };
    },

    async delete(id, urn, properties, oldInputs = properties) {
      const request = naming(new proto.DeleteRequest().setId(id), urn)
        .setProperties(toStruct(properties))
        .setOldInputs(toStruct(oldInputs));
      await unary("delete", (callback) => client.delete(request, callback));
    },

    kill: stop,

    async close() {
      client.close();
      await stop();
    },
  };
}

/** The first stdout line is the port; everything after it, and all of stderr, is a log line. */
function readPort(
  child: ChildProcess,
  logs: string[],
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  timeoutMs: number,
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let port: number | undefined;
    const timer = setTimeout(
      () => reject(new Error(`the provider host printed no port within ${timeoutMs} ms; output:\n${logs.join("\n")}`)),
      timeoutMs,
    );
    createInterface({ input: child.stderr! }).on("line", (line) => logs.push(line));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (port !== undefined) {
        logs.push(line);
        return;
      }
      port = Number(line.trim());
      clearTimeout(timer);
      if (Number.isInteger(port) && port > 0) resolve(port);
      else reject(new Error(`the provider host printed "${line}" instead of its port`));
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (port === undefined)
        reject(new Error(`the provider host exited (code ${code}, signal ${signal}) before printing its port:\n${logs.join("\n")}`));
    });
  });
}

type Callback<T> = (error: grpc.ServiceError | null, response: T) => void;

function unary<T>(method: string, call: (callback: Callback<T>) => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    call((error, response) => (error ? reject(hostError(method, error)) : resolve(response)));
  });
}

/**
 * The host reports a partial failure as `grpc-status-details-bin` trailer metadata: a
 * google.rpc.Status whose details hold an Any packing `pulumirpc.ErrorResourceInitFailed`
 * (grpcResponseFromError in cmd/dynamic-provider). The engine decodes it the same way.
 */
function hostError(method: string, error: grpc.ServiceError): ProviderHostError {
  let initFailed: InitFailure | undefined;
  for (const value of error.metadata?.get("grpc-status-details-bin") ?? []) {
    const status = Status.deserializeBinary(typeof value === "string" ? Buffer.from(value, "base64") : new Uint8Array(value));
    for (const detail of status.getDetailsList()) {
      const failed = detail.unpack(proto.ErrorResourceInitFailed.deserializeBinary, INIT_FAILED_TYPE);
      if (failed) initFailed = { id: failed.getId(), properties: fromStruct(failed.getProperties()), reasons: failed.getReasonsList() };
    }
  }
  return new ProviderHostError(method, error.code, error.details || error.message, initFailed);
}

function toStruct(properties: Record<string, unknown>): Struct {
  return Struct.fromJavaScript(engineProperties(properties));
}

function fromStruct(struct: Struct | undefined): Record<string, unknown> {
  return struct ? struct.toJavaScript() : {};
}

/** A request about one resource (each generated setter returns the request itself). */
interface ResourceRequest<R> {
  setUrn(value: string): R;
  setName(value: string): R;
  setType(value: string): R;
}

/** Names the resource as the engine does in every resource request: its URN, and the name and type the URN holds. */
function naming<R extends ResourceRequest<R>>(request: R, urn: string): R {
  return request.setUrn(urn).setName(urnName(urn)).setType(urnType(urn));
}

interface ChangeRequest<R> extends ResourceRequest<R> {
  setId(value: string): R;
  setOlds(value: Struct): R;
  setOldInputs(value: Struct): R;
  setNews(value: Struct): R;
}

/** Diff and Update: the resource's id, its state (outputs and inputs) and the program's new inputs. */
function changing<R extends ChangeRequest<R>>(
  request: R,
  id: string,
  urn: string,
  { olds, news, oldInputs }: { olds: Record<string, unknown>; news: Record<string, unknown>; oldInputs: Record<string, unknown> },
): R {
  return naming(request.setId(id), urn).setOlds(toStruct(olds)).setOldInputs(toStruct(oldInputs)).setNews(toStruct(news));
}

function urnName(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function urnType(urn: string): string {
  const parts = urn.split("::");
  return parts[parts.length - 2] ?? "";
}

let serialized: Promise<string> | undefined;

/**
 * The `__provider` text exactly as a program stores it: the SDK's serialization of the provider
 * object exported by the built package (dist/custom-image.js, which a program gets from
 * `import { CustomImage } from "pulumi-digitalocean-custom-image"`).
 */
export function serializedProvider(): Promise<string> {
  assertBuilt();
  serialized ??= serializeProvider(
    jest.requireActual<typeof import("../../src/custom-image")>(join(REPO_ROOT, "dist", "custom-image.js")).customImageProvider,
  );
  return serialized;
}

/**
 * What `pulumi.dynamic.Resource` does with its provider (serializeFunctionMaybeSecret in
 * @pulumi/pulumi/dynamic). The capturing arrow is built from the SDK's own source text: the
 * serialized text includes it, and SWC would print it with different spacing.
 */
const captureProvider = new Function("provider", "return () => provider;") as (provider: object) => () => object;

export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<string> {
  return (await pulumi.runtime.serializeFunction(captureProvider(provider), { allowSecrets: true })).text;
}
