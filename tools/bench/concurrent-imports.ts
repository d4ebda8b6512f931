import { processMemory, programInputs, startRig, terraformInputs, TOKEN } from "./rig";
import { TerraformReplay } from "./terraform-replay";
import { type ToolFigures, toolFigures } from "./tool-figures";

export interface ConcurrentImportsFigures {
  images: number;
  shortestImportSeconds: number;
  longestImportSeconds: number;
  ours: ToolFigures;
  /** Left out when the options say so (a variant of the provider's configuration only). */
  terraform?: ToolFigures;
  /** The host's peak resident memory after the provider's run. */
  hostPeakRssMb?: number;
}

/**
 * Scenario 2: `count` imports started together (one `pulumi up`, whose engine runs the creates
 * concurrently; for Terraform, as with `-parallelism` at least `count`), with durations spread
 * evenly from `shortestMs` to `longestMs`, the longest sent first. The provider runs first, then
 * the replay, so that neither's bursts of requests slow the other's measurement.
 *
 * Longest first: sending 100 creates takes this process, the host and the emulator most of a real
 * second, which the time factor stretches into tens of simulated seconds; sent last, the longest
 * import would add that artefact to the wall time.
 */
export interface ConcurrentImportsOptions {
  /** Stack config for the provider, over its defaults. */
  providerConfig?: Record<string, string>;
  /** Replay Terraform too (default true). */
  terraform?: boolean;
}

export async function concurrentImports(
  scale: number,
  count: number,
  shortestMs: number,
  longestMs: number,
  options: ConcurrentImportsOptions = {},
): Promise<ConcurrentImportsFigures> {
  const urls = Array.from({ length: count }, (_, index) => `https://images.example.com/bench/concurrent-${index}.qcow2.gz`);
  const durations = new Map(urls.map((url, index) => [url, longestMs - ((longestMs - shortestMs) * index) / Math.max(1, count - 1)]));
  const importDurationMs = (url: string) => {
    const duration = durations.get(url);
    if (duration === undefined) throw new Error(`no import duration for ${url}`);
    return duration;
  };
  const rig = await startRig(scale, { importDurationMs }, options.providerConfig);
  try {
    const inputs = await Promise.all(urls.map((url, index) => programInputs(`image-${index}`, url, ["nyc3"])));
    const ours = await Promise.all(inputs.map((input, index) => rig.create(`image-${index}`, input)));
    const hostPeakRssMb = processMemory(rig.host.pid)?.peakRssMb;

    const figures: ConcurrentImportsFigures = {
      images: count,
      shortestImportSeconds: shortestMs / 1000,
      longestImportSeconds: longestMs / 1000,
      ours: toolFigures({ emulator: rig.ours, creates: ours, importDurationMs }),
      hostPeakRssMb,
    };
    if (options.terraform ?? true) {
      const replay = new TerraformReplay(rig.terraform.url, TOKEN, rig.clock);
      const terraform = await Promise.all(urls.map((url, index) => replay.create(terraformInputs(`image-${index}`, url, ["nyc3"]))));
      figures.terraform = toolFigures({ emulator: rig.terraform, creates: terraform, importDurationMs, knownPhases: replay.phases });
    }
    return figures;
  } finally {
    await rig.close();
  }
}
