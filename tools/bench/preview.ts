import { customImageUrn } from "../provider-host/engine-values";
import { startProviderHost } from "../provider-host/provider-host";
import { percentile } from "./request-phases";
import { processMemory, programInputs, providerText, SECRET_KEYS, sdkCopies, startRig } from "./rig";

export interface PreviewFigures {
  resources: number;
  /** Real ms to start the host (the engine starts a fresh one for every `pulumi preview`). */
  hostStartupMs: number;
  /** Real ms of the first Check on the fresh host, which loads the provider. */
  firstCallMs: number;
  /** Real ms from the first Check sent to the last Diff answered, every resource in flight as the engine runs them, the provider loaded. */
  wallMs: number;
  /** `wallMs` / resources. */
  perResourceMs: number;
  /** Real ms from one resource's Check sent to its Diff answered, with all in flight. */
  resourceLatencyMs: { p50: number; max: number };
  diffs: Record<string, number>;
  /** API requests the preview made (check and diff are pure). */
  apiRequests: number;
  /** Characters of `__provider` in each resource's inputs and outputs. */
  providerChars: number;
  /** Characters of one resource's outputs as JSON, `__provider` included. */
  stateCharsPerResource: number;
  /** Resident memory of the preview's host when configured, after its first call loaded the provider, and at its peak. */
  hostRssMb?: { atStart: number; providerLoaded: number; peak: number };
  /** Peak resident memory of the host of the `up` that created the resources. */
  upHostPeakRssMb?: number;
  /** The host and the provider resolve `@pulumi/pulumi` to different copies (see `sdkCopies`). */
  sdkLoadedTwice: boolean;
}

/**
 * Scenario 4: `pulumi preview` of an unchanged program of `count` images. The images are first
 * created for real through one host (a `pulumi up`, on a fast clock: only the resulting state
 * matters here); then a fresh host, as every `pulumi preview` starts one, answers one Check (its
 * first call loads the provider) and then Check and Diff for every resource, as the engine asks.
 */
export async function preview(count: number): Promise<PreviewFigures> {
  const rig = await startRig(0.001, { importDurationMs: () => 30_000 });
  try {
    const names = Array.from({ length: count }, (_, index) => `image-${index}`);
    const urns = names.map((name) => customImageUrn(name));
    const inputs = await Promise.all(
      names.map((name) => programInputs(name, `https://images.example.com/bench/${name}.qcow2.gz`, ["nyc3"])),
    );
    const deployed = await Promise.all(names.map((name, index) => rig.create(name, inputs[index]!)));
    const upHostPeakRssMb = processMemory(rig.host.pid)?.peakRssMb;
    await rig.host.close();

    const host = await startProviderHost();
    try {
      await host.configure(rig.config, SECRET_KEYS);
      const atStart = processMemory(host.pid)?.rssMb;
      const requestsBefore = rig.ours.requests.length;

      const firstCallStarted = performance.now();
      await host.check(urns[0]!, deployed[0]!.inputs, inputs[0]!);
      const firstCallMs = performance.now() - firstCallStarted;
      const providerLoaded = processMemory(host.pid)?.rssMb;

      const started = performance.now();
      const results = await Promise.all(
        deployed.map(async (resource, index) => {
          const sent = performance.now();
          const checked = await host.check(urns[index]!, resource.inputs, inputs[index]!);
          if (checked.failures.length > 0) throw new Error(`Check rejected ${names[index]}: ${JSON.stringify(checked.failures)}`);
          const diff = await host.diff(String(resource.id), urns[index]!, resource.outputs, checked.inputs, resource.inputs);
          return { ms: performance.now() - sent, diff };
        }),
      );
      const wallMs = performance.now() - started;
      const diffs: Record<string, number> = {};
      for (const { diff } of results) {
        const key = diff.replaces.length > 0 ? "replace" : diff.changes;
        diffs[key] = (diffs[key] ?? 0) + 1;
      }
      const peak = processMemory(host.pid)?.peakRssMb;
      return {
        resources: count,
        hostStartupMs: host.startupMs,
        firstCallMs,
        wallMs,
        perResourceMs: wallMs / count,
        resourceLatencyMs: {
          p50: percentile(
            results.map((result) => result.ms),
            50,
          ),
          max: Math.max(...results.map((result) => result.ms)),
        },
        diffs,
        apiRequests: rig.ours.requests.length - requestsBefore,
        providerChars: (await providerText()).length,
        stateCharsPerResource: Math.max(...deployed.map((resource) => JSON.stringify(resource.outputs).length)),
        hostRssMb:
          atStart !== undefined && providerLoaded !== undefined && peak !== undefined ? { atStart, providerLoaded, peak } : undefined,
        upHostPeakRssMb,
        sdkLoadedTwice: sdkCopies().loadedTwice,
      };
    } finally {
      await host.close();
    }
  } finally {
    await rig.close();
  }
}
