import type { Emulator } from "pulumi-digitalocean-custom-image-emulator";
import type { RequestPhase } from "./request-phases";
import { programInputs, startRig, terraformInputs, TOKEN } from "./rig";
import { TerraformReplay } from "./terraform-replay";
import { toolFigures } from "./tool-figures";

/** Times in simulated seconds. */
export interface MultiRegionToolFigures {
  /** From the first transfer POST to the create returning. */
  transferPhaseSeconds: number;
  /** From the create sent to it returning. */
  createSeconds: number;
  requests: { total: number; write: number; poll: number; read: number };
}

export interface MultiRegionFigures {
  regions: string[];
  importSeconds: number;
  transferSeconds: Record<string, number>;
  slowestTransferSeconds: number;
  ours: MultiRegionToolFigures;
  terraform: MultiRegionToolFigures;
}

/**
 * Scenario 3: one image whose `regions` lists the import region and `transfersMs`' regions:
 * imported, then transferred to each of the others.
 */
export async function multiRegion(scale: number, importMs: number, transfersMs: Record<string, number>): Promise<MultiRegionFigures> {
  const regions = ["nyc3", ...Object.keys(transfersMs)];
  const importDurationMs = () => importMs;
  const transferDurationMs = (region: string) => {
    const duration = transfersMs[region];
    if (duration === undefined) throw new Error(`no transfer duration for ${region}`);
    return duration;
  };
  const rig = await startRig(scale, { importDurationMs, transferDurationMs });
  try {
    const url = "https://images.example.com/bench/multi-region.qcow2.gz";
    const replay = new TerraformReplay(rig.terraform.url, TOKEN, rig.clock);
    const inputs = await programInputs("multi-region", url, regions);
    const [ours, terraform] = await Promise.all([
      rig.create("multi-region", inputs),
      replay.create(terraformInputs("multi-region", url, regions)),
    ]);
    const figures = (
      emulator: Emulator,
      create: { id: number; sentAt: number; returnedAt: number },
      knownPhases?: ReadonlyMap<string, RequestPhase>,
    ): MultiRegionToolFigures => {
      const transfers = emulator.requests.filter(
        (request) => request.method === "POST" && request.path === `/v2/images/${create.id}/actions`,
      );
      return {
        transferPhaseSeconds: (create.returnedAt - Math.min(...transfers.map((request) => request.at))) / 1000,
        createSeconds: (create.returnedAt - create.sentAt) / 1000,
        requests: toolFigures({ emulator, creates: [create], importDurationMs, knownPhases }).requests,
      };
    };
    return {
      regions,
      importSeconds: importMs / 1000,
      transferSeconds: Object.fromEntries(Object.entries(transfersMs).map(([region, ms]) => [region, ms / 1000])),
      slowestTransferSeconds: Math.max(...Object.values(transfersMs)) / 1000,
      ours: figures(rig.ours, ours),
      terraform: figures(rig.terraform, terraform, replay.phases),
    };
  } finally {
    await rig.close();
  }
}
