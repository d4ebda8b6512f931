import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Emulator } from "pulumi-digitalocean-custom-image-emulator";
import { startEmulatorStack } from "../runner/emulator-stack";
import { findPulumiCli, noCliReason, type PulumiCli } from "./engine-cli";
import { customImages, EngineStack, type StackExport } from "./engine-stack";
import { installPrograms, type InstalledPrograms } from "./install-programs";
import { DEFAULT_PASSPHRASE } from "./offline-env";
import { disturbing, leftovers, plannedChanges, scrubState, STATE_FIXTURES_DIR, type StateFixtureFile } from "./state-fixtures";
import { exampleConfig, REPO_ROOT } from "../shared/example-package";

/**
 * `npm run fixtures:state`: writes test/fixtures/state/<package version>/ with the real Pulumi CLI,
 * a file backend and the emulator (tools/engine/README.md, "State fixtures"). Each scenario runs
 * `up` of a program, then exports the state after it and after each refresh it asks for, with the
 * emulator's images and what `preview` plans at that point. The folder is replaced only once every
 * scenario has succeeded; other versions' folders are never touched.
 */

/** Real ms per simulated ms, as the engine suite's scenarios: a 30 s import takes 30 ms. */
const SCALE = 0.001;

interface Scenario {
  program: string;
  /** One fixture after `up`, then one after each refresh: names and descriptions. */
  fixtures: { name: string; description: string }[];
  /** The program's stack config (`<project>:<key>`), besides the emulator's. */
  config?: Record<string, string>;
  /** Done to the emulator before `up`. */
  arrange?: (emulator: Emulator) => void;
  /** `up` is meant to fail (a partial failure). */
  upFails?: boolean;
  /** Throws when the state after `up` is not what the scenario is about. */
  verify: (state: StackExport) => void;
}

const SCENARIOS: Scenario[] = [
  {
    program: "basic",
    fixtures: [
      { name: "basic-up", description: "examples/basic after `pulumi up`: one image in nyc3." },
      { name: "basic-refreshed", description: "examples/basic after `pulumi up` and `pulumi refresh`: the outputs as `read` wrote them." },
    ],
    verify: (state) => expectImages(state, 1, false),
  },
  {
    program: "multi-region",
    fixtures: [
      {
        name: "multi-region-up",
        description: "examples/multi-region after `pulumi up`: imported into nyc3, transferred to lon1 and fra1.",
      },
    ],
    verify: (state) => expectImages(state, 1, false),
  },
  {
    program: "multi-region",
    fixtures: [
      {
        name: "multi-region-transfer-failed",
        description:
          "examples/multi-region after a `pulumi up` whose transfer to lon1 ended errored: a partial failure, the image recorded with its init errors and regions nyc3 and fra1.",
      },
      {
        name: "multi-region-transfer-failed-refreshed",
        description: "The partial failure above after `pulumi refresh`, which clears the init errors; lon1 is still missing.",
      },
    ],
    arrange: (emulator) => emulator.failTransfers("lon1"),
    upFails: true,
    verify: (state) => expectImages(state, 1, true),
  },
];

function expectImages(state: StackExport, count: number, initErrors: boolean): void {
  const images = customImages(state);
  if (images.length !== count) throw new Error(`expected ${count} CustomImage in the state, found ${images.length}`);
  const failed = images.filter((image) => (image.initErrors ?? []).length > 0).length;
  if (failed !== (initErrors ? count : 0))
    throw new Error(`expected ${initErrors ? "" : "no "}init errors, found them on ${failed} of ${count} images`);
}

interface WrittenFixture {
  name: string;
  file: StateFixtureFile;
  state: StackExport;
}

async function runScenario(
  cli: PulumiCli,
  programs: InstalledPrograms,
  scenario: Scenario,
  writtenBy: StateFixtureFile["writtenBy"],
): Promise<WrittenFixture[]> {
  const programDir = programs.dirs[scenario.program]!;
  const { emulator, config, secretKeys } = await startEmulatorStack(SCALE);
  const stack = new EngineStack({ cli, programDir, passphrase: DEFAULT_PASSPHRASE });
  try {
    const example = exampleConfig(scenario.program);
    await stack.init({ ...config, ...example.config, ...scenario.config }, [...secretKeys, ...example.secretKeys]);
    scenario.arrange?.(emulator);
    const up = await stack.up([], { allowFailure: scenario.upFails });
    if (scenario.upFails && up.code === 0) throw new Error(`${scenario.fixtures[0]!.name}: \`pulumi up\` was meant to fail and succeeded`);
    const captured: { state: StackExport; images: ReturnType<Emulator["saveImages"]>; plan: string[] }[] = [];
    for (const index of scenario.fixtures.keys()) {
      if (index > 0) await stack.refresh();
      const state = await stack.exportState();
      if (index === 0) scenario.verify(state);
      captured.push({ state, images: emulator.saveImages(), plan: plannedChanges(await stack.preview()) });
    }
    await stack.refresh();
    const afterLastRefresh = plannedChanges(await stack.preview());

    const placeholders = Object.fromEntries(Object.entries(config).filter(([key]) => !secretKeys.includes(key)));
    const secrets = secretKeys.map((key) => config[key]!);
    return scenario.fixtures.map(({ name, description }, index) => {
      const { state, images, plan } = captured[index]!;
      const planAfterRefresh = captured[index + 1]?.plan ?? afterLastRefresh;
      const bad = disturbing([...plan, ...planAfterRefresh]);
      if (bad.length > 0)
        throw new Error(`${name}: this version plans ${bad.join(", ")} for its own state; a fixture must not record a disturbed stack`);
      const file: StateFixtureFile = {
        description,
        writtenBy,
        program: scenario.program,
        stack: stack.stack,
        config: scenario.config ?? {},
        passphrase: DEFAULT_PASSPHRASE,
        images,
        plan,
        planAfterRefresh,
      };
      const scrubbed = scrubState(state, placeholders);
      const found = leftovers(JSON.stringify([file, scrubbed]), [REPO_ROOT, programs.root, tmpdir(), homedir(), emulator.url, ...secrets]);
      if (found.length > 0) throw new Error(`${name}: the exported state still contains ${found.join(", ")}`);
      return { name, file, state: scrubbed };
    });
  } finally {
    await emulator.close();
    stack.dispose();
  }
}

async function main(): Promise<void> {
  const rejected: string[] = [];
  const cli = findPulumiCli(process.env, rejected);
  if (!cli) throw new Error(`fixtures:state: ${noCliReason(rejected)}`);
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
  const out = join(STATE_FIXTURES_DIR, version);
  const programs = installPrograms([...new Set(SCENARIOS.map((scenario) => scenario.program))]);
  try {
    const sdk = (
      JSON.parse(readFileSync(join(programs.root, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8")) as { version: string }
    ).version;
    const writtenBy = { package: version, pulumi: cli.version, sdk };
    const written: WrittenFixture[] = [];
    for (const scenario of SCENARIOS) {
      const started = Date.now();
      written.push(...(await runScenario(cli, programs, scenario, writtenBy)));
      console.error(`${scenario.fixtures.map((fixture) => fixture.name).join(", ")}: ${Math.round((Date.now() - started) / 1000)} s`);
    }
    rmSync(out, { recursive: true, force: true });
    for (const { name, file, state } of written) {
      const dir = join(out, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "fixture.json"), `${JSON.stringify(file, null, 2)}\n`);
      writeFileSync(join(dir, "state.json"), `${JSON.stringify(state, null, 2)}\n`);
    }
    console.log(`${written.length} state fixtures written to ${relative(process.cwd(), out)} by pulumi ${cli.version}`);
  } finally {
    rmSync(programs.root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
