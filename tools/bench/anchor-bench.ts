import { rmSync } from "node:fs";
import { useAnchorPlugin } from "../anchor/anchor-plugin";
import { ANCHOR_VERSION } from "../anchor/install-anchor";
import { findPulumiCli, noCliReason, type PulumiCli } from "../engine/engine-cli";
import { EngineStack } from "../engine/engine-stack";
import { installPrograms } from "../engine/install-programs";
import { startEmulatorStack } from "../runner/emulator-stack";
import type { Emulator } from "pulumi-digitalocean-custom-image-emulator";
import {
  ANCHOR_PROVIDERS,
  type AnchorPlan,
  type AnchorProvider,
  type AnchorScenario,
  type AnchorUpFigures,
  benchUrl,
  createdResource,
  upFigures,
} from "./anchor-figures";

/**
 * `npm run bench -- --anchor`: every scenario of `plan` as a user runs it, a plain `pulumi up`
 * through the real CLI (the engine harness of tools/engine/), once with `@pulumi/digitalocean`'s
 * `CustomImage` (the anchor plugin `npm run engine:install -- --anchor` built) and once with this
 * package, each stack against its own emulator in real time (time factor 1: the anchor's waits are
 * Go timers). The stacks of a run are started one at a time, each once the previous one's import
 * POST has arrived (so that two programs never compile on the same cores at once), and then wait
 * side by side: a run lasts about as long as its longest stack.
 */

export interface AnchorRun {
  /** By scenario key, then provider. */
  scenarios: Record<string, Record<AnchorProvider, AnchorUpFigures>>;
  durationSeconds: number;
}

export interface AnchorResults {
  plan: AnchorPlan;
  command: string;
  /** ISO 8601, when the first run started. */
  date: string;
  cli: string;
  anchorVersion: string;
  runs: AnchorRun[];
}

const PROJECT = "custom-image-bench";
/** How often the harness looks for a stack's import POST in its emulator's log (real ms). */
const POST_LOOK_MS = 250;

export async function anchorBench(plan: AnchorPlan, command: string, progress: (message: string) => void): Promise<AnchorResults> {
  const rejected: string[] = [];
  const cli = findPulumiCli(process.env, rejected);
  if (!cli) throw new Error(`npm run bench -- --anchor: ${noCliReason(rejected)}`);
  useAnchorPlugin();
  const date = new Date().toISOString();
  progress(`pulumi ${cli.version}, ${ANCHOR_VERSION} of the anchor plugin; installing the bench program from npm pack's tarball ...`);
  const programs = installPrograms(["bench"]);
  try {
    const runs: AnchorRun[] = [];
    for (let index = 1; index <= plan.repeat; index++) {
      const started = performance.now();
      const scenarios = await oneRun(cli, programs.dirs.bench!, plan, (message) => progress(`run ${index} of ${plan.repeat}: ${message}`));
      runs.push({ scenarios, durationSeconds: (performance.now() - started) / 1000 });
      progress(`run ${index} of ${plan.repeat}: ${runs.at(-1)!.durationSeconds.toFixed(0)} s`);
    }
    return { plan, command, date, cli: cli.version, anchorVersion: ANCHOR_VERSION, runs };
  } finally {
    rmSync(programs.root, { recursive: true, force: true });
  }
}

async function oneRun(
  cli: PulumiCli,
  programDir: string,
  plan: AnchorPlan,
  progress: (message: string) => void,
): Promise<AnchorRun["scenarios"]> {
  const ups: Promise<[string, AnchorProvider, AnchorUpFigures]>[] = [];
  try {
    for (const scenario of plan.scenarios)
      for (const provider of ANCHOR_PROVIDERS) {
        let posted!: () => void;
        const importPosted = new Promise<void>((resolve) => (posted = resolve));
        const up = oneUp(cli, programDir, scenario, provider, posted).then((figures): [string, AnchorProvider, AnchorUpFigures] => {
          progress(`${scenario.key} with ${provider}: up in ${figures.upSeconds.toFixed(1)} s, ${figures.requests} requests`);
          return [scenario.key, provider, figures];
        });
        ups.push(up);
        // The next stack starts once this one has compiled its program and sent its import (or ended).
        await Promise.race([importPosted, up.then(undefined, () => undefined)]);
      }
  } finally {
    // Every started up is awaited, whatever happened to the others: none is left running.
    await Promise.allSettled(ups);
  }
  const scenarios: AnchorRun["scenarios"] = {};
  for (const [key, provider, figures] of await Promise.all(ups))
    (scenarios[key] ??= {} as Record<AnchorProvider, AnchorUpFigures>)[provider] = figures;
  return scenarios;
}

/** One stack of `scenario` with `provider`: a fresh emulator, `pulumi up`, its figures; `posted` once the first import POST arrived. */
async function oneUp(
  cli: PulumiCli,
  programDir: string,
  scenario: AnchorScenario,
  provider: AnchorProvider,
  posted: () => void,
): Promise<AnchorUpFigures> {
  const urls = scenario.importsMs.map((_, index) => benchUrl(scenario, index));
  const importMs = (url: string) => {
    const index = urls.indexOf(url);
    if (index < 0) throw new Error(`the bench program imported ${url}, which scenario ${scenario.key} does not list`);
    return scenario.importsMs[index]!;
  };
  const transferMs = () => scenario.transferMs;
  const { emulator, config, secretKeys } = await startEmulatorStack(1, { importDurationMs: importMs, transferDurationMs: transferMs });
  const stack = new EngineStack({ cli, programDir, stack: `${scenario.key}-${provider}` });
  const watch = watchForImport(emulator, posted);
  try {
    await stack.init(
      {
        ...config,
        [`${PROJECT}:provider`]: provider,
        [`${PROJECT}:urls`]: JSON.stringify(urls),
        [`${PROJECT}:regions`]: JSON.stringify(scenario.regions),
      },
      secretKeys,
    );
    watch.start();
    const createdLineAt = new Map<string, number>();
    let pending = "";
    const startedAt = emulator.clock.now();
    const result = await stack.up([], {
      allowFailure: true,
      onOutput: (text) => {
        const lines = (pending + text).split("\n");
        pending = lines.pop()!;
        for (const line of lines) {
          const name = createdResource(line);
          if (name) createdLineAt.set(urls[Number(name.slice("image-".length))]!, emulator.clock.now());
        }
      },
    });
    const endedAt = emulator.clock.now();
    if (result.code !== 0)
      throw new Error(`pulumi up of ${scenario.key} with ${provider} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
    if (emulator.violations.length > 0)
      throw new Error(`${scenario.key} with ${provider}: requests DigitalOcean would reject: ${JSON.stringify(emulator.violations)}`);
    const images = emulator.audit().map((image) => ({ id: image.id, url: image.url, createdAt: image.createdAt }));
    if (images.length !== urls.length)
      throw new Error(`${scenario.key} with ${provider}: ${images.length} images imported, ${urls.length} expected`);
    return upFigures({
      requests: emulator.requests,
      images,
      importMs,
      transferMs,
      createdLineAt,
      startedAt,
      endedAt,
      exit: result.code,
    });
  } finally {
    watch.stop();
    posted();
    await emulator.close();
    stack.dispose();
  }
}

/** Calls `posted` once `emulator` has received an import POST. */
function watchForImport(emulator: Emulator, posted: () => void): { start(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      timer = setInterval(() => {
        if (!emulator.requests.some((request) => request.method === "POST" && request.path === "/v2/images")) return;
        clearInterval(timer);
        posted();
      }, POST_LOOK_MS);
    },
    stop: () => clearInterval(timer),
  };
}
