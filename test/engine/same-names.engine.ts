import { cpSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { startEmulatorStack } from "../../tools/runner/emulator-stack";
import { customImages, describeEngine, engineSetup } from "../../tools/engine/engine-suite";
import { EngineStack } from "../../tools/engine/engine-stack";
import { exampleConfig } from "../../tools/shared/example-package";

/** 600 simulated seconds at 0.01: each import takes 6 s of real time, so the two overlap. */
const SCALE = 0.01;
const IMPORT_MS = 600_000;

/**
 * Issue #21, defect 2, with the real CLI: `examples/basic` as stack `dev` in two file backends (two
 * copies of the installed program, so each has its own Pulumi.dev.yaml), on one emulator and token.
 */
describeEngine("two stacks with the same project, stack and resource names in two backends, on one token", () => {
  it("importing at once, each ends with an image of its own; destroying one leaves the other's", async () => {
    const { cli, programs } = engineSetup();
    const { emulator, config, secretKeys } = await startEmulatorStack(SCALE, { importDurationMs: IMPORT_MS });
    const twin = join(dirname(programs.dirs["basic"]!), `basic-twin-${process.pid}`);
    cpSync(programs.dirs["basic"]!, twin, { recursive: true });
    const stacks = [new EngineStack({ cli, programDir: programs.dirs["basic"]! }), new EngineStack({ cli, programDir: twin })];
    try {
      const example = exampleConfig("basic");
      for (const stack of stacks) await stack.init({ ...config, ...example.config }, [...secretKeys, ...example.secretKeys]);
      await Promise.all(stacks.map((stack) => stack.up()));
      const ids = await Promise.all(stacks.map(async (stack) => customImages(await stack.exportState()).map((image) => Number(image.id))));
      expect(ids.map((each) => each.length)).toEqual([1, 1]);
      expect(ids[0]![0]).not.toBe(ids[1]![0]);
      expect(
        emulator
          .audit()
          .map((entry) => [entry.id, entry.fate])
          .sort(),
      ).toEqual(
        [
          [ids[0]![0], "available"],
          [ids[1]![0], "available"],
        ].sort(),
      );
      expect(emulator.requests.filter((request) => request.method === "DELETE" && request.path.startsWith("/v2/images/"))).toEqual([]);

      await stacks[1]!.destroy();
      expect(emulator.getImage(ids[0]![0]!)).toMatchObject({ status: "available" });
    } finally {
      await emulator.close();
      for (const stack of stacks) stack.dispose();
      rmSync(twin, { recursive: true, force: true });
    }
  });
});
