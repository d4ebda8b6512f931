import type { ImagePatch } from "pulumi-digitalocean-custom-image-emulator";
import type { Expectations } from "./expectations";
import { accounting, accountingProblems, stateDisagreements } from "./invariants";
import { programInputs, type Stack, withStack } from "./stack";

/**
 * Suite 6: changes made outside Pulumi. Each is shown by `pulumi refresh` (Read), proposed by the
 * next preview, and repaired by the next `up`; an image deleted outside Pulumi is dropped from the
 * state by refresh and imported again by the next `up`, and a destroy of one deleted without a
 * refresh succeeds.
 */

export interface DriftRow {
  drift: string;
  /** What refresh showed. */
  refresh: string;
  /** What the next preview proposed. */
  preview: string;
  /** What the next up did, and whether the image matches the program after it. */
  up: string;
  ok: boolean;
}

export interface DriftResults {
  rows: DriftRow[];
  realSeconds: number;
}

interface DriftCase {
  drift: string;
  patch?: Partial<ImagePatch>;
  deleted?: boolean;
  /** Skip the refresh: destroy straight away. */
  destroyWithoutRefresh?: boolean;
}

const CASES: DriftCase[] = [
  { drift: "renamed", patch: { name: "renamed-outside" } },
  { drift: "retagged (a tag removed, another added)", patch: { tags: ["added-outside"] } },
  { drift: "description and distribution changed", patch: { description: "edited in the control panel", distribution: "Debian" } },
  { drift: "removed from a region", patch: { regions: ["nyc3"] } },
  { drift: "deleted", deleted: true },
  { drift: "deleted, then destroyed without a refresh", deleted: true, destroyWithoutRefresh: true },
];

export async function drift(checks: Expectations): Promise<DriftResults> {
  const started = performance.now();
  return withStack({ scale: 0.001 }, async (stack) => {
    const rows = await Promise.all(CASES.map((driftCase, index) => runCase(stack, `drift-${index}`, driftCase, checks)));
    checks.none(
      "drift: every request was one DigitalOcean accepts (spec violations)",
      stack.emulator.violations.map((violation) => `${violation.method} ${violation.path}: ${violation.errors.join(", ")}`),
    );
    return { rows, realSeconds: (performance.now() - started) / 1000 };
  });
}

async function runCase(stack: Stack, name: string, driftCase: DriftCase, checks: Expectations): Promise<DriftRow> {
  const { engine, emulator } = stack;
  let ok = true;
  const expect = (what: string, passed: boolean, detail?: string) => {
    if (!checks.expect(`drift, ${driftCase.drift}: ${what}`, passed, detail)) ok = false;
    return passed;
  };
  // The audit names an image by its current name: a renamed one by the name given outside Pulumi.
  const scope = (imageName: string) => imageName === name || imageName === driftCase.patch?.name;
  const program = await programInputs(name, {
    url: `https://images.example.com/drift/${name}.qcow2.gz`,
    regions: ["nyc3", "ams3"],
    description: "as programmed",
    tags: ["drift", "pulumi"],
  });
  const created = await engine.up(name, program);
  expect("the first up succeeds", created.ok);
  const id = Number(engine.state(name)?.id);
  const before = structuredClone(engine.state(name)!.outputs);

  if (driftCase.patch) emulator.mutateImage(id, driftCase.patch);
  if (driftCase.deleted) emulator.deleteImageOutOfBand(id);

  if (driftCase.destroyWithoutRefresh) {
    const destroyed = await engine.destroy(name);
    expect("destroy of an image deleted outside Pulumi succeeds", destroyed.ok, destroyed.ok ? undefined : destroyed.message);
    expect(
      "nothing is left",
      accountingProblems(accounting(emulator, engine.ids(name), scope)).length === 0,
      accountingProblems(accounting(emulator, engine.ids(name), scope)).join("; "),
    );
    return {
      drift: driftCase.drift,
      refresh: "—",
      preview: "—",
      up: destroyed.ok ? "destroy succeeded (the 404/already-deleted answer is success)" : `destroy failed: ${destroyed.message}`,
      ok,
    };
  }

  const refreshed = await engine.refresh(name);
  let shown: string;
  if (driftCase.deleted) {
    expect("refresh reports the image gone", refreshed.ok && refreshed.action === "gone");
    shown = refreshed.ok && refreshed.action === "gone" ? "gone: dropped from the state" : JSON.stringify(refreshed);
  } else {
    const after = engine.state(name)?.outputs ?? {};
    const changed = Object.keys(driftCase.patch ?? {}).map(
      (field) => `${field} ${JSON.stringify(before[field])} → ${JSON.stringify(after[field])}`,
    );
    const showsDrift = Object.entries(driftCase.patch ?? {}).every(
      ([field, value]) =>
        JSON.stringify(Array.isArray(value) ? [...value].sort() : value) ===
        JSON.stringify(Array.isArray(after[field]) ? [...(after[field] as string[])].sort() : after[field]),
    );
    expect("refresh shows the change", refreshed.ok && showsDrift, changed.join(", "));
    shown = changed.join(", ");
  }

  const previewed = await engine.preview(name, program);
  const proposed = !previewed.diff
    ? "create (not in the state)"
    : previewed.diff.changes === "none"
      ? "no change"
      : previewed.diff.replaces.length > 0
        ? `replace (${previewed.diff.replaces.join(", ")})`
        : "update in place";
  expect("the next preview proposes a change", proposed !== "no change", proposed);

  const repaired = await engine.up(name, program);
  const state = engine.state(name);
  const disagreements = state ? stateDisagreements(emulator, state) : ["not in the state"];
  const image = state ? emulator.getImage(Number(state.id)) : undefined;
  const matchesProgram =
    image !== undefined &&
    image.name === name &&
    image.description === "as programmed" &&
    image.distribution === "Unknown" &&
    JSON.stringify([...image.tags].sort()) === JSON.stringify(["drift", "pulumi"]) &&
    JSON.stringify([...image.regions].sort()) === JSON.stringify(["ams3", "nyc3"]);
  expect("the next up succeeds", repaired.ok, repaired.ok ? undefined : repaired.message);
  expect("after it the image matches the program", matchesProgram, JSON.stringify(image));
  expect("after it the state equals the image", disagreements.length === 0, disagreements.join("; "));
  const again = await engine.preview(name, program);
  expect("the preview after it proposes nothing", again.diff?.changes === "none", JSON.stringify(again.diff));
  expect(
    "no image orphaned or imported twice",
    accountingProblems(accounting(emulator, engine.ids(name), scope)).length === 0,
    accountingProblems(accounting(emulator, engine.ids(name), scope)).join("; "),
  );
  const up = repaired.ok
    ? `${repaired.action === "create" ? `imported again as image ${state?.id}` : `${repaired.action} of image ${state?.id}`}; ${matchesProgram ? "matches the program" : "does NOT match the program"}`
    : `failed: ${repaired.message}`;
  const destroyed = await engine.destroy(name);
  expect("destroy succeeds", destroyed.ok);
  return { drift: driftCase.drift, refresh: shown, preview: proposed, up, ok };
}
