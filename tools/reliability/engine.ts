import { newScopeNonce } from "../../src/provider/import-marker";
import { customImageUrn, UNKNOWN } from "../provider-host/engine-values";
import { type DiffResult, type ProviderHost, ProviderHostError } from "../provider-host/provider-host";

/**
 * The part of Pulumi's engine these suites need, for CustomImage resources only, with the rules of
 * pulumi/pulumi's step generator (pkg/resource/deploy/step_generator.go): Check with the old
 * inputs, Diff against the old outputs, Update a resource with init errors even without a diff,
 * replace create-before-delete (the replacement checked against no old inputs), record a partial
 * failure (`ErrorResourceInitFailed`) with its id and outputs and clear it on a clean refresh, keep the old state when a step fails
 * plainly, and forget a resource that Read reports gone. tools/runner/ does the same for whole
 * programs; here each resource is driven on its own so that a suite can fault one step.
 */

export interface ResourceState {
  urn: string;
  id: string;
  /** The checked inputs it was last created or updated with. */
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  /** Set when the last create or update was a partial failure: the next `up` updates it whatever the diff. */
  initErrors?: string[];
}

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
    let checked;
    try {
      checked = await host.check(urn, old?.inputs ?? {}, news);
    } catch (error) {
      return failed("check", error);
    }
    if (checked.failures.length > 0) {
      return {
        ok: false,
        action: "check",
        message: checked.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("\n"),
        partial: false,
        error: checked.failures,
      };
    }
    if (!old) return this.create(urn, checked.inputs, "create");

    let diff: DiffResult;
    try {
      diff = await host.diff(old.id, urn, old.outputs, checked.inputs, old.inputs);
    } catch (error) {
      return failed("update", error);
    }
    if (diff.replaces.length > 0) {
      // A replacement is checked as a new resource, created, and only then is the original deleted.
      // Until it is deleted, the original stays in the state beside its replacement.
      const fresh = await host.check(urn, {}, news);
      this.resources.delete(urn);
      this.pendingDeletes.push(old);
      const created = await this.create(urn, fresh.inputs, "replace");
      if (created.ok || this.resources.has(urn))
        this.replacements.push({ original: Number(old.id), replacement: Number(this.resources.get(urn)!.id) });
      if (!created.ok) {
        if (!this.resources.has(urn)) {
          this.pendingDeletes.splice(this.pendingDeletes.indexOf(old), 1);
          this.resources.set(urn, old);
        }
        return created;
      }
      try {
        await host.delete(old.id, urn, old.outputs, old.inputs);
      } catch (error) {
        return failed("replace", error);
      }
      this.pendingDeletes.splice(this.pendingDeletes.indexOf(old), 1);
      return { ...created, diff };
    }
    if (diff.changes === "none" && !old.initErrors) return { ok: true, action: "same", id: old.id, diff };
    try {
      const { properties } = await host.update(old.id, urn, old.outputs, checked.inputs, old.inputs);
      this.resources.set(urn, { urn, id: old.id, inputs: checked.inputs, outputs: properties });
      return { ok: true, action: "update", id: old.id, diff };
    } catch (error) {
      if (error instanceof ProviderHostError && error.initFailed) {
        this.resources.set(urn, {
          urn,
          id: error.initFailed.id,
          inputs: checked.inputs,
          outputs: error.initFailed.properties,
          initErrors: error.initFailed.reasons,
        });
      }
      return failed("update", error);
    }
  }

  /** `pulumi refresh` of one resource: Read with the state's outputs and inputs. */
  async refresh(name: string): Promise<Outcome> {
    const urn = this.urn(name);
    const old = this.resources.get(urn);
    if (!old) return { ok: true, action: "same" };
    try {
      const read = await this.host().read(old.id, urn, old.outputs, old.inputs);
      if (read.id === "") {
        this.resources.delete(urn);
        return { ok: true, action: "gone", id: old.id };
      }
      // A clean read clears a partial failure's init errors, as Pulumi's refresh step does.
      const { initErrors: _cleared, ...kept } = old;
      this.resources.set(urn, { ...kept, id: read.id, outputs: read.properties });
      return { ok: true, action: "refresh", id: read.id };
    } catch (error) {
      return failed("refresh", error);
    }
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

  private async create(urn: string, inputs: Record<string, unknown>, action: "create" | "replace"): Promise<Outcome> {
    try {
      const { id, properties } = await this.host().create(urn, inputs);
      this.resources.set(urn, { urn, id, inputs, outputs: properties });
      return { ok: true, action, id };
    } catch (error) {
      if (error instanceof ProviderHostError && error.initFailed) {
        this.resources.set(urn, {
          urn,
          id: error.initFailed.id,
          inputs,
          outputs: error.initFailed.properties,
          initErrors: error.initFailed.reasons,
        });
      }
      return failed(action, error);
    }
  }
}

function failed(action: Action, error: unknown): Outcome {
  if (error instanceof ProviderHostError)
    return { ok: false, action, message: error.message, partial: Boolean(error.initFailed), code: error.code, error };
  return { ok: false, action, message: error instanceof Error ? error.message : String(error), partial: false, error };
}
