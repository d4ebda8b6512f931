import fc from "fast-check";
import { importMarker, isImportMarker } from "../../src/provider/import-marker";
import type { Fault, InjectedFault } from "pulumi-digitalocean-custom-image-emulator";
import type { Outcome } from "./engine";
import { type Claim, type Owner, ownership, stateDisagreements } from "./invariants";
import {
  applyChange,
  type DeclaredResource,
  type FaultSpec,
  type Midway,
  RESERVED_TAG,
  ROUTES,
  type SoakSequence,
  type SoakSize,
  SOAK_FAULTS,
  STACKS,
  type Step,
  sequenceArbitrary,
} from "./soak-sequence";
import { type Deployment, programInputs, type Stack, until, withStack } from "./stack";

/**
 * The randomized soak: fast-check generates sequences (tools/reliability/soak-sequence.ts) over two
 * stacks sharing one token and one emulator, and each runs through the SDK's dynamic-provider
 * hosts with the reliability suites' engine. After every step the account and both states must
 * agree (`ownership`: no orphan, no resource importing twice, no state naming another stack's or
 * resource's image), a resource an `up` created or updated must equal its image, and a step must
 * end within a bound of simulated time. When the steps are over and the faults stopped, a refresh
 * and one `up` of each stack must converge, the next preview must show no change, and destroy
 * must leave nothing behind.
 *
 * Two things are documented limits, not violations (README "Limitations", docs/RELIABILITY.md
 * crash window): an image of a resource whose `up` had its host killed may be left with no state
 * (killed after the marker's removal) or with a marker nothing adopts (the program changed the
 * image's name, URL or first region before the next `up`).
 */

/** Real ms per simulated ms: an import of 30 simulated seconds takes 60 real ms. */
export const SOAK_SCALE = 0.002;
/** Real ms before the provider abandons a request, so that a hang costs little. */
const REQUEST_TIMEOUT_MS = 400;
const MINUTE_MS = 60_000;
/** Simulated minutes a transfer takes at DigitalOcean. */
const TRANSFER_MINUTES = 5;
/** Simulated minutes DigitalOcean gets, once the steps are over, to finish imports (the slowest takes an hour) and transfers. */
const CONVERGE_AFTER_MINUTES = 65;
/** Simulated minutes a step may take, plus an allowance for each request that got a fault. */
const STEP_MINUTES = 45;
/**
 * Simulated minutes each faulted request may add: a request that got no answer costs request
 * timeouts (real, so long in simulated time) and, for a POST, the look-ups that settle it; an
 * answered one costs a retry.
 */
const FAULT_ALLOWANCE_MINUTES: Record<Fault["kind"], number> = {
  status: 2,
  "status-then-process": 2,
  "malformed-json": 2,
  hang: 10,
  reset: 10,
  "reset-after-processing": 10,
  delay: 10,
};

/** What a sequence counts; `soakFigures` sums them over a run. */
interface SoakCounts {
  steps: number;
  /** Requests that got an injected fault. */
  faults: number;
  faultsByKind: Record<string, number>;
  hostKills: number;
  clockJumps: number;
  outOfBand: number;
  requests: number;
}

export interface SequenceReport extends SoakCounts {
  /** fast-check's path of this sequence under the run's seed (replay with `--seed S --path P`). */
  path: string;
  violations: string[];
  /** Images left by a killed host (the documented window), by sentence. */
  documented: string[];
  realSeconds: number;
  /** Simulated minutes each engine step took (clock jumps left out). */
  stepMinutes: number[];
}

interface World {
  stack: Stack;
  deployments: Deployment[];
  /** The stack name each deployment's program sees (`pulumi.getStack()`): both `dev` when the sequence has `sameNames`. */
  names: string[];
  /** Each stack's program as the next `up` declares it. */
  programs: DeclaredResource[][];
  /** Every import marker the programs produced, to its resource. */
  owners: Map<string, Owner>;
  /** Images deleted outside Pulumi: a state may name them until the next refresh. */
  deletedOutside: Set<number>;
  /** Images renamed or retagged outside Pulumi since their stack last refreshed them: the next `up` need not repair them. */
  drifted: Set<number>;
  /** `stack/resource` whose `up` had its host killed: their leftovers are the documented window. */
  killedCreates: Set<string>;
  report: SequenceReport;
}

const ownerKey = (owner: Owner) => `${owner.stack}/${owner.resource}`;
const resourceOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

const fields = (declared: DeclaredResource): Record<string, unknown> => ({ ...declared.program });

/** Stack `index`'s program as the engine receives it, each resource's import marker noted as its own. */
async function programOf(
  world: World,
  index: number,
): Promise<{ deployment: Deployment; declared: DeclaredResource[]; inputs: Record<string, unknown>[] }> {
  const deployment = world.deployments[index]!;
  const declared = world.programs[index]!;
  const inputs = await Promise.all(
    declared.map(async (resource) =>
      deployment.engine.scoped(resource.resource, await programInputs(resource.resource, fields(resource), world.names[index])),
    ),
  );
  inputs.forEach((input, i) => world.owners.set(importMarker(input as never), { stack: deployment.name, resource: declared[i]!.resource }));
  return { deployment, declared, inputs };
}

export async function runSequence(sequence: SoakSequence, path: string, log: (line: string) => void = () => {}): Promise<SequenceReport> {
  const started = performance.now();
  const report: SequenceReport = {
    path,
    steps: 0,
    faults: 0,
    faultsByKind: {},
    hostKills: 0,
    clockJumps: 0,
    outOfBand: 0,
    requests: 0,
    violations: [],
    documented: [],
    realSeconds: 0,
    stepMinutes: [],
  };
  const options = {
    scale: SOAK_SCALE,
    // Transfers long enough (600 real ms) for a host kill or a delete to land in the middle of one.
    emulator: { transferDurationMs: TRANSFER_MINUTES * MINUTE_MS },
    config: { "digitalocean-custom-image:requestTimeoutSeconds": String(REQUEST_TIMEOUT_MS / 1000) },
  };
  await withStack(options, async (stack) => {
    const dev: Deployment = {
      name: STACKS[0],
      engine: stack.engine,
      get host() {
        return stack.host;
      },
      restartHost: () => stack.restartHost(),
    };
    const world: World = {
      stack,
      deployments: [dev, await stack.deployment(STACKS[1])],
      names: [STACKS[0], sequence.sameNames ? STACKS[0] : STACKS[1]],
      programs: sequence.stacks.map((resources) => [...resources]),
      owners: new Map(),
      deletedOutside: new Set(),
      drifted: new Set(),
      killedCreates: new Set(),
      report,
    };
    for (const [index, step] of sequence.steps.entries()) {
      const timed = report.stepMinutes.length;
      const stepStarted = performance.now();
      const problems = await runStep(world, step);
      report.steps += 1;
      const found = [...problems, ...accountProblems(world)];
      report.violations.push(...found.map((problem) => `step ${index + 1} (${describeStep(step)}): ${problem}`));
      const took =
        report.stepMinutes.length > timed
          ? ` [${report.stepMinutes.at(-1)} simulated min, ${((performance.now() - stepStarted) / 1000).toFixed(1)} s]`
          : "";
      log(`step ${index + 1}: ${describeStep(step)}${took}${found.length > 0 ? ` ✗ ${found.length} violation(s)` : ""}`);
      if (found.length > 0) break;
    }
    if (report.violations.length === 0)
      report.violations.push(...(await converge(world)).map((problem) => `after the faults stopped: ${problem}`));
    report.requests = stack.emulator.requests.length;
    report.violations.push(
      ...stack.emulator.violations.map(
        (violation) =>
          `a request DigitalOcean would reject (${violation.kind}): ${violation.method} ${violation.path}: ${violation.errors.join(", ")}`,
      ),
    );
  });
  report.realSeconds = (performance.now() - started) / 1000;
  return report;
}

/** A fault kind that names its own requests (`match`) lands there whatever route was drawn. */
function ownRoute(key: string): boolean {
  const kind = SOAK_FAULTS.find((candidate) => candidate.key === key);
  return kind !== undefined && "match" in kind;
}

export function describeStep(step: Step): string {
  const where = (stack: number) => STACKS[stack];
  const faults =
    "faults" in step && step.faults.length > 0
      ? ` with ${step.faults.map((fault) => `${fault.fault} ×${fault.count} on ${ownRoute(fault.fault) ? "its own route" : fault.route}`).join(", ")}`
      : "";
  const midway =
    "midway" in step && step.midway
      ? `, ${step.midway.event}${step.midway.event === "jump" ? ` ${step.midway.minutes} min` : ""} after ${step.midway.afterRequests} requests`
      : "";
  switch (step.kind) {
    case "up":
      return `up ${where(step.stack)}${step.alongside ? ` (and ${where(1 - step.stack)} alongside)` : ""}${step.change ? ` (${step.change.field} of resource #${step.change.resource} → ${JSON.stringify(step.change.value)})` : ""}${faults}${midway}`;
    case "refresh":
    case "destroy":
      return `${step.kind} ${where(step.stack)}${faults}${midway}`;
    case "out-of-band":
      return `${step.what} resource #${step.resource} of ${where(step.stack)} outside Pulumi (${JSON.stringify(step.value)})`;
    case "jump":
      return `clock jumps ${step.minutes} min`;
  }
}

async function runStep(world: World, step: Step): Promise<string[]> {
  const { stack } = world;
  if (step.kind === "jump") {
    stack.jumpClock(step.minutes * MINUTE_MS);
    world.report.clockJumps += 1;
    return [];
  }
  if (step.kind === "out-of-band") {
    outOfBand(world, step);
    return [];
  }

  if (step.freshHost) await world.deployments[step.stack]!.restartHost();
  if (step.kind === "up") world.programs[step.stack] = applyChange(world.programs[step.stack]!, step.change);
  const { deployment, declared, inputs } = await programOf(world, step.stack);

  const injected = step.faults.map((spec) => ({ spec, fault: arm(world, spec) }));
  const startedAt = stack.clock.now();
  const requestsBefore = stack.emulator.requests.length;
  const { engine } = deployment;
  const operation = Promise.all(
    declared.map((resource, i) =>
      step.kind === "up"
        ? engine.up(resource.resource, inputs[i]!)
        : step.kind === "refresh"
          ? engine.refresh(resource.resource)
          : engine.destroy(resource.resource),
    ),
  );
  const other = step.kind === "up" && step.alongside ? await alongside(world, 1 - step.stack) : undefined;
  const midway = step.midway ? await atMidway(world, deployment.name, operation, requestsBefore, step.midway) : undefined;
  if (midway?.event === "kill") {
    world.report.hostKills += 1;
    if (step.kind === "up")
      for (const resource of declared) world.killedCreates.add(ownerKey({ stack: deployment.name, resource: resource.resource }));
    await deployment.host.kill();
  }
  const outcomes = await operation;
  const otherOutcomes = await other?.operation;
  for (const { fault } of injected) fault.cancel();
  // A request held by a `late` fault is carried out after the step gave up on it.
  await until(
    "delayed requests to be carried out",
    () => (stack.emulator.requests.some((request) => request.fault === "delay" && request.status === null) ? undefined : true),
    120_000,
  );
  if (midway?.event === "kill") await deployment.restartHost();
  const hits = injected.reduce((sum, { fault }) => sum + fault.hits, 0);
  world.report.faults += hits;
  for (const { spec, fault } of injected) world.report.faultsByKind[spec.fault] = (world.report.faultsByKind[spec.fault] ?? 0) + fault.hits;

  const problems: string[] = [];
  const jumped = midway?.event === "jump" ? midway.minutes * MINUTE_MS : 0;
  const minutes = (stack.clock.now() - startedAt - jumped) / MINUTE_MS;
  const bound = STEP_MINUTES + injected.reduce((sum, { fault }) => sum + FAULT_ALLOWANCE_MINUTES[fault.fault.kind] * fault.hits, 0);
  world.report.stepMinutes.push(Math.round(minutes));
  if (midway?.event !== "kill" && minutes > bound) {
    problems.push(
      `the step took ${minutes.toFixed(0)} simulated minutes (bound ${bound} with ${hits} faulted requests)${midway?.event === "delete" ? " after an image was deleted in the middle of it" : ""}`,
    );
  }
  if (step.kind === "up") problems.push(...outcomes.flatMap((outcome, i) => afterUp(world, deployment, declared[i]!, outcome)));
  if (other && otherOutcomes)
    problems.push(...otherOutcomes.flatMap((outcome, i) => afterUp(world, other.deployment, other.declared[i]!, outcome)));
  if (step.kind === "refresh") {
    outcomes.forEach((outcome) => outcome.ok && outcome.id !== undefined && world.drifted.delete(Number(outcome.id)));
    for (const [i, outcome] of outcomes.entries())
      if (outcome.ok && outcome.action === "refresh") problems.push(...(await afterRefresh(world, deployment, declared[i]!, inputs[i]!)));
  }
  return problems;
}

/** Starts an `up` of stack `index`'s program as it stands, beside the step's own. */
async function alongside(
  world: World,
  index: number,
): Promise<{ deployment: Deployment; declared: DeclaredResource[]; operation: Promise<Outcome[]> }> {
  const { deployment, declared, inputs } = await programOf(world, index);
  return {
    deployment,
    declared,
    operation: Promise.all(declared.map((resource, i) => deployment.engine.up(resource.resource, inputs[i]!))),
  };
}

/**
 * Waits until `afterRequests` more requests reached the emulator (or the operation ended first),
 * then makes the event happen; `delete` deletes the newest live image of stack `stackName`.
 */
async function atMidway(
  world: World,
  stackName: string,
  operation: Promise<unknown>,
  requestsBefore: number,
  midway: Midway,
): Promise<Midway | undefined> {
  const { stack } = world;
  let ended = false;
  void operation.finally(() => {
    ended = true;
  });
  const reached = await until(
    "the middle of the operation",
    () => (ended ? false : stack.emulator.requests.length >= requestsBefore + midway.afterRequests ? true : undefined),
    600_000,
  );
  if (!reached) return undefined;
  if (midway.event === "jump") {
    stack.jumpClock(midway.minutes * MINUTE_MS);
    world.report.clockJumps += 1;
  }
  if (midway.event === "delete") {
    const newest = stack.emulator
      .audit()
      .filter((entry) => entry.status !== "deleted")
      .filter((entry) => entry.importTags.some((tag) => world.owners.get(tag)?.stack === stackName))
      .at(-1);
    if (!newest) return undefined;
    stack.emulator.deleteImageOutOfBand(newest.id);
    world.deletedOutside.add(newest.id);
    world.report.outOfBand += 1;
  }
  return midway;
}

function arm(world: World, spec: FaultSpec): InjectedFault {
  const kind = SOAK_FAULTS.find((candidate) => candidate.key === spec.fault);
  const route = ROUTES.find((candidate) => candidate.key === spec.route);
  if (!kind || !route) throw new Error(`unknown fault ${spec.fault} or route ${spec.route}`);
  const { stack } = world;
  const fault = kind.fault({ clock: stack.clock, scale: stack.scale, requestTimeoutMs: REQUEST_TIMEOUT_MS });
  const match =
    "match" in kind ? kind.match : { ...(route.method ? { method: route.method } : {}), ...(route.path ? { path: route.path } : {}) };
  return stack.emulator.inject(fault, { ...match, count: spec.count });
}

function outOfBand(world: World, step: Extract<Step, { kind: "out-of-band" }>): void {
  const deployment = world.deployments[step.stack]!;
  const resources = world.programs[step.stack]!;
  const state = deployment.engine.state(resources[step.resource % resources.length]!.resource);
  const id = Number(state?.id);
  const image = state ? world.stack.emulator.getImage(id) : undefined;
  if (!image || image.status === "deleted") return;
  world.report.outOfBand += 1;
  if (step.what === "delete") {
    world.stack.emulator.deleteImageOutOfBand(id);
    world.deletedOutside.add(id);
  } else {
    world.stack.emulator.mutateImage(id, step.what === "rename" ? { name: step.value } : { tags: [step.value] });
    world.drifted.add(id);
  }
}

const refused = (declared: DeclaredResource) => declared.program.tags.includes(RESERVED_TAG);

/**
 * After an `up`, a program tagging the image with the reserved marker prefix must have been refused
 * at check; any other resource the `up` succeeded for must name a live image of its URL that is as
 * the program says (unless changed outside Pulumi since the last refresh), and equal to its state
 * when the `up` created, updated or replaced it.
 */
function afterUp(world: World, deployment: Deployment, declared: DeclaredResource, outcome: Outcome): string[] {
  const who = `${deployment.name}/${declared.resource}`;
  if (refused(declared)) {
    const ok = !outcome.ok && outcome.action === "check" && outcome.message.includes("pulumi-import:");
    return ok
      ? []
      : [`${who}: a program tagging its image ${RESERVED_TAG} was not refused at check (${outcome.ok ? outcome.action : outcome.message})`];
  }
  if (!outcome.ok) return [...falseDeletionClaims(world, who, outcome.message), ...afterFailedUp(world, deployment, declared, outcome)];
  const state = deployment.engine.state(declared.resource);
  if (!state) return [`${who}: the ${outcome.action} succeeded but the state has no resource`];
  const id = Number(state.id);
  const changed = outcome.action === "create" || outcome.action === "update" || outcome.action === "replace";
  if (changed) world.drifted.delete(id);
  if (world.deletedOutside.has(id) || world.drifted.has(id)) return [];
  const problems = changed ? stateDisagreements(world.stack.emulator, state) : [];
  problems.push(...programMismatches(world, state.id, declared));
  const did = outcome.action === "same" ? "changed nothing" : `${outcome.action.replace(/e$/, "")}ed it`;
  return problems.map((problem) => `${who} after an up that ${did}: ${problem}`);
}

/** A failure may say that an image was deleted outside Pulumi only of an image the soak deleted outside Pulumi. */
function falseDeletionClaims(world: World, who: string, message: string): string[] {
  const claimed = [...message.matchAll(/Image (\d+) was deleted outside Pulumi/g)].map((match) => Number(match[1]));
  return claimed
    .filter((id) => !world.deletedOutside.has(id))
    .map((id) => `${who}: the up failed saying image ${id} was deleted outside Pulumi, which nobody did`);
}

/**
 * After a failed `up`: a partial failure records the image in regions it is in, or, while it
 * imports, in the region the import went into (a state claiming another region proposes a
 * replacement once the program goes back); and an update that advises running `pulumi up` again
 * must not leave the state naming an image that is gone, since every later `up` then fails.
 */
function afterFailedUp(
  world: World,
  deployment: Deployment,
  declared: DeclaredResource,
  outcome: Extract<Outcome, { ok: false }>,
): string[] {
  const who = `${deployment.name}/${declared.resource}`;
  const state = deployment.engine.state(declared.resource);
  if (!state) return [];
  const id = Number(state.id);
  const image = world.stack.emulator.getImage(id);
  const entry = world.stack.emulator.audit().find((candidate) => candidate.id === id);
  const problems: string[] = [];
  if (outcome.action === "update" && /`pulumi up` again/.test(outcome.message) && (!image || image.status === "deleted")) {
    problems.push(
      `${who}: the update failed advising \`pulumi up\` again, but image ${id} is gone, so the next \`up\` fails too: ${outcome.message}`,
    );
  }
  if (outcome.partial && image && entry && image.status !== "deleted" && !world.deletedOutside.has(id)) {
    const possible = [...image.regions, entry.region];
    const recorded = Array.isArray(state.outputs.regions) ? state.outputs.regions.map(String) : [];
    const never = recorded.filter((region) => !possible.includes(region));
    if (never.length > 0)
      problems.push(
        `${who}: a partial failure recorded image ${id} in ${never.join(", ")}, where it never was (it is in ${JSON.stringify(image.regions)}, imported into ${entry.region})`,
      );
  }
  return problems;
}

/**
 * After a refresh, an image that differs from the program (renamed, retagged, short of a region,
 * still importing into its first region only) must make the next preview propose a change, or
 * leave the resource with init errors (so that the next `up` updates it): otherwise the next `up`
 * does nothing and the difference stays.
 */
async function afterRefresh(
  world: World,
  deployment: Deployment,
  declared: DeclaredResource,
  inputs: Record<string, unknown>,
): Promise<string[]> {
  const state = deployment.engine.state(declared.resource);
  if (refused(declared) || !state || state.initErrors) return [];
  const differences = programMismatches(world, state.id, declared);
  if (differences.length === 0) return [];
  const preview = await deployment.engine.preview(declared.resource, inputs).catch(() => undefined);
  if (!preview || preview.failures.length > 0 || preview.diff?.changes !== "none") return [];
  return differences.map(
    (difference) => `${deployment.name}/${declared.resource} after a refresh: ${difference}, yet the next preview proposes no change`,
  );
}

function claims(world: World): Claim[] {
  return world.deployments.flatMap((deployment) => [
    ...[...deployment.engine.resources.values()].map((state) => ({
      stack: deployment.name,
      resource: resourceOf(state.urn),
      id: Number(state.id),
      pending: false,
    })),
    ...deployment.engine.pendingDeletes.map((state) => ({
      stack: deployment.name,
      resource: resourceOf(state.urn),
      id: Number(state.id),
      pending: true,
    })),
  ]);
}

/** The ownership invariants; leftovers of a killed host's `up` are recorded as documented, not as violations. */
function accountProblems(world: World, { final = false } = {}): string[] {
  const replacements = world.deployments.flatMap((deployment) => deployment.engine.replacements);
  const result = ownership(world.stack.emulator, claims(world), world.owners, replacements);
  const documented = (owner: Owner | undefined) => owner !== undefined && world.killedCreates.has(ownerKey(owner));
  const problems = [...result.foreign.map((line) => `foreign: ${line}`), ...result.shared.map((line) => `shared: ${line}`)];
  const note = (isDocumented: boolean, line: string) => {
    if (!isDocumented) problems.push(line);
    else if (!world.report.documented.includes(line)) world.report.documented.push(line);
  };
  for (const { entry, owner } of result.orphans)
    note(
      documented(owner),
      `orphan: image ${entry.id} "${entry.name}" (${entry.status}) of ${owner ? ownerKey(owner) : "no known resource"} is in no state`,
    );
  for (const duplicate of result.duplicates)
    note(
      documented(duplicate.owner),
      `duplicate: ${ownerKey(duplicate.owner)} imported image ${duplicate.id} while its image ${duplicate.duplicateOf} ("${duplicate.name}") was alive`,
    );
  if (final) {
    for (const { entry, owner, marker } of result.awaitingAdoption)
      note(
        documented(owner),
        `not adopted: image ${entry.id} "${entry.name}" of ${owner ? ownerKey(owner) : "no known resource"} still carries ${marker}`,
      );
  }
  return problems;
}

/**
 * Faults gone and DigitalOcean done: refresh and one `up` of each stack converge (and one more, to
 * resume an import it started that outlasts the create timeout), the preview after shows nothing,
 * destroy leaves nothing.
 */
async function converge(world: World): Promise<string[]> {
  const problems: string[] = [];
  const { emulator } = world.stack;
  // DigitalOcean finishes what it was doing (imports take up to an hour here); the next
  // commands start new hosts, on DigitalOcean's time again after any jump.
  world.stack.jumpClock(CONVERGE_AFTER_MINUTES * MINUTE_MS);
  for (const deployment of world.deployments) await deployment.restartHost();
  for (const index of world.deployments.keys()) {
    const { deployment, declared, inputs } = await programOf(world, index);
    const refreshed = await Promise.all(declared.map((resource) => deployment.engine.refresh(resource.resource)));
    problems.push(
      ...refreshed.flatMap((outcome, i) =>
        outcome.ok ? [] : [`refresh of ${deployment.name}/${declared[i]!.resource} failed: ${outcome.message}`],
      ),
    );
    const upAll = () => Promise.all(declared.map((resource, i) => deployment.engine.up(resource.resource, inputs[i]!)));
    let upped = await upAll();
    if (upped.some((outcome) => !outcome.ok && outcome.partial && /waiting for the import/.test(outcome.message))) {
      // An import the up started that takes longer than the program's create timeout: as the error
      // says, the next `up`, once DigitalOcean is done, resumes it.
      world.stack.jumpClock(CONVERGE_AFTER_MINUTES * MINUTE_MS);
      await deployment.restartHost();
      upped = await upAll();
    }
    problems.push(
      ...upped.flatMap((outcome, i) =>
        outcome.ok || refused(declared[i]!)
          ? []
          : [`the converging up of ${deployment.name}/${declared[i]!.resource} failed: ${outcome.message}`],
      ),
    );
    for (const [i, resource] of declared.entries()) {
      const who = `${deployment.name}/${resource.resource}`;
      if (refused(resource)) continue;
      const preview = await deployment.engine.preview(resource.resource, inputs[i]!);
      const state = deployment.engine.state(resource.resource);
      if (preview.diff?.changes !== "none" || state?.initErrors)
        problems.push(
          `the preview after converging proposes a change to ${who}: ${JSON.stringify(preview.diff ?? "create")}${state?.initErrors ? " (init errors)" : ""}`,
        );
      if (!state) continue;
      problems.push(...stateDisagreements(emulator, state).map((problem) => `${who}: ${problem}`));
      problems.push(...programMismatches(world, state.id, resource).map((problem) => `${who}: ${problem}`));
    }
  }
  problems.push(...accountProblems(world, { final: true }));
  for (const [index, deployment] of world.deployments.entries()) {
    for (const resource of world.programs[index]!) {
      const destroyed = await deployment.engine.destroy(resource.resource);
      if (!destroyed.ok) problems.push(`destroy of ${deployment.name}/${resource.resource} failed: ${destroyed.message}`);
    }
  }
  problems.push(...accountProblems(world, { final: true }));
  return problems;
}

function programMismatches(world: World, id: string, declared: DeclaredResource): string[] {
  const image = world.stack.emulator.getImage(Number(id));
  const entry = world.stack.emulator.audit().find((candidate) => candidate.id === Number(id));
  if (!image || !entry) return [`image ${id} does not exist`];
  const { program } = declared;
  const set = (values: string[]) => JSON.stringify([...new Set(values.filter((value) => !isImportMarker(value)))].sort());
  const problems: string[] = [];
  if (image.status === "deleted") problems.push(`image ${id} is deleted`);
  // Whatever uses the image needs it available: an `up` that succeeded must have waited for it.
  if (image.status === "NEW" || image.status === "pending") problems.push(`image ${id} is still importing (status ${image.status})`);
  if (image.name !== program.name)
    problems.push(`image ${id} is named ${JSON.stringify(image.name)}, the program says ${JSON.stringify(program.name)}`);
  if (image.description !== program.description)
    problems.push(
      `image ${id}'s description is ${JSON.stringify(image.description)}, the program says ${JSON.stringify(program.description)}`,
    );
  if (entry.url !== program.url) problems.push(`image ${id} was imported from ${entry.url}, the program says ${program.url}`);
  if (set(image.tags) !== set(program.tags))
    problems.push(`image ${id} has tags ${set(image.tags)}, the program says ${set(program.tags)}`);
  // An import still running lands in the program's first region without a transfer.
  const regions = image.status === "NEW" || image.status === "pending" ? [...image.regions, program.regions[0]!] : image.regions;
  if (set(regions) !== set(program.regions))
    problems.push(`image ${id} is in ${set(image.regions)} (status ${image.status}), the program says ${set(program.regions)}`);
  return problems;
}

export interface SoakOptions {
  size: SoakSize;
  seed: number;
  /** Replays (and with `shrink`, shrinks) the one sequence at this fast-check path. */
  path?: string;
  shrink?: boolean;
  /** Only these fault kinds (default all; see `sequenceArbitrary`). */
  faults?: string[];
  log?: (line: string) => void;
}

export interface SoakResults {
  size: SoakSize["key"];
  seed: number;
  /** The fault kinds drawn, when narrowed. */
  faults?: string[];
  sequences: SequenceReport[];
  /** The smallest failing sequence fast-check found (only when shrinking). */
  counterexample?: { path: string; sequence: SoakSequence; violations: string[] };
  realSeconds: number;
}

/**
 * Runs `size.sequences` sequences from `seed` (or the one at `path`). Without `shrink` a sequence's
 * violations are recorded and the run goes on, so that one run reports every failing path; with
 * it, the first failing sequence is shrunk to a smallest one that still fails.
 */
export async function soak(options: SoakOptions): Promise<SoakResults> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const sequences: SequenceReport[] = [];
  let runs = 0;
  let lastFailure: { sequence: SoakSequence; report: SequenceReport } | undefined;
  const property = fc.asyncProperty(sequenceArbitrary(options.size, options.faults), async (sequence) => {
    const path =
      options.path !== undefined && runs === 0
        ? options.path
        : options.path !== undefined
          ? `${options.path} (shrink ${runs})`
          : String(runs);
    runs += 1;
    log(
      `sequence ${path}${sequence.sameNames ? " (prod has dev's names)" : ""}: ${sequence.stacks.map((resources, i) => `${STACKS[i]}: ${resources.map((r) => `${r.resource}=${r.program.name}@${r.program.url.replace(/^.*\//, "")}[${r.program.regions.join(",")}]`).join(" ")}`).join("; ")}; ${sequence.steps.length} steps`,
    );
    const report = await runSequence(sequence, path, (line) => log(`  ${line}`));
    if (options.shrink && options.path === undefined && runs > options.size.sequences) {
      // Shrinking: only the verdict matters.
    } else sequences.push(report);
    log(
      `sequence ${path}: ${report.steps} steps, ${report.faults} faults, ${report.violations.length} violation(s), ${report.realSeconds.toFixed(1)} s`,
    );
    for (const violation of report.violations) log(`  ✗ ${violation}`);
    if (report.violations.length > 0) lastFailure = { sequence, report };
    return !options.shrink || report.violations.length === 0;
  });
  const details = await fc.check(property, {
    seed: options.seed,
    numRuns: options.path !== undefined ? 1 : options.size.sequences,
    ...(options.path !== undefined ? { path: options.path } : {}),
    endOnFailure: !options.shrink,
  });
  const results: SoakResults = {
    size: options.size.key,
    seed: options.seed,
    ...(options.faults ? { faults: options.faults } : {}),
    sequences,
    realSeconds: (performance.now() - started) / 1000,
  };
  if (details.failed && details.counterexample && lastFailure) {
    results.counterexample = {
      path: details.counterexamplePath ?? "",
      sequence: details.counterexample[0],
      violations: lastFailure.report.violations,
    };
  }
  return results;
}

export interface SoakFigures extends SoakCounts {
  sequences: number;
  violations: number;
  /** Images a killed host left, as the documented window allows. */
  documented: number;
  /** The command replaying each sequence that found a violation. */
  failing: string[];
}

/** Totals over the sequences of a run. */
export function soakFigures(results: SoakResults): SoakFigures {
  const sum = (pick: (report: SoakResults["sequences"][number]) => number) =>
    results.sequences.reduce((total, report) => total + pick(report), 0);
  return {
    sequences: results.sequences.length,
    steps: sum((report) => report.steps),
    faults: sum((report) => report.faults),
    faultsByKind: Object.fromEntries(SOAK_FAULTS.map((kind) => [kind.key, sum((report) => report.faultsByKind[kind.key] ?? 0)])),
    hostKills: sum((report) => report.hostKills),
    clockJumps: sum((report) => report.clockJumps),
    outOfBand: sum((report) => report.outOfBand),
    requests: sum((report) => report.requests),
    violations: sum((report) => report.violations.length),
    documented: sum((report) => report.documented.length),
    failing: results.sequences.filter((report) => report.violations.length > 0).map((report) => replayCommand(results, report.path)),
  };
}

/** The command that runs the sequence at `path` of a run again (the size and the fault kinds shape the sequences a seed draws). */
export function replayCommand(results: Pick<SoakResults, "size" | "seed" | "faults">, path: string): string {
  return `npm run soak -- --seed ${results.seed} --path ${path}${results.size === "quick" ? "" : ` --size ${results.size}`}${results.faults ? ` --faults ${results.faults.join(",")}` : ""}`;
}
