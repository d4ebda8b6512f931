import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulator } from "pulumi-digitalocean-custom-image-emulator";
import { type Operation, runProgram, type RunResult } from "../runner/program-runner";
import { startEmulatorStack } from "../runner/emulator-stack";
import type { PulumiCli } from "./engine-cli";
import { type CliResult, customImages, EngineStack, imageSteps } from "./engine-stack";
import { CUSTOM_IMAGE_TYPE } from "../provider-host/engine-values";
import { exampleConfig, REPO_ROOT } from "../shared/example-package";

/**
 * One scenario list run through tools/runner and through the real CLI, each against its own
 * emulator, compared step by step: the CustomImage steps' kinds, their `[diff: …]` keys, the stack
 * outputs after the step and the emulator's requests (method and path, ids normalised).
 */

const IMAGE = CUSTOM_IMAGE_TYPE;

export interface ScenarioStep {
  label: string;
  operation: Operation;
  /** Project config set before the step (keys without the project prefix); an array is set element by element with `--path`. */
  config?: Record<string, string | string[]>;
  /** Project config keys removed before the step. */
  remove?: string[];
  /** Done to the emulator before the step, on the stack's one image. */
  outOfBand?: (emulator: Emulator, imageId: number) => void;
}

export interface Scenario {
  name: string;
  /** The installed program's name (install-programs.ts) and its folder in the repository, for the runner. */
  program: string;
  repoDir: string;
  project: string;
  steps: ScenarioStep[];
}

export const SCENARIOS: Scenario[] = [
  {
    name: "basic",
    program: "basic",
    repoDir: join(REPO_ROOT, "examples", "basic"),
    project: "custom-image-basic",
    steps: [
      { label: "preview", operation: "preview" },
      { label: "up", operation: "up" },
      { label: "description change", operation: "up", config: { description: "Flatcar, patched" } },
      { label: "url change (replace)", operation: "up", config: { imageUrl: "https://example.com/images/flatcar-4152.qcow2.gz" } },
      {
        label: "refresh after out-of-band rename",
        operation: "refresh",
        outOfBand: (emulator, id) => emulator.mutateImage(id, { name: "renamed-by-hand" }),
      },
      { label: "preview after drift", operation: "preview" },
      { label: "up repairs drift", operation: "up" },
      { label: "destroy", operation: "destroy" },
    ],
  },
  {
    name: "multi-region",
    program: "multi-region",
    repoDir: join(REPO_ROOT, "examples", "multi-region"),
    project: "custom-image-multi-region",
    steps: [
      { label: "up", operation: "up" },
      { label: "region added", operation: "up", config: { extraRegions: ["sgp1"] } },
      { label: "region removed (replace)", operation: "up", remove: ["extraRegions"] },
      { label: "destroy", operation: "destroy" },
    ],
  },
];

export type Aspect = "steps" | "diff" | "outputs" | "requests";
export const ASPECTS: readonly Aspect[] = ["steps", "diff", "outputs", "requests"];

/** What one engine did in one step, normalised so that the two can be compared. */
export type Observation = Record<Aspect, string>;

export interface StepComparison {
  scenario: string;
  step: string;
  runner: Observation;
  cli: Observation;
  differs: Aspect[];
}

export interface KnownDifference {
  scenario: string;
  step: string;
  aspect: Aspect;
  reason: string;
}

/**
 * Differences seen and explained (tools/runner/README.md, "Where it differs from the real engine").
 * A difference not in this list fails runner-vs-engine.engine.ts.
 */
const DRIFT =
  "a dynamic provider's diff reports no changed keys, so the CLI computes `[diff: …]` from the old and new inputs, which drift does not change; the runner diffs the recorded outputs against the live ones (refresh) and the new inputs (preview, up)";

const SECRET_URL =
  "examples/basic reads its url as a secret, and the CLI is handed the old and new inputs with every secret replaced by one placeholder, so the `[diff: …]` of the replacement a new url causes lists nothing (README, Presigned URLs); the runner compares the values";

export const KNOWN_DIFFERENCES: KnownDifference[] = [
  { scenario: "basic", step: "url change (replace)", aspect: "diff", reason: SECRET_URL },
  { scenario: "basic", step: "refresh after out-of-band rename", aspect: "diff", reason: DRIFT },
  { scenario: "basic", step: "preview after drift", aspect: "diff", reason: DRIFT },
  { scenario: "basic", step: "up repairs drift", aspect: "diff", reason: DRIFT },
];

/** The CLI names a replacement's three steps; the runner records one `replace`. */
const CLI_KIND: Record<string, string> = { "create-replacement": "replace", replace: "replace", "delete-replaced": "replace" };

function kindsLine(steps: { kind: string; name: string }[]): string {
  const unique = steps.map((step) => `${step.kind} ${step.name}`).filter((line, index, all) => all.indexOf(line) === index);
  return unique.join(", ") || "—";
}

function diffLine(steps: { name: string; diffs: string[] }[]): string {
  const lines = steps.filter((step) => step.diffs.length > 0).map((step) => `${step.name}: ${[...new Set(step.diffs)].sort().join(",")}`);
  return [...new Set(lines)].join("; ") || "—";
}

/**
 * Ids are the emulators' own (each side has its own emulator); `imageId` therefore shows as `<id>`.
 * Arrays are sorted: `regions` comes back in the order the parallel transfers finished.
 */
export function normaliseOutputs(outputs: Record<string, unknown>): string {
  const entries = Object.keys(outputs)
    .sort()
    .map((key) => {
      const value = outputs[key];
      if (key === "imageId") return `${key}=<id>`;
      return `${key}=${JSON.stringify(Array.isArray(value) ? [...(value as unknown[])].map(String).sort() : value)}`;
    });
  return entries.join(" ") || "{}";
}

/**
 * The writes (every method but GET) in order, as `METHOD /path` with every number as `{id}` and a
 * tag's name as `{tag}`; consecutive repeats (a transfer per added region) collapsed into one line
 * marked `*`. Reads are left out: they are status polls, whose number and paths depend on when
 * each poll falls against the scaled clock (a transfer's progress is read from the action list or,
 * once it is known, by the action's id), so they differ between two runs of the same engine.
 */
export function normaliseRequests(emulator: Emulator, from: number): string {
  const lines = emulator.requests
    .slice(from)
    .filter((request) => request.method !== "GET")
    .map((request) => `${request.method} ${request.path.replace(/\/v2\/tags\/[^/]+/, "/v2/tags/{tag}").replace(/\/\d+/g, "/{id}")}`);
  const collapsed: string[] = [];
  for (const line of lines) {
    const last = collapsed.at(-1);
    if (last === line) collapsed[collapsed.length - 1] = `${line}*`;
    else if (last !== `${line}*`) collapsed.push(line);
  }
  return collapsed.join(" → ") || "—";
}

/** The runner's steps for the CustomImage resources. */
function runnerObservation(result: RunResult, emulator: Emulator, from: number, operation: Operation): Observation {
  const steps = result.steps.filter((step) => step.type === IMAGE);
  return {
    steps: kindsLine(steps.map((step) => ({ kind: operation === "refresh" ? "refresh" : step.kind, name: step.name }))),
    diff: diffLine(steps.map((step) => ({ name: step.name, diffs: step.diffs.map((key) => key.replace(/^[~+-]+/, "")) }))),
    outputs: operation === "preview" ? "—" : normaliseOutputs(result.state.outputs),
    requests: normaliseRequests(emulator, from),
  };
}

async function cliObservation(
  stack: EngineStack,
  result: CliResult,
  emulator: Emulator,
  from: number,
  operation: Operation,
): Promise<Observation> {
  const steps = imageSteps(result);
  return {
    steps: kindsLine(steps.map((step) => ({ kind: CLI_KIND[step.op] ?? step.op, name: step.name }))),
    diff: diffLine(steps),
    outputs: operation === "preview" ? "—" : normaliseOutputs(await stack.outputs()),
    requests: normaliseRequests(emulator, from),
  };
}

function runnerConfigValue(value: string | string[]): string {
  return Array.isArray(value) ? JSON.stringify(value) : value;
}

async function runRunner(scenario: Scenario): Promise<Observation[]> {
  const { emulator, config, secretKeys } = await startEmulatorStack(0.001);
  const example = exampleConfig(scenario.program);
  const dir = mkdtempSync(join(tmpdir(), "runner-vs-engine-"));
  const stateFile = join(dir, "state.json");
  const stackConfig: Record<string, string> = { ...config, ...example.config };
  const observations: Observation[] = [];
  let imageId = 0;
  try {
    for (const step of scenario.steps) {
      for (const [key, value] of Object.entries(step.config ?? {})) stackConfig[`${scenario.project}:${key}`] = runnerConfigValue(value);
      for (const key of step.remove ?? []) delete stackConfig[`${scenario.project}:${key}`];
      step.outOfBand?.(emulator, imageId);
      const from = emulator.requests.length;
      const result = await runProgram({
        programDir: scenario.repoDir,
        operation: step.operation,
        config: stackConfig,
        secretKeys: [...secretKeys, ...example.secretKeys],
        stateFile,
      });
      if (!result.ok) throw new Error(`runner, ${scenario.name}, ${step.label}: ${result.errors.join("; ")}`);
      observations.push(runnerObservation(result, emulator, from, step.operation));
      imageId = Number(result.state.resources.find((resource) => resource.type === IMAGE)?.id ?? imageId);
    }
    return observations;
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runCli(scenario: Scenario, cli: PulumiCli, programDir: string): Promise<Observation[]> {
  const { emulator, config, secretKeys } = await startEmulatorStack(0.001);
  const stack = new EngineStack({ cli, programDir });
  const observations: Observation[] = [];
  try {
    const example = exampleConfig(scenario.program);
    await stack.init({ ...config, ...example.config }, [...secretKeys, ...example.secretKeys]);
    let imageId = 0;
    for (const step of scenario.steps) {
      for (const [key, value] of Object.entries(step.config ?? {})) {
        if (Array.isArray(value))
          for (const [index, element] of value.entries()) await stack.configSet(`${scenario.project}:${key}[${index}]`, element);
        else await stack.configSet(`${scenario.project}:${key}`, value, example.secretKeys.includes(`${scenario.project}:${key}`));
      }
      for (const key of step.remove ?? []) await stack.configRemove(`${scenario.project}:${key}`);
      step.outOfBand?.(emulator, imageId);
      const from = emulator.requests.length;
      const result = await stack[step.operation]();
      observations.push(await cliObservation(stack, result, emulator, from, step.operation));
      imageId = Number(customImages(await stack.exportState())[0]?.id ?? imageId);
    }
    return observations;
  } finally {
    await emulator.close();
    stack.dispose();
  }
}

/** Runs `scenario` through both, one after the other (the machine has few cores), and compares each step. */
export async function compareScenario(scenario: Scenario, cli: PulumiCli, installedDir: string): Promise<StepComparison[]> {
  const runner = await runRunner(scenario);
  const engine = await runCli(scenario, cli, installedDir);
  return scenario.steps.map((step, index) => {
    const r = runner[index]!;
    const c = engine[index]!;
    return { scenario: scenario.name, step: step.label, runner: r, cli: c, differs: ASPECTS.filter((aspect) => r[aspect] !== c[aspect]) };
  });
}

export function isKnown(
  comparison: StepComparison,
  aspect: Aspect,
  known: readonly KnownDifference[] = KNOWN_DIFFERENCES,
): KnownDifference | undefined {
  return known.find((entry) => entry.scenario === comparison.scenario && entry.step === comparison.step && entry.aspect === aspect);
}

/** Differences not in `known`, as `scenario / step / aspect: runner … ≠ CLI …`. */
export function newDifferences(comparisons: readonly StepComparison[], known: readonly KnownDifference[] = KNOWN_DIFFERENCES): string[] {
  return comparisons.flatMap((comparison) =>
    comparison.differs
      .filter((aspect) => !isKnown(comparison, aspect, known))
      .map(
        (aspect) =>
          `${comparison.scenario} / ${comparison.step} / ${aspect}: runner ${comparison.runner[aspect]} ≠ CLI ${comparison.cli[aspect]}`,
      ),
  );
}

/** A table, one row per step, each aspect the shared value or both sides; then the agreement counts. */
export function comparisonReport(comparisons: readonly StepComparison[]): string[] {
  const lines = [`| scenario | step | ${ASPECTS.join(" | ")} |`, `|---|---|${ASPECTS.map(() => "---|").join("")}`];
  for (const comparison of comparisons) {
    const cells = ASPECTS.map((aspect) => {
      if (!comparison.differs.includes(aspect)) return comparison.runner[aspect];
      const mark = isKnown(comparison, aspect) ? "known" : "NEW";
      return `**differs (${mark})**: runner ${comparison.runner[aspect]}; CLI ${comparison.cli[aspect]}`;
    });
    lines.push(`| ${comparison.scenario} | ${comparison.step} | ${cells.join(" | ")} |`);
  }
  const scenarios = [...new Set(comparisons.map((comparison) => comparison.scenario))];
  const agreeingScenarios = scenarios.filter((name) =>
    comparisons.every((comparison) => comparison.scenario !== name || comparison.differs.length === 0),
  );
  const agreeingSteps = comparisons.filter((comparison) => comparison.differs.length === 0).length;
  lines.push(
    "",
    `steps agreeing: ${agreeingSteps} of ${comparisons.length}; scenarios agreeing in every step: ${agreeingScenarios.length} of ${scenarios.length}`,
  );
  return lines;
}
