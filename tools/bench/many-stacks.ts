import { type Clock, scaledClock } from "../../src/client/clock";
import { type RequestLogEntry, startEmulator } from "pulumi-digitalocean-custom-image-emulator";
import type { ProviderHost } from "../provider-host/provider-host";
import { peakInWindow, percentile } from "./request-phases";
import { customImageUrn } from "../provider-host/engine-values";
import { type CreatedThroughHost, createThroughHost, processMemory, programInputs, providerText, startWarmHost, TOKEN } from "./rig";

/**
 * Scenario 5: many deployments on one token. `deployments` provider hosts (each its own process,
 * as CI jobs each run their own `pulumi up`) import `imagesEach` images each, with durations spread
 * evenly over the whole set from `shortestMs` to `longestMs` and dealt out so that every
 * deployment has short and long ones. The deployments start `staggerMs` apart; all share one
 * token and one emulator that enforces DigitalOcean's per-minute and per-hour limits, next to a
 * steady background of other traffic on the same token (`backgroundPerMinute` listings of tags,
 * standing in for doctl and Terraform) from the first deployment's start to the last one's end.
 *
 * The hosts are started and their provider loaded before the clock's scenario begins, so that
 * twenty start-ups do not land, magnified by the time factor, inside the measurement.
 */
export interface ManyStacksPlan {
  deployments: number;
  imagesEach: number;
  shortestMs: number;
  longestMs: number;
  staggerMs: number;
  backgroundPerMinute: number;
  /** Real ms per simulated ms for this scenario (slower than the others: it is the busiest). */
  scale: number;
}

/** Times in simulated seconds. */
export interface ManyStacksFigures {
  plan: ManyStacksPlan;
  images: number;
  requests: { total: number; ours: number; background: number; oursWrites: number; oursGets: number };
  /** The most requests of the token (every source) in any 60 simulated seconds, and in any hour of the run. */
  peakPerMinute: number;
  peakPerHour: number;
  /**
   * The hour that holds the whole run (it is shorter than one), with the other traffic going on
   * at its steady rate for all of that hour, not only while the deployments ran: this provider's
   * requests plus `backgroundPerMinute` × 60.
   */
  hourWithSteadyBackground: number;
  rateLimited: { ours: number; background: number };
  detection: { p50: number; p95: number; max: number };
  /**
   * Requests the rate budget held back in the hosts (each host logs every such wait), writes apart
   * from polls and reads: writes never wait behind polls when the writes' count is 0.
   */
  budgetWaits: { writes: number; gets: number; longestWriteSeconds: number };
  /** Simulated seconds from the first deployment's start to the last create's return. */
  wallSeconds: number;
  /** Simulated seconds from the hosts' first warm-up request, which opens the token's sliding hour, to the first deployment's start. */
  warmUpSeconds: number;
  hostsPeakRssMb?: number;
}

export async function manyStacks(plan: ManyStacksPlan): Promise<ManyStacksFigures> {
  const count = plan.deployments * plan.imagesEach;
  const urlOf = (deployment: number, image: number) => `https://images.example.com/bench/stack-${deployment}-${image}.qcow2.gz`;
  const durations = new Map<string, number>();
  for (let deployment = 0; deployment < plan.deployments; deployment++) {
    for (let image = 0; image < plan.imagesEach; image++) {
      // Dealt round-robin: deployment d gets the d-th, (d + n)-th, ... of the sorted durations.
      const rank = image * plan.deployments + deployment;
      durations.set(urlOf(deployment, image), plan.shortestMs + ((plan.longestMs - plan.shortestMs) * rank) / Math.max(1, count - 1));
    }
  }
  const importDurationMs = (url: string) => {
    const duration = durations.get(url);
    if (duration === undefined) throw new Error(`no import duration for ${url}`);
    return duration;
  };

  const clock = scaledClock(plan.scale);
  const emulator = await startEmulator({ clock, importDurationMs });
  const hosts: ProviderHost[] = [];
  let figures: ManyStacksFigures;
  try {
    const config = { "digitalocean:token": TOKEN, "digitalocean:apiEndpoint": emulator.url, "digitalocean-custom-image:clock": clock.spec };
    for (let deployment = 0; deployment < plan.deployments; deployment++) {
      const host = await startWarmHost(config);
      hosts.push(host);
      // A Read builds the provider's client (loading got takes a real fraction of a second): one
      // request (a 404) per host, before the scenario's start and left out of its figures.
      await host.read("1", customImageUrn("warm-up"), { __provider: await providerText() });
    }

    const start = clock.now();
    let running = true;
    const background = backgroundTraffic(emulator.url, clock, plan.backgroundPerMinute, () => running);
    const creates = await Promise.all(
      hosts.map(async (host, deployment) => {
        await clock.sleep(deployment * plan.staggerMs);
        const inputs = await Promise.all(
          Array.from({ length: plan.imagesEach }, (_, image) =>
            programInputs(`stack-${deployment}-image-${image}`, urlOf(deployment, image), ["nyc3"]),
          ),
        );
        return Promise.all(inputs.map((input, image) => createThroughHost(host, clock, `stack-${deployment}-image-${image}`, input)));
      }),
    );
    running = false;
    const backgroundRateLimited = await background;
    const all = creates.flat();
    const hostsPeakRssMb = hosts.map((host) => processMemory(host.pid)?.peakRssMb ?? Number.NaN).reduce((sum, value) => sum + value, 0);
    figures = {
      plan,
      images: count,
      ...requestFigures(
        emulator.requests.filter((entry) => entry.at >= start),
        backgroundRateLimited,
        emulator.rateLimited,
        plan.backgroundPerMinute,
      ),
      detection: detectionFigures(emulator.audit(), all, importDurationMs),
      budgetWaits: budgetWaits(hosts.flatMap((host) => host.logs)),
      wallSeconds: (Math.max(...all.map((create) => create.returnedAt)) - start) / 1000,
      warmUpSeconds: (start - Math.min(...emulator.requests.map((entry) => entry.at))) / 1000,
      hostsPeakRssMb: Number.isNaN(hostsPeakRssMb) ? undefined : hostsPeakRssMb,
    };
  } finally {
    await Promise.all(hosts.map((host) => host.close()));
    await emulator.close();
  }
  if (emulator.violations.length > 0)
    throw new Error(`the emulator saw requests DigitalOcean would reject: ${JSON.stringify(emulator.violations.slice(0, 5), null, 2)}`);
  return figures;
}

/** One listing of tags every 60 ÷ `perMinute` simulated seconds while `going()`; resolves with the 429s it met. */
async function backgroundTraffic(url: string, clock: Clock, perMinute: number, going: () => boolean): Promise<number> {
  let rateLimited = 0;
  const gapMs = 60_000 / perMinute;
  let next = clock.now();
  while (going()) {
    const response = await fetch(`${url}/v2/tags?per_page=20`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await response.arrayBuffer();
    if (response.status === 429) rateLimited++;
    // Evenly spaced on the clock, however long an answer takes: the rate is the background's own.
    next += gapMs;
    await clock.sleep(Math.max(0, next - clock.now()));
  }
  return rateLimited;
}

/** The provider never lists tags: every `GET /v2/tags` is the background's. */
const isBackground = (entry: RequestLogEntry) => entry.method === "GET" && entry.path === "/v2/tags";

function requestFigures(log: readonly RequestLogEntry[], backgroundRateLimited: number, rateLimited: number, backgroundPerMinute: number) {
  const ours = log.filter((entry) => !isBackground(entry));
  const times = log.map((entry) => entry.at);
  const span = times.length === 0 ? 0 : Math.max(...times) - Math.min(...times);
  if (span >= 3_600_000)
    throw new Error("scenario 5 ran longer than an hour: its hour figure would need the background's hour measured, not added");
  return {
    requests: {
      total: log.length,
      ours: ours.length,
      background: log.length - ours.length,
      oursWrites: ours.filter((entry) => entry.method !== "GET").length,
      oursGets: ours.filter((entry) => entry.method === "GET").length,
    },
    peakPerMinute: peakInWindow(times),
    peakPerHour: peakInWindow(times, 3_600_000),
    hourWithSteadyBackground: ours.length + backgroundPerMinute * 60,
    rateLimited: { ours: rateLimited - backgroundRateLimited, background: backgroundRateLimited },
  };
}

function detectionFigures(
  audit: readonly { id: number; url: string; createdAt: number }[],
  creates: readonly CreatedThroughHost[],
  importDurationMs: (url: string) => number,
) {
  const availableAt = new Map(audit.map((image) => [image.id, image.createdAt + importDurationMs(image.url)]));
  const latencies = creates.map((create) => (create.returnedAt - availableAt.get(create.id)!) / 1000);
  return { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies) };
}

const BUDGET_WAIT = /\b(GET|POST|PUT|DELETE) \S+ waited (\d+)ms for the token's rate limit/;

function budgetWaits(logs: readonly string[]): ManyStacksFigures["budgetWaits"] {
  const waits = logs.flatMap((line) => {
    const match = BUDGET_WAIT.exec(line);
    return match ? [{ method: match[1]!, ms: Number(match[2]) }] : [];
  });
  const writes = waits.filter((wait) => wait.method !== "GET");
  return {
    writes: writes.length,
    gets: waits.length - writes.length,
    longestWriteSeconds: Math.max(0, ...writes.map((wait) => wait.ms)) / 1000,
  };
}
