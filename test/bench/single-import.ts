import { programInputs, startRig, terraformInputs, TOKEN } from "./rig";
import { TerraformReplay } from "./terraform-replay";
import { type ToolFigures, toolFigures } from "./tool-figures";

export interface SingleImportFigures {
  importSeconds: number;
  ours: ToolFigures;
  terraform: ToolFigures;
}

/**
 * Scenario 1: one image imported on its own, for each duration, each in its own rig (run side
 * by side: a lone image's cost does not depend on the others, and they share nothing).
 */
export function singleImports(scale: number, durationsMs: readonly number[]): Promise<SingleImportFigures[]> {
  return Promise.all(durationsMs.map((durationMs) => singleImport(scale, durationMs)));
}

async function singleImport(scale: number, durationMs: number): Promise<SingleImportFigures> {
  const importDurationMs = () => durationMs;
  const rig = await startRig(scale, { importDurationMs });
  try {
    const url = `https://images.example.com/bench/single-${durationMs / 1000}s.qcow2.gz`;
    const replay = new TerraformReplay(rig.terraform.url, TOKEN, rig.clock);
    const inputs = await programInputs("single", url, ["nyc3"]);
    const [ours, terraform] = await Promise.all([rig.create("single", inputs), replay.create(terraformInputs("single", url, ["nyc3"]))]);
    return {
      importSeconds: durationMs / 1000,
      ours: toolFigures({ emulator: rig.ours, creates: [ours], importDurationMs }),
      terraform: toolFigures({ emulator: rig.terraform, creates: [terraform], importDurationMs, knownPhases: replay.phases }),
    };
  } finally {
    await rig.close();
  }
}
