import { percentile } from "./request-phases";
import { programInputs, type Rig, startRig, terraformInputs, TOKEN } from "./rig";
import { TerraformReplay } from "./terraform-replay";
import { toolFigures } from "./tool-figures";

/** One tool's lone import: requests sent and detection latency (simulated seconds). */
export interface LoneImport {
  requests: number;
  polls: number;
  detectionSeconds: number;
  /** Of which: from available to the poll that saw it (the rest is delivery, stretched real time). */
  scheduleSeconds: number;
}

export interface SingleImportSample {
  /** The import's duration: the nominal one plus the sample's offset. */
  importSeconds: number;
  ours: LoneImport;
  terraform: LoneImport;
}

/** Per tool, over the samples: mean requests per import and the p95 (nearest rank) of detection. */
export interface LoneSummary {
  requests: number;
  detectionP95: number;
  scheduleP95: number;
}

export interface SingleImportFigures {
  /** The nominal duration. */
  importSeconds: number;
  samples: SingleImportSample[];
  ours: LoneSummary;
  terraform: LoneSummary;
}

/**
 * Scenario 1: one image imported on its own, for each duration, sampled with its end at each
 * offset after the duration; each sample in its own rig (run side by side: a lone image's cost does
 * not depend on the others, and they share nothing). One sample would say only where one end fell
 * between two polls; the offsets spread the ends across Terraform's 70 s cycle. Every rig is
 * started first, one after another, and only then do the imports start, together: a host starting
 * up takes real CPU time that the time factor would turn into seconds of another sample's latency.
 */
export async function singleImports(
  scale: number,
  durationsMs: readonly number[],
  offsetsMs: readonly number[],
): Promise<SingleImportFigures[]> {
  const rigs: Rig[] = [];
  try {
    for (const durationMs of durationsMs)
      for (const offsetMs of offsetsMs) rigs.push(await startRig(scale, { importDurationMs: () => durationMs + offsetMs }));
    const samples = await Promise.all(
      durationsMs.flatMap((durationMs, index) =>
        offsetsMs.map((offsetMs, offset) => singleImport(rigs[index * offsetsMs.length + offset]!, durationMs + offsetMs)),
      ),
    );
    return durationsMs.map((durationMs, index) => {
      const own = samples.slice(index * offsetsMs.length, (index + 1) * offsetsMs.length);
      return {
        importSeconds: durationMs / 1000,
        samples: own,
        ours: summary(own.map((sample) => sample.ours)),
        terraform: summary(own.map((sample) => sample.terraform)),
      };
    });
  } finally {
    await Promise.all(rigs.map((rig) => rig.close()));
  }
}

export function summary(imports: readonly LoneImport[]): LoneSummary {
  return {
    requests: imports.reduce((sum, lone) => sum + lone.requests, 0) / imports.length,
    detectionP95: percentile(
      imports.map((lone) => lone.detectionSeconds),
      95,
    ),
    scheduleP95: percentile(
      imports.map((lone) => lone.scheduleSeconds),
      95,
    ),
  };
}

const LONG_TIMEOUT_MINUTES = 120;

async function singleImport(rig: Rig, durationMs: number): Promise<SingleImportSample> {
  const importDurationMs = () => durationMs;
  const url = `https://images.example.com/bench/single-${durationMs / 1000}s.qcow2.gz`;
  const replay = new TerraformReplay(rig.terraform.url, TOKEN, rig.clock);
  // Both tools' create timeouts default to 60 min, shorter than the longest samples: set, as a user
  // importing hour-long images would set them, to two hours.
  const inputs = { ...(await programInputs("single", url, ["nyc3"])), createTimeoutMinutes: LONG_TIMEOUT_MINUTES };
  const [ours, terraform] = await Promise.all([
    rig.create("single", inputs),
    replay.create({ ...terraformInputs("single", url, ["nyc3"]), createTimeoutMs: LONG_TIMEOUT_MINUTES * 60_000 }),
  ]);
  const lone = (figures: ReturnType<typeof toolFigures>): LoneImport => ({
    requests: figures.requests.total,
    polls: figures.requests.poll,
    detectionSeconds: figures.detection.max,
    scheduleSeconds: figures.schedule.max,
  });
  return {
    importSeconds: durationMs / 1000,
    ours: lone(toolFigures({ emulator: rig.ours, creates: [ours], importDurationMs })),
    terraform: lone(toolFigures({ emulator: rig.terraform, creates: [terraform], importDurationMs, knownPhases: replay.phases })),
  };
}
