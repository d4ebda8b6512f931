import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAST } from "../helpers/emulator-fixture";
import { ADOPTED_OUTPUT_TYPES, CREATED_OUTPUT_TYPES } from "../helpers/output-types";
import { startEmulatorStack } from "../../tools/runner/emulator-stack";
import { type Operation, runProgram } from "../../tools/runner/program-runner";

/**
 * test/engine/programs/outputs (outputs.engine.ts runs it through the real CLI) under the runner,
 * so that `npm test` covers what the program sees: every declared output's type, and `imageId`
 * known in the preview of an in-place update.
 */

const PROGRAM = join(__dirname, "..", "engine", "programs", "outputs");
const PROJECT = "custom-image-outputs";
const IMAGE = "pulumi-nodejs:dynamic/digitalocean:CustomImage";

describe("outputs in the program (runner)", () => {
  jest.setTimeout(60_000);

  test("every output of a created image and of CustomImage.get resolves to its declared type, and imageId stays known in the preview of an in-place update", async () => {
    const { emulator, config, secretKeys } = await startEmulatorStack(FAST);
    const dir = mkdtempSync(join(tmpdir(), "runner-outputs-"));
    const run = (operation: Operation, programConfig: Record<string, string> = {}) =>
      runProgram({
        programDir: PROGRAM,
        operation,
        config: { ...config, ...Object.fromEntries(Object.entries(programConfig).map(([key, value]) => [`${PROJECT}:${key}`, value])) },
        secretKeys,
        stateFile: join(dir, "state.json"),
        print: () => undefined,
      });
    try {
      const up = await run("up");
      expect(up.errors).toEqual([]);
      expect(up.outputs).toMatchObject({
        imageTypes: CREATED_OUTPUT_TYPES,
        adoptedTypes: ADOPTED_OUTPUT_TYPES,
        tagCount: 0,
      });

      const preview = await run("preview", { description: "changed in place" });
      expect(
        preview.steps.filter((step) => step.type === IMAGE && step.name !== "adopted").map((step) => `${step.kind} ${step.name}`),
      ).toEqual(["update image", "same dependent"]);
      expect(preview.outputs.imageId).toBe(up.outputs.imageId);
    } finally {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
