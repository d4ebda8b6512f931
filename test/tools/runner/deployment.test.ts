import { isDeepStrictEqual } from "node:util";
import { customImageUrn } from "../../../tools/provider-host/engine-values";
import { ProviderHostError } from "../../../tools/provider-host/provider-host";
import type { RegisterMessage } from "../../../tools/runner/child-protocol";
import { Deployment, type ProviderCalls } from "../../../tools/runner/deployment";
import { emptyState, type ResourceState, type StackState } from "../../../tools/runner/state-file";

/**
 * The engine's rules, against a fake provider that records its calls: no processes, no emulator.
 * program-runner.test.ts checks the same machinery end to end with the real host.
 */

const TYPE = "pulumi-nodejs:dynamic/digitalocean:CustomImage";

/** A provider whose diff replaces on `url` and updates on anything else; new ids count up from 100. */
function fakeProvider(overrides: Partial<ProviderCalls> = {}) {
  const calls: string[] = [];
  let nextId = 100;
  const provider: ProviderCalls = {
    check: async (urn, _olds, news) => {
      calls.push(`check ${nameOf(urn)}`);
      return { inputs: news, failures: [] };
    },
    diff: async (id, _urn, olds, news) => {
      calls.push(`diff ${id}`);
      const changed = Object.keys(news).filter((key) => !isDeepStrictEqual(olds[key], news[key]));
      return {
        changes: changed.length > 0 ? "some" : "none",
        replaces: changed.filter((key) => key === "url"),
        deleteBeforeReplace: false,
      };
    },
    create: async (urn, properties) => {
      const id = String(nextId++);
      calls.push(`create ${nameOf(urn)} → ${id}`);
      return { id, properties: { ...properties, status: "available" } };
    },
    read: async (id, _urn, properties) => {
      calls.push(`read ${id}`);
      return { id, properties };
    },
    update: async (id, _urn, _olds, news) => {
      calls.push(`update ${id}`);
      return { properties: { ...news, status: "available" } };
    },
    delete: async (id) => {
      calls.push(`delete ${id}`);
    },
    ...overrides,
  };
  return { provider, calls };
}

function nameOf(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

let seq = 0;
function registration(name: string, inputs: Record<string, unknown>, options: Partial<RegisterMessage["options"]> = {}): RegisterMessage {
  seq += 1;
  return {
    kind: "register",
    seq,
    urn: customImageUrn(name),
    type: TYPE,
    name,
    custom: true,
    inputs,
    secretInputs: [],
    options: { deleteBeforeReplace: false, unsupported: [], ...options },
  };
}

function resource(name: string, id: string, inputs: Record<string, unknown>, extra: Partial<ResourceState> = {}): ResourceState {
  return { urn: customImageUrn(name), type: TYPE, custom: true, id, inputs, outputs: { ...inputs, status: "available" }, ...extra };
}

function stackOf(...resources: ResourceState[]): StackState {
  return { ...emptyState("custom-image-basic", "dev"), resources };
}

function deployment(provider: ProviderCalls, old: StackState, preview = false): Deployment {
  return new Deployment({ host: provider, old, preview, onStep: () => undefined, onNote: () => undefined });
}

describe("a deployment", () => {
  test("a preview calls check and diff only, and plans the same steps an up would take", async () => {
    const { provider, calls } = fakeProvider();
    const preview = deployment(
      provider,
      stackOf(resource("kept", "1", { url: "a" }), resource("changed", "2", { url: "b" }), resource("removed", "3", { url: "c" })),
      true,
    );

    await preview.register(registration("kept", { url: "a" }));
    await preview.register(registration("changed", { url: "b2" }));
    await preview.register(registration("added", { url: "d" }));
    await preview.finish(true, {});

    expect(calls).toEqual(["check kept", "diff 1", "check changed", "diff 2", "check changed", "check added"]);
    expect(preview.steps.map((step) => `${step.kind} ${step.name} ${step.diffs.join()}`.trim())).toEqual([
      "same kept",
      "replace changed ~url",
      "create added",
      "delete removed",
    ]);
  });

  test("a resource with init errors is updated even when diff reports no change, and the errors are cleared", async () => {
    const { provider, calls } = fakeProvider();
    const up = deployment(provider, stackOf(resource("image", "7", { url: "a" }, { initErrors: ["timed out"] })));

    await up.register(registration("image", { url: "a" }));
    const state = await up.finish(true, {});

    expect(calls).toEqual(["check image", "diff 7", "update 7"]);
    expect(up.steps).toEqual([expect.objectContaining({ kind: "update", resumes: true, diffs: [] })]);
    expect(state.resources[0]).not.toHaveProperty("initErrors");
  });

  test("a diff the provider cannot decide (DIFF_UNKNOWN) falls back to comparing old and new inputs", async () => {
    const { provider, calls } = fakeProvider({ diff: async () => ({ changes: "unknown", replaces: [], deleteBeforeReplace: false }) });
    const up = deployment(provider, stackOf(resource("same", "1", { url: "a" }), resource("changed", "2", { url: "b", name: "x" })));

    await up.register(registration("same", { url: "a" }));
    await up.register(registration("changed", { url: "b", name: "y" }));

    expect(calls).toEqual(["check same", "check changed", "update 2"]);
    expect(up.steps.map((step) => `${step.kind} ${step.diffs.join()}`)).toEqual(["same ", "update ~name"]);
  });

  test("a replacement is re-checked without the old inputs and created before the original is deleted, after the program", async () => {
    const checks: Record<string, unknown>[] = [];
    const { provider, calls } = fakeProvider({
      check: async (_urn, olds, news) => {
        checks.push(olds);
        return { inputs: news, failures: [] };
      },
    });
    const up = deployment(provider, stackOf(resource("image", "1", { url: "a" })));

    await up.register(registration("image", { url: "b" }));
    expect(calls).toEqual(["diff 1", "create image → 100"]);
    const state = await up.finish(true, {});

    expect(checks).toEqual([{ url: "a" }, {}]);
    expect(calls).toEqual(["diff 1", "create image → 100", "delete 1"]);
    expect(state.resources.map((entry) => entry.inputs)).toEqual([{ url: "b" }]);
  });

  test.each([
    ["the provider's diff", { provider: true, option: false }],
    ["the deleteBeforeReplace resource option", { provider: false, option: true }],
  ])("%s deletes the original before creating its replacement", async (_, { provider: fromProvider, option }) => {
    const base = fakeProvider();
    const { provider, calls } = fakeProvider({
      diff: async (...args) => ({ ...(await base.provider.diff(...args)), deleteBeforeReplace: fromProvider }),
      create: async (urn, properties) => {
        calls.push("create");
        return { id: "2", properties: { ...properties, urn } };
      },
    });
    const up = deployment(provider, stackOf(resource("image", "1", { url: "a" })));

    await up.register(registration("image", { url: "b" }, { deleteBeforeReplace: option }));
    await up.finish(true, {});

    expect(calls).toEqual(["check image", "check image", "delete 1", "create"]);
  });

  test("after a failed program nothing is deleted, a replaced original is kept for the next up, and that up deletes it", async () => {
    const { provider, calls } = fakeProvider();
    const first = deployment(provider, stackOf(resource("image", "1", { url: "a" }), resource("unreached", "9", { url: "z" })));
    await first.register(registration("image", { url: "b" }));

    const failed = await first.finish(false, {});

    expect(calls).not.toContainEqual(expect.stringMatching(/^delete/));
    expect(failed.resources.map((entry) => `${nameOf(entry.urn)} ${entry.id}${entry.pendingDelete ? " pendingDelete" : ""}`)).toEqual([
      "image 100",
      "image 1 pendingDelete",
      "unreached 9",
    ]);

    const second = deployment(provider, failed);
    await second.register(registration("image", { url: "b" }));
    await second.register(registration("unreached", { url: "z" }));
    const repaired = await second.finish(true, {});

    expect(calls.filter((call) => call.startsWith("delete"))).toEqual(["delete 1"]);
    expect(repaired.resources.map((entry) => `${nameOf(entry.urn)} ${entry.id}`)).toEqual(["image 100", "unreached 9"]);
  });

  test("a replaced original whose delete fails stays in the state, marked pendingDelete, and the run reports it", async () => {
    const { provider } = fakeProvider({
      delete: async () => {
        throw new Error("DigitalOcean is down");
      },
    });
    const up = deployment(provider, stackOf(resource("image", "1", { url: "a" })));

    await up.register(registration("image", { url: "b" }));
    const state = await up.finish(true, {});

    expect(state.resources.map((entry) => [entry.id, entry.pendingDelete])).toEqual([
      ["100", undefined],
      ["1", true],
    ]);
    expect(up.errors).toEqual([
      expect.stringMatching(/deleting the replaced original 1 .*DigitalOcean is down \(the next up deletes it\)/),
    ]);
  });

  test("a create that fails outright records nothing; a partial failure records the resource with its init errors", async () => {
    const { provider } = fakeProvider({
      create: async (urn) => {
        if (urn.endsWith("::broken")) throw new ProviderHostError("create", 2, "DigitalOcean rejected the url");
        throw new ProviderHostError("create", 2, "timed out", {
          id: "5",
          properties: { url: "b", status: "pending" },
          reasons: ["timed out"],
        });
      },
    });
    const up = deployment(provider, stackOf());

    await expect(up.register(registration("broken", { url: "a" }))).rejects.toThrow("DigitalOcean rejected the url");
    await expect(up.register(registration("partial", { url: "b" }))).rejects.toThrow(/timed out \(the resource exists as 5/);
    const state = await up.finish(false, {});

    expect(state.resources).toEqual([
      expect.objectContaining({ urn: customImageUrn("partial"), id: "5", inputs: { url: "b" }, initErrors: ["timed out"] }),
    ]);
    expect(up.errors).toHaveLength(2);
  });

  test("a check failure fails the registration and keeps the old state of the resource", async () => {
    const { provider, calls } = fakeProvider({
      check: async () => ({ inputs: {}, failures: [{ property: "url", reason: 'url "ftp://x" is not an http or https URL' }] }),
    });
    const old = resource("image", "1", { url: "a" });
    const up = deployment(provider, stackOf(old));

    await expect(up.register(registration("image", { url: "ftp://x" }))).rejects.toThrow(/property url has a problem: url "ftp:\/\/x"/);
    const state = await up.finish(false, {});

    expect(calls).toEqual([]);
    expect(state.resources).toEqual([old]);
  });

  test("a second registration of the same URN fails, as the engine rejects duplicate URNs", async () => {
    const { provider } = fakeProvider();
    const up = deployment(provider, stackOf());

    await up.register(registration("image", { url: "a" }));

    await expect(up.register(registration("image", { url: "b" }))).rejects.toThrow(/Duplicate resource URN/);
  });

  test("refresh clears init errors when the read succeeds, as the engine's refresh step does", async () => {
    const { provider } = fakeProvider();
    const refresh = deployment(provider, stackOf(resource("image", "1", { url: "a" }, { initErrors: ["timed out"] })));

    const state = await refresh.refresh();

    expect(state.resources[0]).not.toHaveProperty("initErrors");
  });
});
