import { fork } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ChildMessage, DoneMessage, ParentMessage, RegisterMessage, StartMessage } from "./child-protocol";

const CHILD_SCRIPT = join(__dirname, "run-program-child.ts");
const REGISTER_TYPESCRIPT = join(__dirname, "swc-register.cts");
/** Node strips types by default from 22.18 and 23.6; from 22.6 on it does so behind this flag. */
const STRIP_TYPES = process.features.typescript ? [] : ["--experimental-strip-types", "--disable-warning=ExperimentalWarning"];

export interface ProgramProcessOptions {
  start: Omit<StartMessage, "kind">;
  /** Plays the engine's part for one registration; a rejection fails that resource in the program. */
  onRegister(message: RegisterMessage): Promise<{ id: string; state: Record<string, unknown> }>;
  /** Every line the program (or the SDK on its behalf) prints to stdout or stderr. */
  onOutput(line: string): void;
}

export interface ProgramProcessResult extends DoneMessage {
  /** Real ms from spawning the process to its first message (loading the SDK and the program). */
  firstMessageMs?: number;
}

/**
 * Runs the program once in a fresh Node process whose `require` compiles TypeScript
 * (swc-register.cts). Resolves when the program and all its registrations are done; rejects only
 * when the process itself fails.
 */
export function runProgramProcess(options: ProgramProcessOptions): Promise<ProgramProcessResult> {
  const env = { ...process.env };
  // Jest's --experimental-vm-modules is not for the program; a developer's Pulumi settings neither.
  for (const name of Object.keys(env)) if (name === "NODE_OPTIONS" || name.startsWith("PULUMI_")) delete env[name];
  const started = performance.now();
  const child = fork(CHILD_SCRIPT, [], {
    cwd: options.start.programDir,
    env,
    execArgv: [...STRIP_TYPES, "--require", REGISTER_TYPESCRIPT],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  createInterface({ input: child.stdout! }).on("line", options.onOutput);
  createInterface({ input: child.stderr! }).on("line", options.onOutput);

  return new Promise<ProgramProcessResult>((resolve, reject) => {
    let done: DoneMessage | undefined;
    let firstMessageMs: number | undefined;
    const send = (message: ParentMessage) => {
      if (child.connected) child.send(message);
    };
    child.on("message", (message: ChildMessage) => {
      firstMessageMs ??= performance.now() - started;
      if (message.kind === "done") {
        done = message;
        return;
      }
      options.onRegister(message).then(
        ({ id, state }) => send({ kind: "registered", seq: message.seq, id, state }),
        (error: unknown) =>
          send({ kind: "registerFailed", seq: message.seq, message: error instanceof Error ? error.message : String(error) }),
      );
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (done) resolve({ ...done, firstMessageMs });
      else reject(new Error(`the program's process exited (code ${code}, signal ${signal}) before the program finished`));
    });
    send({ kind: "start", ...options.start });
  });
}
