import { isImportMarker } from "../../src/provider/import-marker";
import type { RequestLogEntry } from "pulumi-digitalocean-custom-image-emulator";
import { percentile } from "../bench/request-phases";
import { Engine, HOST_GONE, type Outcome } from "./engine";
import type { Expectations } from "./expectations";
import { accounting, accountingProblems, stateDisagreements } from "./invariants";
import { programInputs, type Stack, type StackOptions, until, withStack } from "./stack";

/**
 * Suite 4: partial failures and crashes. A wait that runs out of time is recorded with its id and
 * resumed; the host is killed (SIGKILL) in the middle of the import wait, of a transfer wait and
 * of the import POST, and the next run must adopt what the dead one left; and the window the import
 * marker does not cover (after the marker is removed, before the engine records the create) is
 * measured, shown, and described. Two risks of the marker are exercised too: a marker left behind
 * by a removal that failed, and two stacks deploying the same image at once.
 */

export interface ScenarioResult {
  scenario: string;
  /** What happened, step by step. */
  steps: string[];
  /** The verdict shown in the table. */
  result: string;
  ok: boolean;
  /** A documented limitation shown for the record, not a pass/fail check. */
  documented?: boolean;
}

export interface WindowFigures {
  creates: number;
  scale: number;
  /** Simulated seconds each measured import took. */
  importSeconds: number;
  /** Real ms from DigitalOcean receiving the marker's removal to the engine receiving create's answer. */
  unprotectedRealMs: { p50: number; p95: number; max: number };
  /** Simulated s from DigitalOcean accepting the import POST (marker on the image) to the marker's removal. */
  protectedSeconds: { p50: number; max: number };
  /** Requests inside the unprotected window, per create. */
  requestsInWindow: string[];
}

export interface CrashResults {
  scenarios: ScenarioResult[];
  window: WindowFigures;
  realSeconds: number;
}

const url = (name: string, seconds?: number) =>
  `https://images.example.com/crash/${name}.qcow2.gz${seconds === undefined ? "" : `?emulator_duration_s=${seconds}`}`;
/** The marker's removal: DELETE of the tag (or of its resources); the client percent-encodes the colon. */
const MARKER_REMOVAL = /^\/v2\/tags\/pulumi-import(:|%3A)[^/]+(\/resources)?$/i;

export async function crashes(checks: Expectations): Promise<CrashResults> {
  const started = performance.now();
  const scenarios = await Promise.all([
    waitTimesOut(checks),
    killedDuringImportWait(checks),
    killedDuringTransferWait(checks),
    killedDuringImportPost(checks),
    killedInsideTheWindow(checks),
    markerLeftBehindThenReplaced(checks),
    twoStacksAtOnce(checks),
  ]);
  const window = await measureWindow(20, 0.01);
  return { scenarios, window, realSeconds: (performance.now() - started) / 1000 };
}

/** Runs one scenario on its own stack, recording each step and each expectation. */
async function scenario(
  title: string,
  options: StackOptions,
  checks: Expectations,
  body: (stack: Stack, step: (line: string) => void, expect: (what: string, ok: boolean, detail?: string) => boolean) => Promise<string>,
  documented = false,
): Promise<ScenarioResult> {
  const steps: string[] = [];
  let ok = true;
  const expect = (what: string, passed: boolean, detail?: string) => {
    if (!checks.expect(`${title}: ${what}`, passed, detail)) {
      ok = false;
      steps.push(`✗ ${what}${detail ? `: ${detail}` : ""}`);
    }
    return passed;
  };
  try {
    const result = await withStack(options, (stack) => body(stack, (line) => steps.push(line), expect));
    return { scenario: title, steps, result, ok, ...(documented ? { documented } : {}) };
  } catch (error) {
    expect("the scenario ran to its end", false, error instanceof Error ? error.message : String(error));
    return { scenario: title, steps, result: "harness error", ok: false };
  }
}

const describe = (outcome: Outcome) =>
  outcome.ok
    ? `${outcome.action} succeeded (id ${outcome.id ?? "—"})`
    : `${outcome.action} failed${outcome.partial ? " (partial failure, recorded)" : ""}: ${outcome.message}`;
const aliveNamed = (stack: Stack, name: string) =>
  stack.emulator.audit().filter((entry) => entry.name === name && entry.status !== "deleted");

/** Expectations every scenario ends with: nothing orphaned or imported twice, and destroy cleans up. */
async function settleAndDestroy(
  stack: Stack,
  names: string[],
  expect: (what: string, ok: boolean, detail?: string) => boolean,
  engine: Engine = stack.engine,
): Promise<void> {
  const scope = (name: string) => names.includes(name);
  const problems = () => accountingProblems(accounting(stack.emulator, engine.ids(), scope, engine.replacements));
  expect("the account and the state agree", problems().length === 0, problems().join("; "));
  for (const name of names) {
    const destroyed = await engine.destroy(name);
    expect(`destroy of ${name} succeeds`, destroyed.ok, destroyed.ok ? undefined : destroyed.message);
  }
  expect("after destroy nothing is left", problems().length === 0, problems().join("; "));
}

function waitTimesOut(checks: Expectations): Promise<ScenarioResult> {
  return scenario("a wait that times out is recorded, resumed and destroyed", { scale: 0.002 }, checks, async (stack, step, expect) => {
    const program = (minutes: number) =>
      programInputs("timeout", { url: url("timeout", 600), regions: ["nyc3", "ams3"], createTimeoutMinutes: minutes });
    const first = await stack.engine.up("timeout", await program(2));
    step(`up with createTimeoutMinutes 2, import of 10 min: ${describe(first)}`);
    const recorded = stack.engine.state("timeout");
    const [image] = aliveNamed(stack, "timeout");
    expect("the timeout is a partial failure", !first.ok && first.partial);
    expect(
      "the state records the image's id",
      recorded !== undefined && image !== undefined && recorded.id === String(image.id),
      `state ${recorded?.id}, image ${image?.id}`,
    );
    expect(
      "the error names the image id and the wait",
      !first.ok && image !== undefined && first.message.includes(String(image.id)) && /waiting for the import/.test(first.message),
      first.ok ? "" : first.message,
    );
    const second = await stack.engine.up("timeout", await program(20));
    step(`next up with createTimeoutMinutes 20: ${describe(second)}`);
    expect("the next up resumes and completes", second.ok && second.action === "update", describe(second));
    const state = stack.engine.state("timeout");
    if (state)
      expect(
        "the state equals the image",
        stateDisagreements(stack.emulator, state).length === 0,
        stateDisagreements(stack.emulator, state).join("; "),
      );
    await settleAndDestroy(stack, ["timeout"], expect);
    step(
      `destroy: ${stack.emulator
        .audit()
        .map((entry) => `image ${entry.id} ${entry.fate}`)
        .join(", ")}`,
    );
    return stack.emulator.audit().length === 1 ? "recorded → resumed → deleted; 1 image" : `${stack.emulator.audit().length} images`;
  });
}

/** Starts `up` in the host, waits for `ready`, kills the host, and returns what the engine saw. */
async function killDuring<T>(
  stack: Stack,
  name: string,
  program: Record<string, unknown>,
  ready: () => T | undefined,
  what: string,
): Promise<{ outcome: Outcome; at: T; killedAt: number }> {
  const pending = stack.engine.up(name, program);
  const at = await until(what, ready);
  const killedAt = stack.clock.now();
  await stack.host.kill();
  return { outcome: await pending, at, killedAt };
}

const requestsTo = (stack: Stack, method: string, path: RegExp | string) =>
  stack.emulator.requests.filter(
    (request) => request.method === method && (typeof path === "string" ? request.path === path : path.test(request.path)),
  );

function killedDuringImportWait(checks: Expectations): Promise<ScenarioResult> {
  return scenario("host killed in the middle of the import wait", { scale: 0.002 }, checks, async (stack, step, expect) => {
    const program = await programInputs("kill-wait", { url: url("kill-wait", 600), regions: ["nyc3"], tags: ["crash"] });
    const { outcome, at: image } = await killDuring(
      stack,
      "kill-wait",
      program,
      () => {
        const image = aliveNamed(stack, "kill-wait")[0];
        // Killed once the waiter has polled the image at least once.
        return image &&
          stack.emulator.requests.some(
            (request) => request.method === "GET" && request.path.startsWith("/v2/images") && request.at > image.createdAt,
          )
          ? image
          : undefined;
      },
      "the import to be accepted and polled",
    );
    step(
      `host killed ${Math.round((stack.clock.now() - image.createdAt) / 1000)} s (simulated) into the import of image ${image.id}: ${describe(outcome)}`,
    );
    expect("the engine saw the host die", !outcome.ok && outcome.code === HOST_GONE, describe(outcome));
    expect("the engine recorded nothing", stack.engine.state("kill-wait") === undefined);
    const marked = stack.emulator.getImage(image.id)?.tags.some(isImportMarker) ?? false;
    expect("the image carries the import marker meanwhile", marked);
    step(`meanwhile image ${image.id} exists in no state, tagged ${stack.emulator.getImage(image.id)?.tags.join(", ")}`);
    await stack.restartHost();
    const next = await stack.engine.up("kill-wait", program);
    step(`new host, next up: ${describe(next)}`);
    expect("the next up completes", next.ok, describe(next));
    expect(
      "it adopted the interrupted import",
      stack.engine.state("kill-wait")?.id === String(image.id),
      `state ${stack.engine.state("kill-wait")?.id}, interrupted ${image.id}`,
    );
    expect("DigitalOcean holds one image", stack.emulator.audit().length === 1, `${stack.emulator.audit().length} images`);
    const state = stack.engine.state("kill-wait");
    if (state)
      expect(
        "the state equals the image (marker removed)",
        stateDisagreements(stack.emulator, state).length === 0,
        stateDisagreements(stack.emulator, state).join("; "),
      );
    await settleAndDestroy(stack, ["kill-wait"], expect);
    return `adopted image ${image.id}; ${stack.emulator.audit().length} image(s) ever created`;
  });
}

function killedDuringTransferWait(checks: Expectations): Promise<ScenarioResult> {
  return scenario(
    "host killed in the middle of a transfer wait",
    { scale: 0.002, emulator: { importDurationMs: 30_000, transferDurationMs: 600_000 } },
    checks,
    async (stack, step, expect) => {
      const program = await programInputs("kill-transfer", { url: url("kill-transfer"), regions: ["nyc3", "ams3"] });
      const { outcome, at: transfer } = await killDuring(
        stack,
        "kill-transfer",
        program,
        () => {
          const post = requestsTo(stack, "POST", /^\/v2\/images\/\d+\/actions$/).find((request) => request.status === 201);
          return post &&
            stack.emulator.requests.some((request) => request.method === "GET" && /\/actions/.test(request.path) && request.at > post.at)
            ? post
            : undefined;
        },
        "the transfer to be accepted and polled",
      );
      const imageId = Number(/\/v2\/images\/(\d+)\//.exec(transfer.path)?.[1]);
      step(`host killed while image ${imageId} was transferring to ams3: ${describe(outcome)}`);
      expect("the engine recorded nothing", stack.engine.state("kill-transfer") === undefined);
      await stack.restartHost();
      const next = await stack.engine.up("kill-transfer", program);
      step(`new host, next up (a create again): ${describe(next)}`);
      expect("the next up completes, waiting for the transfer already under way", next.ok, describe(next));
      if (!next.ok) {
        const after = await stack.engine.up("kill-transfer", program);
        step(`the up after that (an update of the recorded image): ${describe(after)}`);
        expect("the up after that completes", after.ok, describe(after));
      }
      const accepted = requestsTo(stack, "POST", /^\/v2\/images\/\d+\/actions$/);
      step(`transfer POSTs: ${accepted.map((request) => request.status).join(", ")}`);
      expect(
        "exactly one transfer was started",
        accepted.filter((request) => request.status === 201).length === 1,
        accepted.map((request) => request.status).join(", "),
      );
      expect("it adopted the interrupted image", stack.engine.state("kill-transfer")?.id === String(imageId));
      expect("DigitalOcean holds one image", stack.emulator.audit().length === 1, `${stack.emulator.audit().length} images`);
      await settleAndDestroy(stack, ["kill-transfer"], expect);
      return next.ok
        ? `adopted image ${imageId}, waited for its transfer`
        : `adopted image ${imageId}; create failed (${next.message.slice(0, 90)}…), the next up completed`;
    },
  );
}

function killedDuringImportPost(checks: Expectations): Promise<ScenarioResult> {
  return scenario(
    "host killed while the import POST was in flight (DigitalOcean acted after)",
    { scale: 0.002 },
    checks,
    async (stack, step, expect) => {
      const program = await programInputs("kill-post", { url: url("kill-post"), regions: ["nyc3"] });
      // DigitalOcean takes a simulated minute to answer the POST; the host dies meanwhile.
      stack.emulator.inject({ kind: "delay", ms: 60_000 }, { method: "POST", path: "/v2/images" });
      const { outcome } = await killDuring(
        stack,
        "kill-post",
        program,
        () => requestsTo(stack, "POST", "/v2/images")[0],
        "the import POST to arrive",
      );
      step(`host killed with the import POST in flight: ${describe(outcome)}`);
      const post = await until("the POST to be carried out", () =>
        requestsTo(stack, "POST", "/v2/images")[0]?.status ? requestsTo(stack, "POST", "/v2/images")[0] : undefined,
      );
      const image = aliveNamed(stack, "kill-post")[0];
      step(`DigitalOcean then carried it out (${post.status}): image ${image?.id}, in no state`);
      await stack.restartHost();
      const next = await stack.engine.up("kill-post", program);
      step(`new host, next up: ${describe(next)}`);
      expect("the next up completes", next.ok, describe(next));
      expect(
        "it adopted the image the dead host's POST created",
        image !== undefined && stack.engine.state("kill-post")?.id === String(image.id),
      );
      expect("DigitalOcean holds one image", stack.emulator.audit().length === 1, `${stack.emulator.audit().length} images`);
      await settleAndDestroy(stack, ["kill-post"], expect);
      return `adopted image ${image?.id}; ${stack.emulator.audit().length} image(s) ever created`;
    },
  );
}

/**
 * The window the marker leaves: create removes the marker before it returns, and the engine records
 * the image only when the answer arrives. Held open here by delaying the marker's removal, the host
 * killed meanwhile; DigitalOcean carries the removal out, and the next run cannot know the image.
 */
function killedInsideTheWindow(checks: Expectations): Promise<ScenarioResult> {
  return scenario(
    "host killed after the marker's removal reached DigitalOcean, before create returned (the remaining window)",
    { scale: 0.002 },
    checks,
    async (stack, step, expect) => {
      const program = await programInputs("kill-window", { url: url("kill-window"), regions: ["nyc3"] });
      // Five simulated minutes (600 real ms): time enough to kill the host before it is carried out.
      stack.emulator.inject({ kind: "delay", ms: 300_000 }, { method: "DELETE", path: MARKER_REMOVAL });
      const { outcome } = await killDuring(
        stack,
        "kill-window",
        program,
        () => requestsTo(stack, "DELETE", MARKER_REMOVAL)[0],
        "the marker's removal to arrive",
      );
      step(`host killed during the marker's removal: ${describe(outcome)}`);
      await until("the removal to be carried out", () =>
        requestsTo(stack, "DELETE", MARKER_REMOVAL).every((request) => request.status !== null) ? true : undefined,
      );
      const [first] = aliveNamed(stack, "kill-window");
      step(
        `image ${first?.id} is available, unmarked (tags: ${JSON.stringify(first ? stack.emulator.getImage(first.id)?.tags : [])}), in no state`,
      );
      await stack.restartHost();
      const next = await stack.engine.up("kill-window", program);
      step(`new host, next up: ${describe(next)}`);
      const orphans = accounting(stack.emulator, stack.engine.ids(), (name) => name === "kill-window").orphans;
      step(`orphans: ${orphans.map((entry) => entry.id).join(", ") || "none"}; duplicates: ${stack.emulator.duplicates().length}`);
      expect("the next up completes", next.ok, describe(next));
      // The orphan is this window's documented consequence; it is removed so the run ends clean.
      for (const orphan of orphans) stack.emulator.deleteImageOutOfBand(orphan.id);
      const destroyed = await stack.engine.destroy("kill-window");
      expect("destroy succeeds", destroyed.ok);
      return orphans.length > 0
        ? `${orphans.length} orphan (image ${orphans.map((entry) => entry.id).join(", ")}) and a second import: the documented window`
        : "no orphan";
    },
    true,
  );
}

/**
 * If DigitalOcean refuses to remove the marker, create fails plainly and the image stays
 * unrecorded with its marker, so that no recorded image ever carries one: the next up adopts it,
 * and a later replacement (one that only drops a region keeps the same marker) imports a new
 * image. (A removal that gets no answer may still be carried out: that image is recorded, see
 * the soak's saved sequence marker-removal-carried-out-late.json.)
 */
function markerLeftBehindThenReplaced(checks: Expectations): Promise<ScenarioResult> {
  return scenario(
    "a marker that cannot be removed, then the next up, then a replacement",
    { scale: 0.002 },
    checks,
    async (stack, step, expect) => {
      const program = (regions: string[]) => programInputs("leftover", { url: url("leftover"), regions });
      const outage = stack.emulator.inject({ kind: "status", status: 403 }, { method: "DELETE", path: MARKER_REMOVAL, count: 100 });
      const first = await stack.engine.up("leftover", await program(["nyc3", "ams3"]));
      outage.cancel();
      const marked = aliveNamed(stack, "leftover").map((entry) => entry.id);
      step(
        `up with regions nyc3, ams3 while the marker's removal fails: ${describe(first)}; state: ${stack.engine.state("leftover")?.id ?? "nothing"}; images ${marked.join(", ")}`,
      );
      expect(
        "the first up fails plainly, saying the next up adopts the image",
        !first.ok && /run `pulumi up` again with the same program: it adopts the image/.test(describe(first)),
        describe(first),
      );
      expect("nothing is recorded while the image carries its marker", stack.engine.state("leftover") === undefined);
      await stack.restartHost();
      const adopted = await stack.engine.up("leftover", await program(["nyc3", "ams3"]));
      const original = stack.engine.state("leftover")?.id;
      step(
        `the next up: ${describe(adopted)}; the state names image ${original}, tags ${JSON.stringify(stack.emulator.getImage(Number(original))?.tags)}`,
      );
      expect("the next up adopts the marked image", adopted.ok && marked.length === 1 && Number(original) === marked[0], describe(adopted));
      const second = await stack.engine.up("leftover", await program(["nyc3"]));
      const replacement = stack.engine.state("leftover")?.id;
      step(
        `a later up drops ams3 (a replacement): ${describe(second)}; the state now names image ${replacement} (${stack.emulator.getImage(Number(replacement))?.status ?? "gone"})`,
      );
      expect("the replacement succeeds", second.ok, describe(second));
      expect(
        "the replacement is a new image, not the original adopted through a leftover marker",
        replacement !== original,
        `replacement ${replacement}, original ${original}`,
      );
      await settleAndDestroy(stack, ["leftover"], expect);
      return replacement === original
        ? `replacement adopted the original ${original}, then deleted it: the state names a deleted image`
        : `create failed plainly; next up adopted ${original}; replacement ${replacement} is new`;
    },
  );
}

/** Two stacks of one program (dev and prod, say) in one account, deploying at the same time. */
function twoStacksAtOnce(checks: Expectations): Promise<ScenarioResult> {
  return scenario(
    "two stacks (dev, prod) deploying the same image at the same time",
    { scale: 0.002 },
    checks,
    async (stack, step, expect) => {
      const fields = { url: url("base", 300), regions: ["nyc3"] };
      const hostB = await stack.anotherHost();
      const other = new Engine(() => hostB, "prod");
      const first = stack.engine.up("base", await programInputs("base", fields, "dev"));
      await until("stack A's import", () => aliveNamed(stack, "base")[0]);
      const second = await other.up("base", await programInputs("base", fields, "prod"));
      const done = await first;
      const a = stack.engine.state("base")?.id;
      const b = other.state("base")?.id;
      step(`stack A: ${describe(done)}; stack B, started while A's import ran: ${describe(second)}`);
      expect("both stacks succeed", done.ok && second.ok);
      expect("each stack has its own image", a !== b, `both name image ${a}`);
      const destroyedA = await stack.engine.destroy("base");
      const bAlive = b !== undefined && stack.emulator.getImage(Number(b))?.status !== "deleted";
      step(`stack A destroyed (${destroyedA.ok ? "ok" : destroyedA.message}); stack B's image ${b} is ${bAlive ? "alive" : "deleted"}`);
      expect("destroying stack A leaves stack B's image alive", bAlive);
      await other.destroy("base");
      return a === b ? `stack B adopted stack A's image ${a}; destroying A deleted B's image` : `images ${a} and ${b}`;
    },
  );
}

/**
 * The window the marker does not cover, measured on `count` creates one after another: from the
 * marker's removal arriving at DigitalOcean to create's answer arriving at the engine (the engine
 * then writes its checkpoint, which Pulumi does in the same process).
 */
export async function measureWindow(count: number, scale: number, importSeconds = 5): Promise<WindowFigures> {
  return withStack({ scale }, async (stack) => {
    const unprotected: number[] = [];
    const protectedMs: number[] = [];
    const inWindow = new Set<string>();
    for (let index = 0; index < count; index++) {
      const name = `window-${index}`;
      const program = await programInputs(name, { url: url(name, importSeconds), regions: ["nyc3"] });
      const before = stack.emulator.requests.length;
      const outcome = await stack.engine.up(name, program);
      const returnedAt = stack.clock.now();
      if (!outcome.ok) throw new Error(`create ${name} failed: ${outcome.message}`);
      const timing = windowOf(stack.emulator.requests.slice(before), name, returnedAt);
      unprotected.push(timing.unprotectedMs * scale);
      protectedMs.push(timing.protectedMs);
      for (const request of timing.requests) inWindow.add(request);
    }
    return {
      creates: count,
      scale,
      importSeconds,
      unprotectedRealMs: { p50: percentile(unprotected, 50), p95: percentile(unprotected, 95), max: Math.max(...unprotected) },
      protectedSeconds: { p50: percentile(protectedMs, 50) / 1000, max: Math.max(...protectedMs) / 1000 },
      requestsInWindow: [...inWindow],
    };
  });
}

/**
 * For one create (by image name): when its marker's removal arrived, how long after its import
 * POST (whose tags carry the marker), and what it sent from then on.
 */
export function windowOf(
  requests: readonly RequestLogEntry[],
  name: string,
  returnedAt: number,
): { unprotectedMs: number; protectedMs: number; requests: string[] } {
  const post = requests.find(
    (request) =>
      request.method === "POST" && request.path === "/v2/images" && (request.body as { name?: string } | undefined)?.name === name,
  );
  const marker = (post?.body as { tags?: string[] } | undefined)?.tags?.find(isImportMarker);
  const removal =
    marker === undefined
      ? undefined
      : requests.find((request) => request.method === "DELETE" && decodeURIComponent(request.path).startsWith(`/v2/tags/${marker}`));
  if (!post || !marker || !removal) throw new Error(`no import POST with a marker, or no removal of that marker, found for ${name}`);
  const after = requests.filter((request) => request.at >= removal.at && decodeURIComponent(request.path).includes(marker));
  return {
    unprotectedMs: returnedAt - removal.at,
    protectedMs: removal.at - post.at,
    requests: [...new Set(after.map((request) => `${request.method} ${decodeURIComponent(request.path).replace(marker, "{marker}")}`))],
  };
}
