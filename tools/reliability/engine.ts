import { newScopeNonce } from "../../src/provider/import-marker";
import * as steps from "../engine-model/step-generator";
import type { ResourceState, StepResult } from "../engine-model/step-generator";
import { CUSTOM_IMAGE_TYPE, customImageUrn, UNKNOWN } from "../provider-host/engine-values";
import { type DiffResult, type ProviderHost, ProviderHostError } from "../provider-host/provider-host";

/**
 * The part of Pulumi's engine these suites need, for CustomImage resources only: the step
 * generator's model (tools/engine-model/step-generator.ts), which tools/runner/ runs over whole
 * programs, driven here one resource at a time so that a suite can fault one step. An `up` of one
 * resource is a whole program, so the original of a create-before-delete replacement is deleted
 * at the end of that `up`; until then, and after its delete fails, it waits in `pendingDeletes`.
 */

export type { ResourceState };

export type Action = "create" | "update" | "replace" | "same" | "refresh" | "gone" | "delete" | "check";

export type Outcome =
  | { ok: true; action: Action; id?: string; diff?: DiffResult }
  | {
      ok: false;
      action: Action;
      /** The text the engine shows (gRPC status details), or every check failure. */
      message: string;
      /** The provider recorded the resource with init errors. */
      partial: boolean;
      /** gRPC status code; 14 (UNAVAILABLE) when the host is gone. */
      code?: number;
      /** Set when a create or update failed before the resource existed or changed. */
      error: unknown;
    };

/** gRPC UNAVAILABLE: the host process is gone (killed in the middle of a call). */
export const HOST_GONE = 14;

export class Engine {
  /** By URN, what the engine's checkpoint holds. */
  readonly resources = new Map<string, ResourceState>();
  /** Originals of replacements whose delete failed: Pulumi keeps them in the state, pending deletion. */
  readonly pendingDeletes: ResourceState[] = [];

  /**
   * Each resource's CustomImageScope (src/custom-image-scope.ts) as this stack's state keeps it: its
   * nonce, drawn by the `up` that first declares the resource, before the image's create, so that
   * an interrupted create finds it again; removed by `destroy`. Another Engine is another state.
   */
  readonly scopes = new Map<string, string>();

  /** Replacements made, so that the accounting can tell a replacement from a duplicate import. */
  readonly replacements: { original: number; replacement: number }[] = [];
  private readonly urn: (name: string) => string;

  /** `stack`: the stack this engine deploys (URNs name it); default "dev". */
  constructor(
    private readonly host: () => ProviderHost,
    stack = "dev",
  ) {
    this.urn = (name) => customImageUrn(name, { stack });
  }

  state(name: string): ResourceState | undefined {
    return this.resources.get(this.urn(name));
  }

  /** Every image id the state names, pending deletes included; of one resource when `name` is given. */
  ids(name?: string): Set<number> {
    const urn = name === undefined ? undefined : this.urn(name);
    const resources = [...this.resources.values(), ...this.pendingDeletes].filter((resource) => urn === undefined || resource.urn === urn);
    return new Set(resources.map((resource) => Number(resource.id)));
  }

  /**
   * `news` as CustomImage sends them in this stack: `__importScope` (the names programInputs puts
   * there) completed with the scope's nonce from the state. `up` creates the scope first, as the
   * engine does; a preview of a resource without one sends it unknown.
   */
  scoped(name: string, news: Record<string, unknown>, create = true): Record<string, unknown> {
    const names = news["__importScope"];
    if (typeof names !== "string") return news;
    const urn = this.urn(name);
    if (!this.scopes.has(urn) && create) this.scopes.set(urn, newScopeNonce());
    const nonce = this.scopes.get(urn);
    if (nonce === undefined) return { ...news, __importScope: UNKNOWN };
    return names.endsWith(`/${nonce}`) ? news : { ...news, __importScope: `${names}/${nonce}` };
  }

  /** `pulumi preview` of one resource: Check, then Diff when it exists. */
  async preview(
    name: string,
    program: Record<string, unknown>,
  ): Promise<{ failures: { property: string; reason: string }[]; inputs: Record<string, unknown>; diff?: DiffResult }> {
    const news = this.scoped(name, program, false);
    const urn = this.urn(name);
    const old = this.resources.get(urn);
    const checked = await this.host().check(urn, old?.inputs ?? {}, news);
    if (checked.failures.length > 0 || !old) return { failures: checked.failures, inputs: checked.inputs };
    const diff = await this.host().diff(old.id, urn, old.outputs, checked.inputs, old.inputs);
    return { failures: [], inputs: checked.inputs, diff };
  }

  /** `pulumi up` of one resource declared with `news`. */
  async up(name: string, program: Record<string, unknown>): Promise<Outcome> {
    const news = this.scoped(name, program);
    const urn = this.urn(name);
    const old = this.resources.get(urn);
    const host = this.host();
    const checked = await check(host, urn, old?.inputs ?? {}, news);
    if (!checked.ok) return checked.outcome;
    const resource = { urn, type: CUSTOM_IMAGE_TYPE, custom: true };
    if (!old) return this.apply(urn, "create", await steps.create(host, resource, checked.inputs));

    let diff: DiffResult;
    try {
      diff = await host.diff(old.id, urn, old.outputs, checked.inputs, old.inputs);
    } catch (error) {
      return failed("update", error);
    }
    const planned = steps.plan(old, checked.inputs, diff);
    if (planned.kind === "same") return { ok: true, action: "same", id: old.id, diff };
    if (planned.kind === "update") {
      const updated = this.apply(urn, "update", await steps.update(host, old, checked.inputs));
      return updated.ok ? { ...updated, diff } : updated;
    }

    // A replacement is checked again as a new resource.
    const fresh = await check(host, urn, {}, news);
    if (!fresh.ok) return fresh.outcome;
    const replaced = this.apply(urn, "replace", await steps.replace(host, old, resource, fresh.inputs, planned.deleteBeforeReplace));
    if (replaced.ok || this.resources.get(urn) !== old) {
      const replacement = this.resources.get(urn);
      if (replacement) this.replacements.push({ original: Number(old.id), replacement: Number(replacement.id) });
    }
    if (!replaced.ok) return replaced;
    // The program is this one resource, so it has finished: the original's delete is due.
    const original = this.pendingDeletes.find((pending) => pending === old);
    if (original) {
      try {
        await host.delete(original.id, urn, original.outputs, original.inputs);
      } catch (error) {
        return failed("replace", error);
      }
      this.pendingDeletes.splice(this.pendingDeletes.indexOf(original), 1);
    }
    return { ...replaced, diff };
  }

  /** `pulumi refresh` of one resource: Read with the state's outputs and inputs. */
  async refresh(name: string): Promise<Outcome> {
    const urn = this.urn(name);
    const old = this.resources.get(urn);
    if (!old) return { ok: true, action: "same" };
    const refreshed = await steps.refresh(this.host(), old);
    if (!refreshed.ok) return failed("refresh", refreshed.error);
    if (!refreshed.state) {
      this.resources.delete(urn);
      return { ok: true, action: "gone", id: old.id };
    }
    this.resources.set(urn, refreshed.state);
    return { ok: true, action: "refresh", id: refreshed.state.id };
  }

  /** `pulumi destroy` of one resource (and of any pending delete it left). */
  async destroy(name: string): Promise<Outcome> {
    const urn = this.urn(name);
    for (const pending of this.pendingDeletes.filter((resource) => resource.urn === urn)) {
      try {
        await this.host().delete(pending.id, urn, pending.outputs, pending.inputs);
        this.pendingDeletes.splice(this.pendingDeletes.indexOf(pending), 1);
      } catch (error) {
        return failed("delete", error);
      }
    }
    const old = this.resources.get(urn);
    // The scope makes no request: it goes with the resource, or without one (an interrupted create).
    if (!old) {
      this.scopes.delete(urn);
      return { ok: true, action: "same" };
    }
    try {
      await this.host().delete(old.id, urn, old.outputs, old.inputs);
      this.resources.delete(urn);
      this.scopes.delete(urn);
      return { ok: true, action: "delete", id: old.id };
    } catch (error) {
      return failed("delete", error);
    }
  }

  /** Records what a step of the model left: the resource's state, and a replaced original pending deletion. */
  private apply(urn: string, action: Action, result: StepResult): Outcome {
    if (result.state) this.resources.set(urn, result.state);
    else this.resources.delete(urn);
    if (result.original) this.pendingDeletes.push(result.original);
    return result.ok ? { ok: true, action, id: result.state.id } : failed(action, result.error);
  }
}

/** Check, with every failure in one message (`property: reason` a line). */
async function check(
  host: ProviderHost,
  urn: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<{ ok: true; inputs: Record<string, unknown> } | { ok: false; outcome: Outcome }> {
  let checked;
  try {
    checked = await host.check(urn, olds, news);
  } catch (error) {
    return { ok: false, outcome: failed("check", error) };
  }
  if (checked.failures.length === 0) return { ok: true, inputs: checked.inputs };
  const message = checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("\n");
  return { ok: false, outcome: { ok: false, action: "check", message, partial: false, error: checked.failures } };
}

function failed(action: Action, error: unknown): Outcome {
  if (error instanceof ProviderHostError)
    return { ok: false, action, message: error.message, partial: Boolean(error.initFailed), code: error.code, error };
  return { ok: false, action, message: error instanceof Error ? error.message : String(error), partial: false, error };
}
