import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { customImages } from "../../tools/engine/engine-stack";
import { listStateFixtures, type StateFixture, upgradePlan } from "../../tools/engine/state-fixtures";
import { exampleConfig, exampleDir } from "../../tools/shared/example-package";
import { startEmulatorStack } from "../../tools/runner/emulator-stack";
import { runProgram, type RunResult } from "../../tools/runner/program-runner";
import { saveState, type StackState } from "../../tools/runner/state-file";

/**
 * The check of test/engine/state-fixtures.engine.ts without the Pulumi CLI, for `npm test` and
 * machines that have none: each committed state becomes a runner state (without the default
 * provider, which the runner does not have), and the
 * example program, as it is now, runs preview, refresh and preview again (planning what its version
 * planned, plus a CustomImageScope for each image: `upgradePlan`) through the
 * dynamic-provider host against an emulator restored with the fixture's images. The engine suite
 * is the judge (the real engine plans, imports the state and decrypts its secrets); this one
 * catches a disturbing diff or a failing read on every `npm test`.
 */

/** An exported state as the runner keeps it: without providers (it has none) and without encrypted values (it cannot decrypt them). */
function runnerState(fixture: StateFixture, project: string): StackState {
  const resources = (fixture.state.deployment.resources ?? [])
    .filter((resource) => !resource.type.startsWith("pulumi:providers:"))
    .map(({ urn, type, custom = false, id = "", parent, inputs = {}, outputs = {}, initErrors }) => {
      if (JSON.stringify([inputs, outputs]).includes('"ciphertext"'))
        throw new Error(`${fixture.id}: ${urn} holds encrypted values; only the engine suite can decrypt them`);
      return { urn, type, custom, id, ...(parent ? { parent } : {}), inputs, outputs, ...(initErrors ? { initErrors } : {}) };
    });
  return { version: 1, project, stack: fixture.stack, resources, outputs: {} };
}

/** `<kind> <name>` of every step but `same`, as the engine suite's `plannedChanges` writes them. */
function plannedSteps(result: RunResult): string[] {
  return result.steps.filter((step) => step.kind !== "same").map((step) => `${step.kind} ${step.urn.split("::").at(-1)}`);
}

describe("state written by every released version, through the program runner", () => {
  test.each(listStateFixtures().map((fixture) => [fixture.id, fixture] as const))(
    "%s: preview, refresh and preview plan what its version planned, without a write",
    async (_id, fixture) => {
      const { emulator, config, secretKeys } = await startEmulatorStack(0.001);
      const dir = mkdtempSync(join(tmpdir(), "custom-image-state-fixture-"));
      try {
        emulator.restoreImages(fixture.images);
        const programDir = exampleDir(fixture.program);
        const stateFile = join(dir, "state.json");
        const project = fixture.state.deployment.resources![0]!.urn.split("::")[1]!;
        saveState(stateFile, runnerState(fixture, project));
        const example = exampleConfig(fixture.program);
        const run = (operation: "preview" | "refresh") =>
          runProgram({
            programDir,
            operation,
            stack: fixture.stack,
            config: { ...config, ...example.config, ...fixture.config },
            secretKeys: [...secretKeys, ...example.secretKeys],
            stateFile,
          });

        const before = await run("preview");
        expect({ errors: before.errors, plan: plannedSteps(before) }).toEqual({
          errors: [],
          plan: upgradePlan(fixture.state, fixture.plan),
        });
        const refreshed = await run("refresh");
        expect(refreshed.errors).toEqual([]);
        expect(customImages({ version: 3, deployment: refreshed.state }).map((resource) => resource.id)).toEqual(
          customImages(fixture.state).map((resource) => resource.id),
        );
        const after = await run("preview");
        expect({ errors: after.errors, plan: plannedSteps(after) }).toEqual({
          errors: [],
          plan: upgradePlan(fixture.state, fixture.planAfterRefresh),
        });
        expect(emulator.requests.filter((request) => request.method !== "GET")).toEqual([]);
        expect(emulator.violations).toEqual([]);
      } finally {
        await emulator.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
