import { resolve } from "node:path";
import { assertBuilt, linkExamplePackage } from "../shared/example-package";
import { type ProviderHost, type ProviderHostOptions, startProviderHost } from "../provider-host/provider-host";
import type { RegisterMessage } from "./child-protocol";
import { Deployment, type Step } from "./deployment";
import { followLogs } from "./follow-logs";
import { headerLine, type Operation, outputLines, seconds, stepLine, summaryLines } from "./plan-printer";
import { runProgramProcess } from "./program-process";
import { readProject } from "./read-project";
import { loadState, saveState, type StackState } from "./state-file";

export type { Operation } from "./plan-printer";
export type { Step, StepKind } from "./deployment";
export type { ResourceState, StackState } from "./state-file";

/**
 * Runs a real, unchanged Pulumi program (a folder with Pulumi.yaml and index.ts) the way
 * `pulumi preview | up | refresh | destroy` would, for dynamic resources only, with the SDK's
 * mocks standing in for the engine's resource monitor and a JSON file standing in for the
 * backend. A test and demo tool, not an engine: tools/runner/README.md lists what it leaves out.
 */
export interface RunProgramOptions {
  /** The program's folder (Pulumi.yaml, index.ts); the provider host runs there too. */
  programDir: string;
  operation: Operation;
  /** Default "dev". */
  stack?: string;
  /** Stack config with namespaced keys (`digitalocean:token`, `<project>:description`), as `pulumi config` holds it. */
  config?: Record<string, string>;
  /** Keys of `config` set with `--secret`. */
  secretKeys?: string[];
  /** Created by the first `up`; read and rewritten by every operation except preview. */
  stateFile: string;
  /** Receives the Pulumi-like output, line by line; default: nothing is printed. */
  print?: (line: string) => void;
  /** Environment for the provider host (e.g. `DIGITALOCEAN_TOKEN`); the host gets no DigitalOcean variable otherwise. */
  hostEnv?: ProviderHostOptions["env"];
}

export interface RunResult {
  operation: Operation;
  /** No program error, no failed step. */
  ok: boolean;
  /** Every step in the order it began: the plan of a preview, what was done otherwise. */
  steps: Step[];
  /** The stack's outputs in the engine's wire form: preview's unknowns are UNKNOWN, secrets signature objects. */
  outputs: Record<string, unknown>;
  /** Failed steps and program errors, as printed. */
  errors: string[];
  /** The state after the run (a preview's is the one it started from). */
  state: StackState;
  /** Every line the provider host printed (`info: [runtime] Importing ...`). */
  providerLogs: string[];
  /** Every line the program printed. */
  programOutput: string[];
  /** Real milliseconds: starting the host, running the program's process, the whole run. */
  timings: { hostStartMs: number; programMs?: number; totalMs: number };
}

const DEFAULT_STACK = "dev";
/** Lines of pulumi.log from the provider; the host's other output (stack traces) stays in `providerLogs`. */
const PROVIDER_LOG = /^(debug|info|warning|error): (\[runtime\] )?/;

export async function runProgram(options: RunProgramOptions): Promise<RunResult> {
  const started = performance.now();
  const print = options.print ?? (() => undefined);
  const { operation, programDir, stateFile } = options;
  const stack = options.stack ?? DEFAULT_STACK;
  const config = options.config ?? {};
  const secretKeys = options.secretKeys ?? [];
  const { name: project, main } = readProject(programDir);
  const old = loadState(stateFile, project, stack);
  // What a user's `npm install` in the program's folder provides, checked before any process starts.
  assertBuilt();
  linkExamplePackage(programDir);
  const preview = operation === "preview";
  print(headerLine(operation, stack));

  // The engine starts one host per deployment and configures it once with the whole stack config.
  // It starts while the program's process starts: each takes about half a second.
  const hostReady = startConfiguredHost(programDir, project, options.hostEnv, config, secretKeys);
  const providerLogs: string[] = [];
  const programOutput: string[] = [];
  let unfollow = () => {};
  const deploymentReady = hostReady.then((host) => {
    unfollow = followLogs(host.logs, (line) => {
      providerLogs.push(line);
      if (PROVIDER_LOG.test(line)) print(`    ${line.replace(PROVIDER_LOG, "$1: ")}`);
    });
    return new Deployment({
      host,
      old,
      preview,
      onStep: (step, phase) => {
        const line = stepLine(step, phase, preview);
        if (line) print(line);
        if (phase === "failed") print(`    error: ${step.error}`);
      },
      onNote: (text) => print(`    ${text}`),
    });
  });

  // Awaited below on every path but a crash of the program's process, which must not add an unhandled rejection.
  deploymentReady.catch(() => undefined);

  try {
    let state: StackState;
    let outputs = old.outputs;
    const errors: string[] = [];
    let programMs: number | undefined;
    let deployment: Deployment;
    if (operation === "refresh") {
      deployment = await deploymentReady;
      state = await deployment.refresh();
    } else if (operation === "destroy") {
      deployment = await deploymentReady;
      state = await deployment.destroy();
    } else {
      const programStarted = performance.now();
      const refusals: string[] = [];
      const done = await runProgramProcess({
        start: { programDir, entry: resolve(programDir, main ?? "."), project, stack, config, secretKeys, preview },
        onRegister: async (message: RegisterMessage) => {
          try {
            return await (await deploymentReady).register(message);
          } catch (error) {
            refusals.push(error instanceof Error ? error.message : String(error));
            throw error;
          }
        },
        onOutput: (line) => {
          programOutput.push(line);
          print(`    ${line}`);
        },
      });
      programMs = performance.now() - programStarted;
      deployment = await deploymentReady;
      // The SDK reports a failed registration again ("failed to register new resource ..."): report each failure once.
      const programErrors = done.errors.filter((error) => !refusals.some((refusal) => error.includes(refusal)));
      for (const error of programErrors) print(`error: ${error}`);
      errors.push(...programErrors);
      const succeeded = done.errors.length === 0 && deployment.errors.length === 0;
      // A failed program registers whatever outputs it got to (often none): keep the last good ones.
      if (succeeded && done.outputs) outputs = done.outputs;
      state = await deployment.finish(succeeded, preview ? old.outputs : outputs);
    }
    errors.unshift(...deployment.errors);
    if (!preview) saveState(stateFile, state);

    for (const line of operation === "up" || preview ? outputLines(outputs) : []) print(line);
    for (const line of summaryLines(deployment.steps, preview)) print(line);
    const totalMs = performance.now() - started;
    print(`Duration: ${seconds(totalMs)}${errors.length > 0 ? `, ${errors.length} error(s)` : ""}`);
    return {
      operation,
      ok: errors.length === 0,
      steps: deployment.steps,
      outputs,
      errors,
      state: preview ? old : state,
      providerLogs,
      programOutput,
      timings: { hostStartMs: (await hostReady).startupMs, programMs, totalMs },
    };
  } finally {
    unfollow();
    await (await hostReady.catch(() => undefined))?.close();
  }
}

async function startConfiguredHost(
  programDir: string,
  project: string,
  env: ProviderHostOptions["env"],
  config: Record<string, string>,
  secretKeys: string[],
): Promise<ProviderHost> {
  const host = await startProviderHost({ cwd: programDir, project, env });
  try {
    await host.configure(config, secretKeys);
  } catch (error) {
    await host.close();
    throw error;
  }
  return host;
}
