/**
 * Messages between the program runner (the parent, which plays the engine: it owns the provider
 * host and the state) and the child process that runs one Pulumi program under the SDK's mocks.
 * They travel over Node's IPC channel as JSON, so every value is plain data: unknowns are the
 * engine's UNKNOWN string and secrets are unwrapped (their top-level keys are listed instead).
 */

/** Parent → child, once: what to run, as the engine's language host would be told. */
export interface StartMessage {
  kind: "start";
  programDir: string;
  /** The program's folder, or Pulumi.yaml's `main` resolved against it. */
  entry: string;
  project: string;
  stack: string;
  config: Record<string, string>;
  secretKeys: string[];
  preview: boolean;
}

/** Resource options the runner acts on, and the names of those it would have to ignore. */
export interface RegistrationOptions {
  deleteBeforeReplace: boolean;
  /** Options the program set that the runner does not implement (it fails the resource rather than ignore them). */
  unsupported: string[];
}

/** Child → parent: the program registered a resource (`new`), or read one (`Resource.get`: `readId` set). */
export interface RegisterMessage {
  kind: "register";
  seq: number;
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  parent?: string;
  readId?: string;
  /** As the engine would send them: unknowns as UNKNOWN (preview), secrets unwrapped. */
  inputs: Record<string, unknown>;
  /** Top-level input keys that held a secret; the same output keys are returned as secrets. */
  secretInputs: string[];
  options: RegistrationOptions;
}

/** Parent → child: the registration's id ("" while unknown in preview) and outputs; absent keys are unknown in preview. */
export interface RegisteredMessage {
  kind: "registered";
  seq: number;
  id: string;
  state: Record<string, unknown>;
}

/** Parent → child: the registration failed; the program sees the message as the resource's error. */
export interface RegisterFailedMessage {
  kind: "registerFailed";
  seq: number;
  message: string;
}

/** Child → parent, last: the stack's outputs as the engine receives them, and what the program threw. */
export interface DoneMessage {
  kind: "done";
  /** Undefined when the program failed before the stack registered its outputs. */
  outputs?: Record<string, unknown>;
  errors: string[];
}

export type ParentMessage = StartMessage | RegisteredMessage | RegisterFailedMessage;
export type ChildMessage = RegisterMessage | DoneMessage;
