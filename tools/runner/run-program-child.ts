import { statSync } from "node:fs";
import type * as PulumiModule from "@pulumi/pulumi";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../provider-host/engine-values";
import type { ChildMessage, DoneMessage, ParentMessage, RegisterMessage, RegistrationOptions, StartMessage } from "./child-protocol";

/**
 * One run of a Pulumi program, in a process of its own (forked by program-process.ts, with
 * swc-register.cts compiling TypeScript). The SDK keeps its runtime state (settings, mocks, the stack resource, config)
 * in process globals and a program's modules stay in `require`'s cache, so a fresh process is the
 * only clean slate for every run. This side does what the language host does: set the config,
 * build the root `pulumi:pulumi:Stack`, require the program inside it, wait for every RPC. Each
 * resource the program registers is forwarded to the parent, which plays the engine.
 */

type Pulumi = typeof PulumiModule;

/** The parts of the SDK's MockMonitor this file wraps; the requests are the engine's protobuf messages. */
interface MockMonitor {
  registerResource(request: RegisterResourceRequest, callback: unknown): Promise<void>;
  readResource(request: ReadResourceRequest, callback: unknown): Promise<void>;
  registerResourceOutputs(
    request: { getUrn(): string; getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined },
    callback: unknown,
  ): void;
}

interface ReadResourceRequest {
  getParent(): string;
}

interface RegisterResourceRequest extends ReadResourceRequest {
  getDeletebeforereplace(): boolean;
  getProtect(): boolean | undefined;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getRetainondelete(): boolean | undefined;
  getAliasesList(): unknown[];
  getImportid(): string;
  getDeletedwith(): string;
  getProvider(): string;
}

/** Internal SDK functions the language host uses (exported at runtime, absent from the typings). */
interface RuntimeInternals {
  getMonitor(): MockMonitor | undefined;
  waitForRPCs(): Promise<void>;
}

const NO_OPTIONS: RegistrationOptions = { deleteBeforeReplace: false, unsupported: [] };

process.once("message", (message: ParentMessage) => {
  if (message.kind !== "start") throw new Error(`the program runner's child expected "start", got "${message.kind}"`);
  void runProgram(message).then((done) => send(done, () => process.exit(0)));
});

function send(message: ChildMessage, then?: () => void): void {
  process.send!(message, undefined, {}, () => then?.());
}

async function runProgram(start: StartMessage): Promise<DoneMessage> {
  const errors: string[] = [];
  // A resource whose failure nothing awaits ends up here, as in the language host (run.ts).
  process.on("unhandledRejection", (reason) => errors.push(errorText(reason)));
  process.on("uncaughtException", (error) => errors.push(errorText(error)));

  // The program's own copy of the SDK: the one its `import * as pulumi` gets, as under `pulumi up`.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from the program's folder at run time
  const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [start.programDir] })) as Pulumi;
  const internals = pulumi.runtime as unknown as RuntimeInternals;
  pulumi.runtime.setAllConfig(start.config, start.secretKeys);
  const registrations = new Registrations();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) =>
        registrations.forward(
          pulumi,
          args.type,
          args.name,
          args.custom ?? false,
          args.inputs as Record<string, unknown>,
          args.id || undefined,
        ),
      call: (args) => {
        throw new Error(`the program runner does not run invokes (${args.token}); see tools/runner/README.md`);
      },
    },
    start.project,
    start.stack,
    start.preview,
  );
  let outputs: Record<string, unknown> | undefined;
  registrations.watch(internals.getMonitor()!, (stackOutputs) => (outputs = stackOutputs));

  try {
    await pulumi.runtime.runInPulumiStack(() => loadProgram(start.entry));
  } catch (error) {
    errors.push(errorText(error));
  }
  await internals.waitForRPCs();
  return { kind: "done", outputs, errors };
}

/** What the language host's run.ts does with a CommonJS program: require it, call it if it is a function. */
async function loadProgram(entry: string): Promise<unknown> {
  // A trailing slash makes `require` take the folder (package.json `main`, else index.ts), never a sibling file.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the program is loaded as the language host loads it
  const exported = require(statSync(entry).isDirectory() ? `${entry}/` : entry) as unknown;
  return typeof exported === "function" ? await (exported as () => unknown)() : exported;
}

class Registrations {
  private seq = 0;
  private readonly engineUrns = new Map<string, string>();
  private readonly pending = new Map<
    number,
    { resolve: (value: { id: string; state: Record<string, unknown> }) => void; reject: (error: Error) => void }
  >();
  /** The protobuf request of the registration in progress: the mock API does not pass resource options on. */
  private options: RegistrationOptions | undefined;
  private parent: string | undefined;

  constructor() {
    process.on("message", (message: ParentMessage) => {
      if (message.kind === "start") return;
      const waiting = this.pending.get(message.seq);
      this.pending.delete(message.seq);
      if (message.kind === "registered") waiting?.resolve({ id: message.id, state: message.state });
      else waiting?.reject(new Error(message.message));
    });
  }

  /**
   * Wraps the MockMonitor: `newResource` is called synchronously inside `registerResource` and
   * `readResource`, so the request (options, parent) seen just before belongs to it. The root
   * stack's outputs arrive through `registerResourceOutputs`, already in the engine's wire form.
   */
  watch(monitor: MockMonitor, onStackOutputs: (outputs: Record<string, unknown>) => void): void {
    const register = monitor.registerResource.bind(monitor);
    const read = monitor.readResource.bind(monitor);
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResource = (request, callback) => {
      this.options = registrationOptions(request);
      this.parent = request.getParent() || undefined;
      try {
        return register(request, callback);
      } finally {
        this.options = undefined;
        this.parent = undefined;
      }
    };
    monitor.readResource = (request, callback) => {
      this.options = NO_OPTIONS;
      this.parent = request.getParent() || undefined;
      try {
        return read(request, callback);
      } finally {
        this.options = undefined;
        this.parent = undefined;
      }
    };
    monitor.registerResourceOutputs = (request, callback) => {
      if (qualifiedType(request.getUrn()) === ROOT_STACK_TYPE) onStackOutputs(request.getOutputs()?.toJavaScript() ?? {});
      registerOutputs(request, callback);
    };
  }

  async forward(pulumi: Pulumi, type: string, name: string, custom: boolean, inputs: Record<string, unknown>, readId: string | undefined) {
    const options = this.options ?? NO_OPTIONS;
    const parent = this.parent;
    const seq = ++this.seq;
    const secretInputs: string[] = [];
    const wire: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(inputs)) {
      const plain = toWire(pulumi, value, `${name}.${key}`);
      if (plain.secret) secretInputs.push(key);
      if (plain.value !== undefined) wire[key] = plain.value;
    }
    const { urn } = urnOf(pulumi, this.engineUrns, parent, type, name);
    const message: RegisterMessage = {
      kind: "register",
      seq,
      urn,
      type,
      name,
      custom,
      parent: parent && this.engineUrns.get(parent),
      readId,
      inputs: wire,
      secretInputs,
      options,
    };
    const result = await new Promise<{ id: string; state: Record<string, unknown> }>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      send(message);
    });
    const state = { ...result.state };
    for (const key of secretInputs) if (key in state) state[key] = { [SIG_KEY]: SECRET_SIG, value: state[key] };
    return { id: result.id, state };
  }
}

function registrationOptions(request: RegisterResourceRequest): RegistrationOptions {
  const unsupported: string[] = [];
  if (request.getProtect()) unsupported.push("protect");
  if (request.getIgnorechangesList().length > 0) unsupported.push("ignoreChanges");
  if (request.getReplaceonchangesList().length > 0) unsupported.push("replaceOnChanges");
  if (request.getRetainondelete()) unsupported.push("retainOnDelete");
  if (request.getAliasesList().length > 0) unsupported.push("aliases");
  if (request.getImportid()) unsupported.push("import");
  if (request.getDeletedwith()) unsupported.push("deletedWith");
  if (request.getProvider()) unsupported.push("provider");
  return { deleteBeforeReplace: request.getDeletebeforereplace(), unsupported };
}

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

function qualifiedType(urn: string): string {
  return urn.split("::")[2] ?? "";
}

/**
 * The URN the engine gives the resource: its parent's qualified type and `$`, except under the root
 * stack (resource.NewURN in pulumi/pulumi). MockMonitor's `newUrn` differs (it keeps the stack's
 * type and only the parent's last type), so children name their parent by the mock's URN, which
 * `engineUrns` maps back.
 */
function urnOf(
  pulumi: Pulumi,
  engineUrns: Map<string, string>,
  mockParent: string | undefined,
  type: string,
  name: string,
): { urn: string; mockUrn: string } {
  const prefix = (parentType: string | undefined) => (parentType ? `${parentType}$${type}` : type);
  const urn = (qualified: string) => `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${qualified}::${name}`;
  const parent = mockParent === undefined ? undefined : engineUrns.get(mockParent);
  const parentType = parent === undefined ? undefined : qualifiedType(parent);
  const result = {
    urn: urn(prefix(parentType === ROOT_STACK_TYPE ? undefined : parentType)),
    mockUrn: urn(prefix(mockParent === undefined ? undefined : qualifiedType(mockParent).split("$").pop())),
  };
  engineUrns.set(result.mockUrn, result.urn);
  return result;
}

/** A deserialized SDK value as the engine puts it on the wire to a provider. */
function toWire(pulumi: Pulumi, value: unknown, path: string): { value: unknown; secret: boolean } {
  if (pulumi.isUnknown(value)) return { value: UNKNOWN, secret: false };
  if (value === null || typeof value !== "object") return { value, secret: false };
  if (Array.isArray(value)) {
    const elements = value.map((element, index) => toWire(pulumi, element, `${path}[${index}]`));
    return { value: elements.map((element) => element.value ?? null), secret: elements.some((element) => element.secret) };
  }
  const record = value as Record<string, unknown>;
  if (record[SIG_KEY] === SECRET_SIG) return { value: toWire(pulumi, record.value, path).value, secret: true };
  if (
    record[SIG_KEY] !== undefined ||
    pulumi.Resource.isInstance(value) ||
    pulumi.asset.Asset.isInstance(value) ||
    pulumi.asset.Archive.isInstance(value)
  ) {
    throw new Error(`the program runner cannot pass ${path} to a provider: assets, archives and resource references are not supported`);
  }
  let secret = false;
  const result: Record<string, unknown> = {};
  for (const [key, element] of Object.entries(record)) {
    const plain = toWire(pulumi, element, `${path}.${key}`);
    secret ||= plain.secret;
    if (plain.value !== undefined) result[key] = plain.value;
  }
  return { value: result, secret };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
