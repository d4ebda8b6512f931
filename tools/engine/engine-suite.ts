import { type EmulatorStack, startEmulatorStack } from "../runner/emulator-stack";
import { accounting, accountingProblems } from "../reliability/invariants";
import type { Emulator, EmulatorOptions } from "pulumi-digitalocean-custom-image-emulator";
import type { PulumiCli } from "./engine-cli";
import { exampleConfig } from "../shared/example-package";
import { type CliResult, customImages, displayedDiff, EngineStack, imageSteps, type StackExport, type Step } from "./engine-stack";

export { customImages, displayedDiff, imageSteps, type Step };
import type { InstalledPrograms } from "./install-programs";

/** What global-setup.ts found and installed, for the test files. */
const cli = process.env.ENGINE_CLI ? (JSON.parse(process.env.ENGINE_CLI) as PulumiCli) : undefined;
const programs = process.env.ENGINE_PROGRAMS ? (JSON.parse(process.env.ENGINE_PROGRAMS) as InstalledPrograms) : undefined;

/** `describe`, or `describe.skip` when global-setup found no CLI (never under CI=true: it fails there). */
export const describeEngine: jest.Describe = cli && programs ? describe : describe.skip;

/** The CLI and the installed programs global-setup.ts found; throws without them. */
export function engineSetup(): { cli: PulumiCli; programs: InstalledPrograms } {
  if (!cli || !programs) throw new Error("the engine suite needs global-setup.ts");
  return { cli, programs };
}

/** `config` and `secretKeys`: the whole stack config the stack was initialised with. */
export interface EngineFixture extends EmulatorStack {
  stack: EngineStack;
}

/**
 * A fresh emulator (on a scaled clock shared with the provider through the stack config) and a new
 * stack of `program`, initialised with that config, an example's required config (its `imageUrl`)
 * under `options.config`; the token and that config set with `config set --secret`.
 */
export async function startEngineFixture(
  program: string,
  options: {
    scale?: number;
    emulator?: Omit<EmulatorOptions, "clock" | "timeFactor" | "tokens">;
    config?: Record<string, string>;
    stack?: string;
    passphrase?: string;
    /** The program's folder when it is not the one global-setup.ts installed (a test's own install). */
    programDir?: string;
  } = {},
): Promise<EngineFixture> {
  const { cli, programs } = engineSetup();
  const dir = options.programDir ?? programs.dirs[program];
  if (!dir) throw new Error(`no installed program "${program}"; installed: ${Object.keys(programs.dirs).join(", ")}`);
  const emulatorStack = await startEmulatorStack(options.scale ?? 0.001, options.emulator);
  const stack = new EngineStack({ cli, programDir: dir, stack: options.stack, passphrase: options.passphrase });
  const example = exampleConfig(program);
  const config = { ...emulatorStack.config, ...example.config, ...options.config };
  const secretKeys = [...emulatorStack.secretKeys, ...example.secretKeys];
  try {
    await stack.init(config, secretKeys);
  } catch (error) {
    await emulatorStack.emulator.close();
    stack.dispose();
    throw error;
  }
  return { emulator: emulatorStack.emulator, config, secretKeys, stack };
}

export async function closeEngineFixture(fixture: EngineFixture | undefined): Promise<void> {
  if (!fixture) return;
  await fixture.emulator.close();
  fixture.stack.dispose();
}

/**
 * For a describe block: `start` begins a scenario's fixture, `current` is it, and an `afterEach`
 * closes it (emulator, backend, config file) whether the test passed or not.
 */
export function engineFixtures(): { start: typeof startEngineFixture; readonly current: EngineFixture; close(): Promise<void> } {
  let current: EngineFixture | undefined;
  const close = async () => {
    await closeEngineFixture(current);
    current = undefined;
  };
  afterEach(close);
  return {
    start: async (program, options) => (current = await startEngineFixture(program, options)),
    get current() {
      if (!current) throw new Error("no engine fixture started in this test");
      return current;
    },
    close,
  };
}

/** `op name` pairs, e.g. `["update basic"]`. */
export function ops(result: CliResult): string[] {
  return imageSteps(result).map((step) => `${step.op} ${step.name}`);
}

/**
 * The account and the state agree: no image alive that the state does not name (unless `unmanaged`
 * lists it), none imported twice (replacements excepted), none in state that is gone; and the
 * emulator saw no request outside DigitalOcean's OpenAPI description.
 */
export function accountProblems(
  emulator: Emulator,
  state: StackExport,
  options: { unmanaged?: readonly number[]; replacements?: readonly { original: number; replacement: number }[] } = {},
): string[] {
  const ids = [...customImages(state).map((resource) => Number(resource.id)), ...(options.unmanaged ?? [])];
  return [
    ...accountingProblems(accounting(emulator, ids, () => true, options.replacements)),
    ...emulator.violations.map(
      (violation) => `OpenAPI violation: ${violation.kind} ${violation.method} ${violation.path}: ${violation.errors.join("; ")}`,
    ),
  ];
}

/** The emulator's request log as `METHOD path` lines, from index `from` on. */
export function requestLines(emulator: Emulator, from = 0): string[] {
  return emulator.requests.slice(from).map((request) => `${request.method} ${request.path}`);
}

/** Resolves once the emulator has accepted an import (its 202): the image exists, and no state names it yet. */
export async function importAccepted(emulator: Emulator, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!emulator.requests.some((request) => request.method === "POST" && request.path === "/v2/images" && request.status === 202)) {
    if (Date.now() > deadline) throw new Error(`no import reached the emulator within ${timeoutMs / 1000} s`);
    // Another process (the CLI's provider) sends the request: nothing to inject a clock into.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
