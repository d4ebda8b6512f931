import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { ResourceState } from "../engine-model/step-generator";

export type { ResourceState };

/**
 * The runner's state between runs: a small JSON file in the spirit of Pulumi's checkpoint
 * (`pulumi stack export`), not its format. Values are stored in plain text: secrets are not encrypted.
 */
export interface StackState {
  version: 1;
  project: string;
  stack: string;
  /** In registration order; deletes run in reverse. */
  resources: ResourceState[];
  /** The stack's outputs from the last `up` (engine wire form: unknowns never, secrets as signature objects). */
  outputs: Record<string, unknown>;
}

export function emptyState(project: string, stack: string): StackState {
  return { version: 1, project, stack, resources: [], outputs: {} };
}

/** The state in `file`, or an empty stack when the file does not exist yet. */
export function loadState(file: string, project: string, stack: string): StackState {
  if (!existsSync(file)) return emptyState(project, stack);
  const state = JSON.parse(readFileSync(file, "utf8")) as StackState;
  if (state.version !== 1) throw new Error(`${file} is not a program runner state file (version ${String(state.version)})`);
  if (state.project !== project || state.stack !== stack) {
    throw new Error(`${file} holds stack ${state.project}/${state.stack}, not ${project}/${stack}`);
  }
  return state;
}

/** Written to a temporary file and renamed, so an interrupted run never leaves half a state file. */
export function saveState(file: string, state: StackState): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
}
