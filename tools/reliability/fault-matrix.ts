import type { Clock } from "../../src/client/clock";
import type { Fault, FaultMatch, InjectedFault } from "pulumi-digitalocean-custom-image-emulator";
import type { Outcome } from "./engine";
import { Expectations, mapLimit } from "./expectations";
import { accounting, accountingProblems, stateDisagreements } from "./invariants";
import { programInputs, type Stack, until, withStack } from "./stack";
import { type UploadFaultRow, uploadFaults } from "./upload-faults";

/**
 * Suite 1: every fault on every operation, through the SDK's host against the emulator.
 *
 * A cell deploys what its operation needs, injects the fault on that operation's requests, runs
 * the engine step (up, refresh or destroy), then checks that the step succeeded or failed with a
 * message naming the operation and the image; that the account and the state agree (no orphan, no
 * duplicate, no state naming a gone image); that the next step, the fault gone, converges and
 * leaves the state equal to the image; and that destroy leaves nothing behind.
 *
 * Each fault runs in two variants: `once` (the next matching request only: a transient fault the
 * provider should absorb) and `persistent` (every matching request until the step ends: retries
 * run out, and the step must fail clearly and leave the state right).
 *
 * Faults on the import POST and on the import wait cannot name their image in advance (the path is
 * `/v2/images`, and the waiter of a single image GETs it by id, of several lists them), so those
 * cells run one at a time, each lane on its own emulator and host; the others target one image's
 * paths and run concurrently on a third.
 */

export type Variant = "once" | "persistent";
export const VARIANTS: Variant[] = ["once", "persistent"];

interface FaultContext {
  clock: Clock;
  scale: number;
  requestTimeoutMs: number;
}

export interface FaultKind {
  key: string;
  label: string;
  fault(context: FaultContext): Fault;
  /** Only for the waits: elsewhere a 404 means the image is gone, which the drift suite covers. */
  waitsOnly?: boolean;
}

/** Real ms before the provider abandons a request (its `requestTimeoutSeconds` config), so that a hang costs little. */
const REQUEST_TIMEOUT_MS = 400;
/**
 * Simulated seconds the import of a wait cell takes (240 real ms at this scale), so that the fault,
 * armed once the import is accepted, lands in the middle of its wait.
 */
const WAIT_IMPORT_SECONDS = 240;
/**
 * The waits' bounds in the wait cells, in minutes. A deadline does not wait for a check in flight,
 * so they leave room for the import or transfer plus one hang of a whole request timeout (400 real
 * ms: 6.7 simulated minutes at this scale) and its retry, with a margin for a busy machine.
 */
const WAIT_CELL_CREATE_TIMEOUT_MINUTES = 20;
const WAIT_CELL_TRANSFER_TIMEOUT_MINUTES = 15;

export const FAULTS: FaultKind[] = [
  { key: "429-retry-after", label: "429 + retry-after", fault: () => ({ kind: "status", status: 429, headers: { "retry-after": "3" } }) },
  {
    key: "429-ratelimit-reset",
    label: "429 + ratelimit-reset only",
    fault: ({ clock }) => ({ kind: "status", status: 429, headers: { "ratelimit-reset": String(Math.ceil(clock.now() / 1000) + 3) } }),
  },
  { key: "500", label: "500", fault: () => ({ kind: "status", status: 500 }) },
  { key: "502", label: "502", fault: () => ({ kind: "status", status: 502 }) },
  { key: "503", label: "503", fault: () => ({ kind: "status", status: 503 }) },
  { key: "504", label: "504", fault: () => ({ kind: "status", status: 504 }) },
  { key: "reset", label: "reset before any response", fault: () => ({ kind: "reset" }) },
  { key: "hang", label: "hang past the request timeout", fault: () => ({ kind: "hang" }) },
  {
    // The request waits in front of the API (a queue, a proxy) past the client's timeout and is
    // then carried out: the ambiguous case a blind retry of a POST turns into a duplicate.
    key: "late",
    label: "acted on after the request timeout",
    fault: ({ scale, requestTimeoutMs }) => ({ kind: "delay", ms: (requestTimeoutMs * 1.5) / scale }),
  },
  { key: "reset-after", label: "reset after acting", fault: () => ({ kind: "reset-after-processing" }) },
  { key: "malformed-json", label: "malformed JSON", fault: () => ({ kind: "malformed-json" }) },
  {
    key: "404",
    label: "404 in the middle of the wait",
    // The emulator's fault type lists the statuses it expects tests to inject; a 404 answers the same way.
    fault: () => ({
      kind: "status",
      status: 404 as 500,
      body: { id: "not_found", message: "The resource you were accessing could not be found." },
    }),
    waitsOnly: true,
  },
];

/** The fault of FAULTS called `key`, made for `context`; throws naming the keys when there is none. */
export function faultByKey(key: string, context: FaultContext): Fault {
  const kind = FAULTS.find((candidate) => candidate.key === key);
  if (!kind) throw new Error(`no fault ${key} in the reliability suite (${FAULTS.map((candidate) => candidate.key).join(", ")})`);
  return kind.fault(context);
}

type Lane = "import" | "wait" | "shared";

/**
 * The shared waiter checks every wait of a host in one tick and starts the next tick only when the
 * slowest check has returned, so a poll that hangs holds up every other wait of the host (see the
 * isolation check). Those cells run one at a time (the transfer waits in the import lane), where
 * they delay no other cell.
 */
const holdsUpTheWaiter = (op: Operation, fault: FaultKind) => op.isWait === true && (fault.key === "hang" || fault.key === "late");
const laneOf = (op: Operation, fault: FaultKind): Lane => (holdsUpTheWaiter(op, fault) && op.lane === "shared" ? "import" : op.lane);

interface CellContext {
  stack: Stack;
  name: string;
  /** Arms the cell's fault on the requests `match` selects. */
  inject(match: FaultMatch): void;
}

export interface Operation {
  key: string;
  label: string;
  lane: Lane;
  isWait?: boolean;
  /** What an error of this operation must say. */
  names: RegExp;
  /** Deploys what the step needs; returns the program of the step and of the step after it. */
  stage(context: CellContext): Promise<Outcome | undefined>;
  /** Injects the fault and runs the step. */
  step(context: CellContext): Promise<Outcome>;
  /** The step after, with the fault gone: it must converge. */
  recover(context: CellContext): Promise<Outcome>;
}

const base = (name: string, fields: Record<string, unknown> = {}) =>
  programInputs(name, {
    url: `https://images.example.com/reliability/${name}.qcow2.gz`,
    regions: ["nyc3"],
    description: "reliability",
    tags: [`${name}-a`],
    ...fields,
  });

const idOf = (context: CellContext) => context.stack.engine.state(context.name)?.id ?? "";
const stageDeployed = async (context: CellContext) => context.stack.engine.up(context.name, await base(context.name));
const transferred = (name: string, fields: Record<string, unknown> = {}) => base(name, { regions: ["nyc3", "ams3"], ...fields });
const slowImport = (name: string) =>
  base(name, {
    url: `https://images.example.com/reliability/${name}.qcow2.gz?emulator_duration_s=${WAIT_IMPORT_SECONDS}`,
    createTimeoutMinutes: WAIT_CELL_CREATE_TIMEOUT_MINUTES,
  });

export const OPERATIONS: Operation[] = [
  {
    key: "import-post",
    label: "import POST",
    lane: "import",
    names: /import/i,
    stage: async () => undefined,
    async step(context) {
      context.inject({ method: "POST", path: "/v2/images" });
      return context.stack.engine.up(context.name, await base(context.name));
    },
    recover: async (context) => context.stack.engine.up(context.name, await base(context.name)),
  },
  {
    key: "import-wait",
    label: "import wait",
    lane: "wait",
    isWait: true,
    names: /import/i,
    stage: async () => undefined,
    async step(context) {
      const { stack, name } = context;
      const step = stack.engine.up(name, await slowImport(name));
      // The fault is armed once DigitalOcean has accepted the import, on the GETs that poll it.
      const id = await Promise.race([
        until(`the import of ${name}`, () => stack.emulator.audit().find((entry) => entry.name === name)?.id),
        step.then(() => undefined),
      ]);
      if (id !== undefined) context.inject({ method: "GET", path: `/v2/images/${id}` });
      return step;
    },
    recover: async (context) => context.stack.engine.up(context.name, await slowImport(context.name)),
  },
  {
    key: "transfer-post",
    label: "transfer POST",
    lane: "shared",
    names: /transfer/i,
    stage: stageDeployed,
    async step(context) {
      context.inject({ method: "POST", path: `/v2/images/${idOf(context)}/actions` });
      return context.stack.engine.up(context.name, await transferred(context.name));
    },
    recover: async (context) => context.stack.engine.up(context.name, await transferred(context.name)),
  },
  {
    key: "transfer-wait",
    label: "transfer wait",
    lane: "shared",
    isWait: true,
    names: /transfer/i,
    stage: stageDeployed,
    async step(context) {
      context.inject({ method: "GET", path: new RegExp(`^/v2/images/${idOf(context)}/actions/\\d+$`) });
      return context.stack.engine.up(
        context.name,
        await transferred(context.name, { transferTimeoutMinutes: WAIT_CELL_TRANSFER_TIMEOUT_MINUTES }),
      );
    },
    recover: async (context) =>
      context.stack.engine.up(
        context.name,
        await transferred(context.name, { transferTimeoutMinutes: WAIT_CELL_TRANSFER_TIMEOUT_MINUTES }),
      ),
  },
  {
    key: "tag-change",
    label: "tag change",
    lane: "shared",
    names: /tag/i,
    stage: stageDeployed,
    async step(context) {
      const { name } = context;
      context.inject({ path: new RegExp(`^/v2/tags/(${name}-a|${name}-b)/resources$`) });
      return context.stack.engine.up(name, await base(name, { tags: [`${name}-b`] }));
    },
    recover: async (context) => context.stack.engine.up(context.name, await base(context.name, { tags: [`${context.name}-b`] })),
  },
  {
    key: "put",
    label: "PUT (name, description)",
    lane: "shared",
    names: /updat/i,
    stage: stageDeployed,
    async step(context) {
      context.inject({ method: "PUT", path: `/v2/images/${idOf(context)}` });
      return context.stack.engine.up(context.name, await base(context.name, { description: "changed" }));
    },
    recover: async (context) => context.stack.engine.up(context.name, await base(context.name, { description: "changed" })),
  },
  {
    key: "refresh-read",
    label: "refresh's read",
    lane: "shared",
    names: /read/i,
    stage: stageDeployed,
    async step(context) {
      context.inject({ method: "GET", path: `/v2/images/${idOf(context)}` });
      return context.stack.engine.refresh(context.name);
    },
    recover: (context) => context.stack.engine.refresh(context.name),
  },
  {
    key: "delete",
    label: "delete",
    lane: "shared",
    names: /delet/i,
    stage: stageDeployed,
    async step(context) {
      context.inject({ method: "DELETE", path: `/v2/images/${idOf(context)}` });
      return context.stack.engine.destroy(context.name);
    },
    recover: (context) => context.stack.engine.destroy(context.name),
  },
];

export interface CellResult {
  op: string;
  fault: string;
  variant: Variant;
  /** Requests that got the fault. */
  hits: number;
  ok: boolean;
  partial: boolean;
  /** A short name for the failure (status, timeout, ...); undefined on success. */
  errorKind?: string;
  message?: string;
  recovered: boolean;
  /** Failed expectations of this cell. */
  problems: string[];
  realMs: number;
}

/** One image's wait while another image's polls hang, in the same host. */
export interface IsolationResult {
  /** Simulated seconds the free image's import took at DigitalOcean. */
  importSeconds: number;
  /** Simulated seconds its create took through the host. */
  createSeconds: number;
  /** The same create with nothing hanging. */
  baselineSeconds: number;
  /** Real ms of the request timeout in this run. */
  requestTimeoutMs: number;
  hits: number;
}

export interface FaultMatrixResults {
  /** Real ms before the provider abandons a request, in the cells' hosts. */
  requestTimeoutMs: number;
  isolation: IsolationResult;
  cells: CellResult[];
  /** The rows of a CustomImage with `file`: its upload under faults (upload-faults.ts). */
  uploads: UploadFaultRow[];
  faults: { key: string; label: string }[];
  operations: { key: string; label: string }[];
  realSeconds: number;
  requests: number;
  violations: number;
}

/** The failure as a few words for the matrix. */
export function errorKind(message: string): string {
  if (/Timed out after .* waiting for/.test(message)) return "wait timeout";
  if (/deleted outside Pulumi/.test(message)) return "404: deleted";
  if (/not valid JSON/.test(message)) return "bad JSON";
  const status = /failed: (\d{3})\b/.exec(message)?.[1];
  if (status) return status;
  if (/no response within/.test(message)) return "timeout";
  if (/ECONNRESET|connection failed/.test(message)) return "reset";
  return "error";
}

/**
 * `stacks` starts the stacks (tests pass one whose host never starts). The isolation check and
 * the three lanes run at once; every one of them settles before the suite ends, and the first
 * failure (a host that did not start in time…) is the suite's, never a rejection left unhandled
 * while the others run, which would end the whole reliability run.
 */
export async function faultMatrix(
  checks: Expectations,
  log: (line: string) => void,
  stacks: typeof withStack = withStack,
): Promise<FaultMatrixResults> {
  const started = performance.now();
  const cells = OPERATIONS.flatMap((op) =>
    FAULTS.filter((fault) => !fault.waitsOnly || op.isWait).flatMap((fault) => VARIANTS.map((variant) => ({ op, fault, variant }))),
  );
  const options = {
    scale: 0.001,
    config: { "digitalocean-custom-image:requestTimeoutSeconds": String(REQUEST_TIMEOUT_MS / 1000) },
  };
  const lanes: { lane: Lane; concurrency: number }[] = [
    { lane: "import", concurrency: 1 },
    { lane: "wait", concurrency: 1 },
    { lane: "shared", concurrency: 12 },
  ];
  let requests = 0;
  let violations = 0;
  const [isolated, ...laneRuns] = await Promise.allSettled([
    isolation(checks, stacks),
    ...lanes.map(({ lane, concurrency }) =>
      stacks(options, async (stack) => {
        const mine = cells.filter((cell) => laneOf(cell.op, cell.fault) === lane);
        const laneStarted = performance.now();
        const laneResults = await mapLimit(mine, concurrency, ({ op, fault, variant }) => runCell(stack, op, fault, variant, checks));
        requests += stack.emulator.requests.length;
        violations += stack.emulator.violations.length;
        checks.none(
          `fault matrix, ${lane} lane: every request was one DigitalOcean accepts (spec violations)`,
          stack.emulator.violations.map((violation) => `${violation.method} ${violation.path}: ${violation.errors.join(", ")}`),
        );
        log(
          `${lane} lane: ${mine.length} cells, ${stack.emulator.requests.length} requests, ${((performance.now() - laneStarted) / 1000).toFixed(1)} s`,
        );
        return laneResults;
      }),
    ),
  ]);
  const failure = [isolated, ...laneRuns].find((run) => run.status === "rejected");
  if (failure) throw failure.reason;
  // After the lanes, whose 400 ms request timeout the S3 server's start would eat into.
  const uploadStarted = performance.now();
  const uploads = await uploadFaults(checks, stacks);
  log(`upload rows: ${uploads.length}, ${((performance.now() - uploadStarted) / 1000).toFixed(1)} s`);
  return {
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    isolation: (isolated as PromiseFulfilledResult<IsolationResult>).value,
    cells: laneRuns.flatMap((run) => (run as PromiseFulfilledResult<CellResult[]>).value),
    uploads,
    faults: FAULTS.map(({ key, label }) => ({ key, label })),
    operations: OPERATIONS.map(({ key, label }) => ({ key, label })),
    realSeconds: (performance.now() - started) / 1000,
    requests,
    violations,
  };
}

/** Real ms before the provider abandons a request in the isolation check: long enough to stand out from scheduling noise. */
const ISOLATION_TIMEOUT_MS = 1000;

/**
 * The waiter of a host serves every wait in one tick and starts the next tick when the slowest
 * check has returned. Here image B's transfer polls hang (each attempt until the request timeout,
 * then the client's retries) while image A is imported: A's create should take about as long as
 * the same create with nothing hanging. On a slower clock than the cells (0.02), so that the real
 * time the host and this process take, shared with the other lanes, stays small in simulated time.
 */
async function isolation(checks: Expectations, stacks: typeof withStack): Promise<IsolationResult> {
  const options = { scale: 0.02, config: { "digitalocean-custom-image:requestTimeoutSeconds": String(ISOLATION_TIMEOUT_MS / 1000) } };
  return stacks(options, async (stack) => {
    const { engine, emulator, clock } = stack;
    const importSeconds = 60;
    const timedCreate = async (name: string) => {
      const started = clock.now();
      const outcome = await engine.up(
        name,
        await base(name, { url: `https://images.example.com/reliability/${name}.qcow2.gz?emulator_duration_s=${importSeconds}` }),
      );
      if (!outcome.ok) throw new Error(`create ${name} failed: ${outcome.message}`);
      return (clock.now() - started) / 1000;
    };
    const baselineSeconds = await timedCreate("iso-baseline");
    const staged = await engine.up("iso-hung", await base("iso-hung"));
    if (!staged.ok) throw new Error(`create iso-hung failed: ${staged.message}`);
    const hang = emulator.inject(
      { kind: "hang" },
      { method: "GET", path: new RegExp(`^/v2/images/${engine.state("iso-hung")?.id}/actions/\\d+$`), count: 10_000 },
    );
    const hung = engine.up("iso-hung", await transferred("iso-hung"));
    await until("the hung transfer poll", () => (hang.hits > 0 ? true : undefined));
    const createSeconds = await timedCreate("iso-free");
    hang.cancel();
    await hung;
    const result = { importSeconds, createSeconds, baselineSeconds, requestTimeoutMs: ISOLATION_TIMEOUT_MS, hits: hang.hits };
    checks.expect(
      "fault matrix, isolation: an image's wait is not held up by another image's hanging polls (create within 30 s of the same create with nothing hanging)",
      createSeconds <= baselineSeconds + 30,
      `create took ${createSeconds.toFixed(0)} s for a ${importSeconds} s import (${baselineSeconds.toFixed(0)} s with nothing hanging)`,
    );
    for (const name of ["iso-baseline", "iso-hung", "iso-free"]) await engine.destroy(name);
    return result;
  });
}

async function runCell(stack: Stack, op: Operation, kind: FaultKind, variant: Variant, checks: Expectations): Promise<CellResult> {
  const started = performance.now();
  const name = `fm-${op.key}-${kind.key}-${variant}`;
  const where = `${op.label} × ${kind.label} (${variant})`;
  const problems: string[] = [];
  const expect = (what: string, ok: boolean, detail?: string) => {
    if (!checks.expect(`fault matrix: ${where}: ${what}`, ok, detail)) problems.push(detail ? `${what} (${detail})` : what);
    return ok;
  };
  const scope = (imageName: string) => imageName === name;
  let injected: InjectedFault | undefined;
  const context: CellContext = {
    stack,
    name,
    inject: (match) => {
      const fault = kind.fault({ clock: stack.clock, scale: stack.scale, requestTimeoutMs: REQUEST_TIMEOUT_MS });
      injected = stack.emulator.inject(fault, { ...match, count: variant === "once" ? 1 : 10_000 });
    },
  };

  const staged = await op.stage(context);
  if (staged && !staged.ok) {
    expect("staging succeeded", false, staged.message);
    return {
      op: op.key,
      fault: kind.key,
      variant,
      hits: 0,
      ok: false,
      partial: false,
      errorKind: "staging failed",
      message: staged.message,
      recovered: false,
      problems,
      realMs: performance.now() - started,
    };
  }

  const outcome = await op.step(context);
  injected?.cancel();
  // A request held by a `late` fault is carried out after the step gave up on it: wait for it.
  await until("delayed requests to be carried out", () =>
    stack.emulator.requests.some((request) => request.fault === "delay" && request.status === null) ? undefined : true,
  );
  const hits = injected?.hits ?? 0;
  expect("the fault was injected", hits > 0, "no request matched the fault");

  const id = stack.engine.state(name)?.id;
  if (outcome.ok) {
    const state = stack.engine.state(name);
    if (state)
      expect(
        "after the step the state equals the image",
        stateDisagreements(stack.emulator, state).length === 0,
        stateDisagreements(stack.emulator, state).join("; "),
      );
  } else {
    const namesImage =
      outcome.message.includes(`"${name}"`) || (id !== undefined && outcome.message.includes(id)) || /image \d+/.test(outcome.message);
    expect("the error names the operation and the image", op.names.test(outcome.message) && namesImage, outcome.message);
  }
  if (variant === "once" && kind.key !== "404")
    expect("a fault that happens once is absorbed", outcome.ok, outcome.ok ? undefined : outcome.message);
  expect(
    "after the step no image is orphaned or duplicated and the state names only live images",
    accountingProblems(accounting(stack.emulator, stack.engine.ids(name), scope)).length === 0,
    accountingProblems(accounting(stack.emulator, stack.engine.ids(name), scope)).join("; "),
  );

  const recovery = await op.recover(context);
  const recovered = recovery.ok;
  expect("the next step, without the fault, succeeds", recovered, recovery.ok ? undefined : recovery.message);
  const after = stack.engine.state(name);
  if (recovered && after)
    expect(
      "after the next step the state equals the image",
      stateDisagreements(stack.emulator, after).length === 0,
      stateDisagreements(stack.emulator, after).join("; "),
    );

  const destroyed = await stack.engine.destroy(name);
  expect("destroy succeeds", destroyed.ok, destroyed.ok ? undefined : destroyed.message);
  expect(
    "after destroy nothing is left and nothing was imported twice",
    accountingProblems(accounting(stack.emulator, stack.engine.ids(name), scope)).length === 0,
    accountingProblems(accounting(stack.emulator, stack.engine.ids(name), scope)).join("; "),
  );

  return {
    op: op.key,
    fault: kind.key,
    variant,
    hits,
    ok: outcome.ok,
    partial: !outcome.ok && outcome.partial,
    ...(outcome.ok ? {} : { errorKind: errorKind(outcome.message), message: outcome.message }),
    recovered,
    problems,
    realMs: performance.now() - started,
  };
}
