import * as steps from "../engine-model/step-generator";
import type { NewResource, ProviderCalls, StepResult } from "../engine-model/step-generator";
import { type CheckResult, ProviderHostError } from "../provider-host/provider-host";
import type { RegisterMessage } from "./child-protocol";
import { seconds } from "./plan-printer";
import { propertyDiff } from "./property-diff";
import type { ResourceState, StackState } from "./state-file";

/**
 * What Pulumi's engine does with each resource of a deployment, for dynamic resources only: each
 * registration goes through the step generator's model (tools/engine-model/step-generator.ts);
 * around it, the deployment deletes what the program no longer declares, and the originals of
 * create-before-delete replacements, only when the program succeeded, and keeps whatever a failed
 * step leaves in the state.
 */

export type StepKind = "create" | "update" | "replace" | "delete" | "same" | "read" | "discard";

export interface Step {
  kind: StepKind;
  urn: string;
  type: string;
  name: string;
  /** Properties that differ, as Pulumi shows them: `~description`, `+tags`, `-tags`. */
  diffs: string[];
  /** Properties the provider said force the replacement. */
  replaces: string[];
  /** The id before the step; for a replace, the original's. */
  id?: string;
  /** The id after a create or replace. */
  newId?: string;
  /** The update resumes a partial failure (the resource had init errors). */
  resumes?: boolean;
  /** The registration failed before any step began (a bad input, an unsupported option); `error` says why. */
  refused?: boolean;
  /** Real ms the provider calls of this step took (not in preview). */
  durationMs?: number;
  error?: string;
}

/**
 * What the deployment reports as it goes: an "instant" step calls no provider (every step of a
 * preview; unchanged resources, components and forgotten reads in an up); the others call the
 * provider, "start" then "done" or "failed".
 */
export type StepListener = (step: Step, phase: "instant" | "start" | "done" | "failed") => void;

/** The provider calls a deployment makes, as tools/provider-host/provider-host.ts sends them to the real host. */
export type { ProviderCalls };

export interface DeploymentOptions {
  host: ProviderCalls;
  old: StackState;
  preview: boolean;
  onStep: StepListener;
  /** Progress inside a step, e.g. "deleting the original". */
  onNote: (text: string) => void;
}

const DYNAMIC_TYPE = /^pulumi-nodejs:dynamic(\/|:)/;

export class Deployment {
  readonly steps: Step[] = [];
  readonly errors: string[] = [];
  private readonly host: ProviderCalls;
  private readonly old: StackState;
  private readonly preview: boolean;
  private readonly onStep: StepListener;
  private readonly onNote: (text: string) => void;
  /** New state of every resource the program registered, with the registration's sequence number. */
  private readonly registered = new Map<string, { seq: number; state: ResourceState }>();
  /** Old resources the program registered again (whatever became of them). */
  private readonly visited = new Set<ResourceState>();
  /** Originals replaced create-before-delete, deleted once the program has finished. */
  private readonly replaced: ResourceState[] = [];

  constructor(options: DeploymentOptions) {
    this.host = options.host;
    this.old = options.old;
    this.preview = options.preview;
    this.onStep = options.onStep;
    this.onNote = options.onNote;
  }

  /** One `RegisterResource` (or `ReadResource`) of the program; resolves to the id and outputs the program sees. */
  async register(message: RegisterMessage): Promise<{ id: string; state: Record<string, unknown> }> {
    if (this.registered.has(message.urn)) throw this.fail(message, `Duplicate resource URN '${message.urn}'; try giving it a unique name`);
    const old = this.old.resources.find((resource) => resource.urn === message.urn && !resource.pendingDelete);
    if (old) this.visited.add(old);
    if (message.options.unsupported.length > 0) {
      if (old) this.keep(message.seq, old);
      throw this.fail(
        message,
        `the program runner does not implement the resource option(s) ${message.options.unsupported.join(", ")}; run this program with \`pulumi\``,
      );
    }
    if (!message.custom) {
      this.keep(message.seq, { ...this.base(message), id: "", inputs: message.inputs, outputs: {} });
      this.record(this.step(old ? "same" : "create", message), "instant");
      return { id: "", state: {} };
    }
    if (!DYNAMIC_TYPE.test(message.type)) {
      throw this.fail(
        message,
        `the program runner only runs dynamic resources (pulumi.dynamic.Resource); ${message.type} needs its provider plugin: run this program with \`pulumi\``,
      );
    }
    if (message.readId !== undefined) return this.read(message, old);

    const checked = await this.check(message, old?.inputs ?? {}, old);
    if (!old) return this.create(message, checked.inputs);

    const diff = await this.host.diff(old.id, message.urn, old.outputs, checked.inputs, old.inputs).catch((error: unknown) => {
      this.keep(message.seq, old);
      throw this.fail(message, errorText(error));
    });
    const planned = steps.plan(old, checked.inputs, diff, message.options.deleteBeforeReplace);
    const diffs = planned.kind === "replace" || (planned.kind === "update" && planned.changed) ? displayedDiff(old, checked.inputs) : [];
    if (planned.kind === "replace") return this.replace(message, old, diffs, planned.replaces, planned.deleteBeforeReplace);
    if (planned.kind === "update") return this.update(message, old, checked.inputs, diffs);

    this.keep(message.seq, { ...old, inputs: checked.inputs });
    this.record({ ...this.step("same", message), id: old.id }, "instant");
    return { id: old.id, state: old.outputs };
  }

  /**
   * After the program: deletes, in reverse order, what the program no longer declares and the
   * originals of create-before-delete replacements, but only when the program succeeded (the
   * engine cannot tell "removed" from "not reached"). Returns the new state.
   */
  async finish(programSucceeded: boolean, outputs: Record<string, unknown>): Promise<StackState> {
    const kept: ResourceState[] = [];
    const replaced = new Set(this.replaced);
    for (const resource of [...this.old.resources].reverse()) {
      if (this.visited.has(resource) && !replaced.has(resource)) continue;
      const isReplaced = replaced.has(resource) || resource.pendingDelete === true;
      if (!programSucceeded) {
        kept.unshift(isReplaced ? { ...resource, pendingDelete: true } : resource);
        continue;
      }
      if (replaced.has(resource)) {
        // Part of the replace step already shown; only the delete is left.
        if (!(await this.deleteReplaced(resource))) kept.unshift({ ...resource, pendingDelete: true });
      } else if (!(await this.delete(resource))) {
        kept.unshift(resource);
      }
    }
    const resources = [...this.registered.values()].sort((a, b) => a.seq - b.seq).map((entry) => entry.state);
    return { ...this.old, resources: [...resources, ...kept], outputs };
  }

  /** `pulumi refresh`: reads every resource; drops those the provider reports gone; takes the live outputs. */
  async refresh(): Promise<StackState> {
    const resources: ResourceState[] = [];
    for (const resource of this.old.resources) {
      if (!resource.custom) {
        resources.push(resource);
        continue;
      }
      const step = { ...this.stepOf("same", resource), id: resource.id };
      this.record(step, "start");
      const started = performance.now();
      const refreshed = await steps.refresh(this.host, resource);
      if (!refreshed.ok) {
        resources.push(resource);
        this.recordFailure(step, errorText(refreshed.error));
        continue;
      }
      step.durationMs = performance.now() - started;
      if (!refreshed.state) {
        step.kind = "delete";
      } else {
        step.diffs = propertyDiff(resource.outputs, refreshed.state.outputs);
        if (step.diffs.length > 0) step.kind = "update";
        resources.push(refreshed.state);
      }
      this.record(step, "done");
    }
    return { ...this.old, resources };
  }

  /** `pulumi destroy`: deletes every resource the stack owns, in reverse order; forgets those it only read. */
  async destroy(): Promise<StackState> {
    const kept: ResourceState[] = [];
    for (const resource of [...this.old.resources].reverse()) {
      if (!(await this.delete(resource))) kept.unshift(resource);
    }
    return { ...this.old, resources: kept, outputs: kept.length === 0 ? {} : this.old.outputs };
  }

  private async check(message: RegisterMessage, olds: Record<string, unknown>, old: ResourceState | undefined): Promise<CheckResult> {
    let checked: CheckResult;
    try {
      checked = await this.host.check(message.urn, olds, message.inputs);
    } catch (error) {
      if (old) this.keep(message.seq, old);
      throw this.fail(message, errorText(error));
    }
    if (checked.failures.length > 0) {
      if (old) this.keep(message.seq, old);
      throw this.fail(
        message,
        checked.failures.map((failure) => `property ${failure.property} has a problem: ${failure.reason}`).join("; "),
      );
    }
    return checked;
  }

  private async create(message: RegisterMessage, inputs: Record<string, unknown>) {
    const step = this.step("create", message);
    if (this.preview) {
      this.record(step, "instant");
      return { id: "", state: inputs };
    }
    const created = await this.run(step, message, () => steps.create(this.host, this.base(message), inputs));
    step.newId = created.id;
    this.record(step, "done");
    return { id: created.id, state: created.outputs };
  }

  private async update(message: RegisterMessage, old: ResourceState, inputs: Record<string, unknown>, diffs: string[]) {
    const step: Step = { ...this.step("update", message), id: old.id, diffs, resumes: old.initErrors !== undefined };
    if (this.preview) {
      this.record(step, "instant");
      // As the engine's preview of an update by a provider that declares no preview support (the
      // dynamic-provider host): the inputs as outputs, so every other output is unknown. The id stays known.
      return { id: old.id, state: inputs };
    }
    const updated = await this.run(step, message, () => steps.update(this.host, old, inputs));
    this.record(step, "done");
    return { id: old.id, state: updated.outputs };
  }

  private async replace(message: RegisterMessage, old: ResourceState, diffs: string[], replaces: string[], deleteBeforeReplace: boolean) {
    // A replacement is a new resource: the engine checks it again without the old inputs.
    const { inputs } = await this.check(message, {}, old);
    const step: Step = { ...this.step("replace", message), id: old.id, diffs, replaces };
    if (this.preview) {
      this.record(step, "instant");
      return { id: "", state: inputs };
    }
    const created = await this.run(step, message, () =>
      steps.replace(this.host, old, this.base(message), inputs, deleteBeforeReplace, this.onNote),
    );
    step.newId = created.id;
    this.record(step, "done");
    return { id: created.id, state: created.outputs };
  }

  /** `Resource.get`: the engine reads the resource, in preview too, and never owns it. */
  private async read(message: RegisterMessage, old: ResourceState | undefined) {
    const step: Step = { ...this.step("read", message), id: message.readId };
    this.record(step, "start");
    let read;
    try {
      read = await this.host.read(message.readId!, message.urn, {}, message.inputs);
    } catch (error) {
      if (old) this.keep(message.seq, old);
      throw this.failStep(step, errorText(error));
    }
    if (!read.id) throw this.failStep(step, `resource '${message.readId}' does not exist`);
    this.keep(message.seq, {
      ...this.base(message),
      id: read.id,
      inputs: read.inputs ?? message.inputs,
      outputs: read.properties,
      external: true,
    });
    this.record(step, "done");
    return { id: read.id, state: read.properties };
  }

  /**
   * Runs a create, update or replace of the model; the caller records the step done. Whatever the
   * step leaves is kept in the state (a partial failure's resource with its init errors; after a
   * plain failure, the old state as it was), and a replaced original waits for `finish`.
   */
  private async run(step: Step, message: RegisterMessage, call: () => Promise<StepResult>): Promise<ResourceState> {
    this.record(step, "start");
    const started = performance.now();
    const result = await call();
    step.durationMs = performance.now() - started;
    if (result.state) this.keep(message.seq, result.state);
    if (result.original) this.replaced.push(result.original);
    if (!result.ok) throw this.failStep(step, partialFailureText(result.error));
    return result.state;
  }

  /** Deletes a resource no longer wanted; a component or a read resource is only forgotten. Returns false when it failed. */
  private async delete(resource: ResourceState): Promise<boolean> {
    const step: Step = { ...this.stepOf(resource.external ? "discard" : "delete", resource), id: resource.id || undefined };
    if (this.preview || !resource.custom || resource.external) {
      this.record(step, "instant");
      return true;
    }
    this.record(step, "start");
    const started = performance.now();
    try {
      await this.host.delete(resource.id, resource.urn, resource.outputs, resource.inputs);
    } catch (error) {
      this.recordFailure(step, errorText(error));
      return false;
    }
    step.durationMs = performance.now() - started;
    this.record(step, "done");
    return true;
  }

  /** The delete half of a create-before-delete replace, shown as a note: the replace step is already counted. */
  private async deleteReplaced(resource: ResourceState): Promise<boolean> {
    if (this.preview) return true;
    const started = performance.now();
    try {
      await this.host.delete(resource.id, resource.urn, resource.outputs, resource.inputs);
    } catch (error) {
      const text = `deleting the replaced original ${resource.id} of ${resource.urn}: ${errorText(error)} (the next up deletes it)`;
      this.errors.push(text);
      this.onNote(`error: ${text}`);
      return false;
    }
    this.onNote(`deleted the replaced original ${resource.id} of ${nameOf(resource.urn)} (${seconds(performance.now() - started)})`);
    return true;
  }

  private keep(seq: number, state: ResourceState): void {
    this.registered.set(state.urn, { seq, state });
  }

  private base(message: RegisterMessage): NewResource {
    return { urn: message.urn, type: message.type, custom: message.custom, ...(message.parent ? { parent: message.parent } : {}) };
  }

  private step(kind: StepKind, message: RegisterMessage): Step {
    return { kind, urn: message.urn, type: message.type, name: message.name, diffs: [], replaces: [] };
  }

  private stepOf(kind: StepKind, resource: ResourceState): Step {
    return { kind, urn: resource.urn, type: resource.type, name: nameOf(resource.urn), diffs: [], replaces: [] };
  }

  private record(step: Step, phase: "instant" | "start" | "done"): void {
    if (phase !== "done") this.steps.push(step);
    this.onStep(step, phase);
  }

  private recordFailure(step: Step, error: string): void {
    step.error = error;
    this.errors.push(`${step.type} (${step.name}): ${error}`);
    this.onStep(step, "failed");
  }

  private failStep(step: Step, error: string): Error {
    this.recordFailure(step, error);
    return new Error(error);
  }

  /** A registration that failed before any step began (a bad input, an unsupported option). */
  private fail(message: RegisterMessage, error: string): Error {
    const step = this.step("same", message);
    step.refused = true;
    step.error = error;
    this.steps.push(step);
    return this.failStep(step, error);
  }
}

/** What a changed resource's plan line names: input changes, else (after a refresh found drift) what differs from the live outputs. */
function displayedDiff(old: ResourceState, news: Record<string, unknown>): string[] {
  const inputs = propertyDiff(old.inputs, news);
  if (inputs.length > 0) return inputs;
  const live = Object.fromEntries(
    Object.keys(news)
      .filter((key) => key in old.outputs)
      .map((key) => [key, old.outputs[key]]),
  );
  return propertyDiff(live, news);
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

function partialFailureText(error: unknown): string {
  const initFailed = error instanceof ProviderHostError ? error.initFailed : undefined;
  if (!initFailed) return errorText(error);
  return `${errorText(error)} (the resource exists as ${initFailed.id} and is recorded with init errors; the next up updates it)`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
