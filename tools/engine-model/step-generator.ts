import { isDeepStrictEqual } from "node:util";
import type { DiffResult, ProviderHost } from "../provider-host/provider-host";
import { ProviderHostError } from "../provider-host/provider-host";

/**
 * The one model of what Pulumi's engine does with a dynamic resource, after the rules of
 * pulumi/pulumi's step generator and steps (pkg/resource/deploy/step_generator.go, step.go), used
 * by the program runner (tools/runner/deployment.ts, whole programs) and by the reliability suites
 * (tools/reliability/engine.ts, one resource at a time so that a suite can fault one step):
 *
 * - Check gets the old inputs; a replacement is checked again against none (the caller checks).
 * - Diff compares against the old outputs; DIFF_UNKNOWN falls back to comparing old and new inputs.
 * - A resource with init errors (a partial failure) is updated even when nothing changed.
 * - A change with replace keys is a replacement, created before the original is deleted unless the
 *   provider's diff or the `deleteBeforeReplace` option says otherwise; the original waits, pending
 *   deletion, until the program has finished.
 * - A create or update that fails with `ErrorResourceInitFailed` records the resource with its id,
 *   outputs and init errors; any other failure leaves the old state as it was.
 * - A refresh that reads the resource clears its init errors; one that reads nothing forgets it.
 *
 * Not modelled: `replaceOnChanges` (the engine matches it against the changed keys a provider's
 * diff reports, and the dynamic-provider host reports none, so the real engine ignores it for these
 * resources: README "Limitations", test/engine/resource-options.engine.ts; the runner refuses the
 * option), nor pending operations of an interrupted create (the engine's checkpoint records them;
 * neither consumer writes a checkpoint during a step).
 */

/** One resource as the engine's state records it. */
export interface ResourceState {
  urn: string;
  type: string;
  /** False for components and the root stack: no provider, nothing to create or delete. */
  custom: boolean;
  parent?: string;
  /** The provider's id; "" for components. */
  id: string;
  /** The inputs after `check` it was last created or updated with, `__provider` included. */
  inputs: Record<string, unknown>;
  /** What create, update or read returned, `__provider` included. */
  outputs: Record<string, unknown>;
  /** Set by a partial failure: the next `up` updates the resource whatever the diff says. */
  initErrors?: string[];
  /** An original replaced create-before-delete whose delete has not happened or failed; the next `up` deletes it. */
  pendingDelete?: boolean;
  /** Read with `Resource.get`: the stack does not own it; destroy forgets it. */
  external?: boolean;
}

/** The provider calls the engine makes. */
export type ProviderCalls = Pick<ProviderHost, "check" | "diff" | "create" | "read" | "update" | "delete">;

/** What the step generator makes of a resource that exists in the state, once its new inputs are checked and diffed. */
export type Plan =
  | { kind: "same" }
  | { kind: "update"; changed: boolean; resumes: boolean }
  | { kind: "replace"; replaces: string[]; deleteBeforeReplace: boolean };

/** `deleteBeforeReplace`: the resource option of that name. */
export function plan(old: ResourceState, news: Record<string, unknown>, diff: DiffResult, deleteBeforeReplace = false): Plan {
  const changed = diff.changes === "unknown" ? !isDeepStrictEqual(old.inputs, news) : diff.changes === "some";
  if (changed && diff.replaces.length > 0) {
    return { kind: "replace", replaces: diff.replaces, deleteBeforeReplace: diff.deleteBeforeReplace || deleteBeforeReplace };
  }
  if (changed || old.initErrors) return { kind: "update", changed, resumes: old.initErrors !== undefined };
  return { kind: "same" };
}

/**
 * A step's result: `state` is what the state records for the resource afterwards (undefined:
 * nothing), `original` the replaced original left pending deletion.
 */
export type StepResult =
  | { ok: true; state: ResourceState; original?: ResourceState }
  | { ok: false; error: unknown; state?: ResourceState; original?: ResourceState };

/** The state's fields a new resource starts with. */
export type NewResource = Pick<ResourceState, "urn" | "type" | "custom" | "parent">;

export async function create(host: ProviderCalls, resource: NewResource, inputs: Record<string, unknown>): Promise<StepResult> {
  try {
    const created = await host.create(resource.urn, inputs);
    return { ok: true, state: { ...resource, id: created.id, inputs, outputs: created.properties } };
  } catch (error) {
    return { ok: false, error, state: initFailedState(error, resource, inputs) };
  }
}

export async function update(host: ProviderCalls, old: ResourceState, inputs: Record<string, unknown>): Promise<StepResult> {
  try {
    const updated = await host.update(old.id, old.urn, old.outputs, inputs, old.inputs);
    const { initErrors: _resumed, ...kept } = old;
    return { ok: true, state: { ...kept, inputs, outputs: updated.properties } };
  } catch (error) {
    return { ok: false, error, state: initFailedState(error, old, inputs) ?? old };
  }
}

/**
 * A replacement with `inputs` (checked without the old inputs). Create-before-delete leaves the
 * original to the caller, to delete once the program has finished; delete-before-replace deletes it
 * first, and a failure of that delete keeps it.
 */
export async function replace(
  host: ProviderCalls,
  old: ResourceState,
  resource: NewResource,
  inputs: Record<string, unknown>,
  deleteBeforeReplace: boolean,
  onNote: (text: string) => void = () => {},
): Promise<StepResult> {
  if (deleteBeforeReplace) {
    onNote(`deleting the original ${old.id} first (deleteBeforeReplace)`);
    try {
      await host.delete(old.id, old.urn, old.outputs, old.inputs);
    } catch (error) {
      return { ok: false, error, state: old };
    }
  }
  onNote(deleteBeforeReplace ? "creating the replacement" : `creating the replacement before deleting the original ${old.id}`);
  const created = await create(host, resource, inputs);
  if (deleteBeforeReplace) return created;
  // A replacement that failed outright leaves the original in place; one that exists (even with init errors) replaces it.
  if (!created.ok && !created.state) return { ...created, state: old };
  return { ...created, original: old };
}

/** `pulumi refresh` of one resource: Read with the state's outputs and inputs; `state` undefined when it is gone. */
export async function refresh(
  host: ProviderCalls,
  resource: ResourceState,
): Promise<{ ok: true; state?: ResourceState } | { ok: false; error: unknown }> {
  try {
    const read = await host.read(resource.id, resource.urn, resource.outputs, resource.inputs);
    if (!read.id) return { ok: true };
    // A read that succeeds clears init errors (RefreshStep.Apply in pulumi/pulumi).
    const { initErrors: _cleared, ...kept } = resource;
    return { ok: true, state: { ...kept, id: read.id, outputs: read.properties, inputs: read.inputs ?? resource.inputs } };
  } catch (error) {
    return { ok: false, error };
  }
}

/** A partial failure (the provider's ResourceInitError, sent as ErrorResourceInitFailed): the resource as the engine records it. */
function initFailedState(
  error: unknown,
  resource: NewResource | ResourceState,
  inputs: Record<string, unknown>,
): ResourceState | undefined {
  const initFailed = error instanceof ProviderHostError ? error.initFailed : undefined;
  if (!initFailed) return undefined;
  return { ...resource, id: initFailed.id, inputs, outputs: initFailed.properties, initErrors: initFailed.reasons };
}
