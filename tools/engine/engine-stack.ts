import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import yaml from "js-yaml";
import type { PulumiCli } from "./engine-cli";
import { offlineEnv } from "./offline-env";
import { REPO_ROOT } from "../shared/example-package";

/**
 * One stack of one installed program, driven through the real Pulumi CLI with the offline settings.
 * Commands that run the program (`preview`, `up`) get a fresh program server (program-server.ts)
 * and `--client`; every command's output is kept, so a test can search all of it for a token.
 */

const TSX = join(REPO_ROOT, "node_modules", ".bin", "tsx");
const PROGRAM_SERVER = join(__dirname, "program-server.ts");
/** Commands that need a language runtime: they take `--client`. */
const RUNS_PROGRAM = new Set(["preview", "up", "update"]);
/**
 * `pulumi import` has no `--client` flag but loads the project's language runtime; the engine's
 * "client" runtime in Pulumi.yaml (the one `--client` sets) gives it the program server instead.
 */
const CLIENT_RUNTIME_IN_PROJECT = new Set(["import"]);

export interface EngineEvent {
  sequence?: number;
  resourcePreEvent?: { metadata: StepMetadata };
  resOutputsEvent?: { metadata: StepMetadata };
  resOpFailedEvent?: { metadata: StepMetadata };
  diagnosticEvent?: { message: string; severity: string; urn?: string };
  summaryEvent?: { resourceChanges?: Record<string, number> };
  [kind: string]: unknown;
}

export interface StepMetadata {
  op: string;
  urn: string;
  type: string;
  diffs?: string[];
  keys?: string[];
  old?: { id?: string; outputs?: Record<string, unknown> } | null;
  new?: { id?: string; outputs?: Record<string, unknown> } | null;
}

export interface CliResult {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The engine's events (`--event-log`) for preview, up, refresh and destroy. */
  events: EngineEvent[];
}

export interface RunOptions {
  /** Resolve instead of throwing on a non-zero exit. */
  allowFailure?: boolean;
  /** Called once the CLI runs, with its process: its pid is also its process group id. */
  onStart?: (cli: ChildProcess) => void;
  /** Every chunk the CLI prints, as it comes. */
  onOutput?: (text: string) => void;
  /** Extra environment for this command only. */
  env?: Record<string, string>;
}

export class CliError extends Error {
  override name = "CliError";
  constructor(readonly result: CliResult) {
    super(`pulumi ${result.args.join(" ")} exited ${result.code ?? result.signal}\n${result.stdout}\n${result.stderr}`);
  }
}

export interface EngineStackOptions {
  cli: PulumiCli;
  /** An installed program's folder (installPrograms). */
  programDir: string;
  /** Entry file relative to programDir, compiled JavaScript. */
  entry?: string;
  stack?: string;
  /** Receives every command line and everything the CLI prints, as it comes (the demo shows it). */
  echo?: (text: string) => void;
  /** Encrypts the stack's secrets; default offline-env.ts's fixed passphrase. */
  passphrase?: string;
}

export class EngineStack {
  readonly env: Record<string, string>;
  readonly stack: string;
  /** Every line any command of this stack printed, stdout and stderr, plus the program servers' output. */
  readonly output: string[] = [];
  private readonly root: string;
  private eventLogs = 0;

  constructor(private readonly options: EngineStackOptions) {
    this.root = mkdtempSync(join(tmpdir(), "custom-image-engine-stack-"));
    this.stack = options.stack ?? "dev";
    // The stack's config file lives in the program's folder: one left by an earlier stack of the same name would leak in.
    rmSync(this.configFile, { force: true });
    const sdkRoot = dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [options.programDir] }));
    // pulumi-resource-pulumi-nodejs, the dynamic-provider plugin, ships in the SDK's package root.
    // PULUMI_DEBUG_COMMANDS unlocks --event-log, as the Automation API does to read the engine's events.
    this.env = {
      ...process.env,
      ...offlineEnv({ root: this.root, pathDirs: [sdkRoot], passphrase: options.passphrase }),
      PULUMI_DEBUG_COMMANDS: "true",
    } as Record<string, string>;
  }

  get programDir(): string {
    return this.options.programDir;
  }

  /** `Pulumi.<stack>.yaml`, where `pulumi config set` writes. */
  get configFile(): string {
    return join(this.options.programDir, `Pulumi.${this.stack}.yaml`);
  }

  /** `pulumi stack init` and the stack config (secret keys with `--secret`). */
  async init(config: Record<string, string>, secretKeys: readonly string[] = []): Promise<void> {
    await this.pulumi(["stack", "init", this.stack]);
    for (const [key, value] of Object.entries(config)) await this.configSet(key, value, secretKeys.includes(key));
  }

  async configSet(key: string, value: string, secret = false): Promise<void> {
    await this.pulumi(["config", "set", ...(secret ? ["--secret"] : []), ...(key.includes("[") ? ["--path"] : []), key, value]);
  }

  async configRemove(key: string): Promise<void> {
    await this.pulumi(["config", "rm", key]);
  }

  preview(args: string[] = [], options?: RunOptions): Promise<CliResult> {
    return this.pulumi(["preview", ...args], options);
  }

  up(args: string[] = [], options?: RunOptions): Promise<CliResult> {
    return this.pulumi(["up", "--yes", "--skip-preview", ...args], options);
  }

  refresh(args: string[] = [], options?: RunOptions): Promise<CliResult> {
    return this.pulumi(["refresh", "--yes", "--skip-preview", ...args], options);
  }

  destroy(args: string[] = [], options?: RunOptions): Promise<CliResult> {
    return this.pulumi(["destroy", "--yes", "--skip-preview", ...args], options);
  }

  /** `pulumi stack export` (secrets stay encrypted). */
  async exportState(): Promise<StackExport> {
    return JSON.parse((await this.pulumi(["stack", "export"])).stdout) as StackExport;
  }

  /** `pulumi stack import` of a state such as `exportState` returns. */
  async importState(state: StackExport): Promise<void> {
    const file = join(this.root, "import.json");
    writeFileSync(file, JSON.stringify(state));
    await this.pulumi(["stack", "import", "--file", file]);
  }

  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.pulumi(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
  }

  /** Runs `pulumi <args>` for this stack; throws CliError on a non-zero exit unless allowed. */
  async pulumi(args: string[], options: RunOptions = {}): Promise<CliResult> {
    const command = args[0]!;
    // As a user would type it; the flags added below only wire the CLI to this harness.
    const shown = args.includes("--secret") ? [...args.slice(0, -1), "<secret>"] : args;
    this.options.echo?.(`$ pulumi ${shown.join(" ")}\n`);
    const full = [...args, "--stack", this.stack, "--non-interactive", "--color", "never"];
    let eventLog: string | undefined;
    if (["preview", "up", "update", "refresh", "destroy"].includes(command)) {
      eventLog = join(this.root, `events-${++this.eventLogs}.jsonl`);
      full.push("--event-log", eventLog);
    }
    if (command === "stack" && args[1] === "init") full.splice(full.indexOf("--stack"), 2);
    const server = RUNS_PROGRAM.has(command) || CLIENT_RUNTIME_IN_PROJECT.has(command) ? await this.startProgramServer() : undefined;
    const projectFile = join(this.options.programDir, "Pulumi.yaml");
    const project = readFileSync(projectFile, "utf8");
    if (server && RUNS_PROGRAM.has(command)) full.push("--client", server.address);
    if (server && CLIENT_RUNTIME_IN_PROJECT.has(command)) {
      writeFileSync(
        projectFile,
        yaml.dump({ ...(yaml.load(project) as object), runtime: { name: "client", options: { address: server.address } } }),
      );
    }
    try {
      const result = await this.spawnCli(full, options);
      result.events = eventLog ? readEvents(eventLog) : [];
      if (result.code !== 0 && !options.allowFailure) throw new CliError(result);
      return result;
    } finally {
      server?.stop();
      writeFileSync(projectFile, project);
    }
  }

  /** Removes the stack's temp folder (backend and PULUMI_HOME) and its config file. */
  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
    rmSync(this.configFile, { force: true });
  }

  private spawnCli(args: string[], options: RunOptions): Promise<CliResult> {
    return new Promise((resolve, reject) => {
      // Its own process group, as a CI job's: a test can signal the CLI and every process it started.
      const child = spawn(this.options.cli.path, args, {
        cwd: this.options.programDir,
        env: { ...this.env, ...options.env },
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk;
        options.onOutput?.(String(chunk));
        this.options.echo?.(String(chunk));
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk;
        options.onOutput?.(String(chunk));
        this.options.echo?.(String(chunk));
      });
      child.on("error", reject);
      child.on("close", (code, signal) => {
        this.output.push(...stdout.split("\n"), ...stderr.split("\n"));
        resolve({ args, code, signal, stdout, stderr, events: [] });
      });
      options.onStart?.(child);
    });
  }

  private async startProgramServer(): Promise<{ address: string; stop(): void }> {
    const child = spawn(TSX, [PROGRAM_SERVER, this.options.programDir, this.options.entry ?? join("bin", "index.js")], {
      cwd: this.options.programDir,
      env: this.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stderr.on("data", (chunk: Buffer) => this.output.push(...String(chunk).split("\n")));
    const lines = createInterface({ input: child.stdout });
    const address = await new Promise<string>((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`the program server exited ${code} before listening`)));
      lines.once("line", (line) => resolve((JSON.parse(line) as { address: string }).address));
    });
    lines.on("line", (line) => this.output.push(line));
    return {
      address,
      stop: () => {
        child.stdin.end();
        child.kill("SIGTERM");
      },
    };
  }
}

export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  parent?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  initErrors?: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  external?: boolean;
}

export interface StackExport {
  version: number;
  deployment: {
    resources?: StateResource[];
    pending_operations?: { resource: StateResource; type: string }[];
  };
}

export interface Step {
  op: string;
  /** The resource's name (the URN's last part). */
  name: string;
  /**
   * The keys the CLI shows after `[diff: ...]`, without their `~`/`+`/`-`. The engine's events
   * carry none for a dynamic provider (its diff reports no changed keys): the display compares the
   * old and new inputs itself, so they are read from the CLI's own output.
   */
  diffs: string[];
  id?: string;
}

/** The engine's steps for the CustomImage resources, as its events report them, in order. */
export function imageSteps(result: CliResult): Step[] {
  return result.events.flatMap((event) => {
    const metadata = event.resourcePreEvent?.metadata;
    if (!metadata || !isCustomImageType(metadata.type)) return [];
    const name = metadata.urn.split("::").at(-1)!;
    return [{ op: metadata.op, name, diffs: displayedDiff(result.stdout, name), id: metadata.old?.id ?? metadata.new?.id }];
  });
}

/** The keys of the first `[diff: ~a, +b]` the CLI printed for the resource named `name`. */
export function displayedDiff(stdout: string, name: string): string[] {
  const line = stdout.split("\n").find((text) => text.includes(`:CustomImage ${name} `) && text.includes("[diff: "));
  const keys = line ? /\[diff: ([^\]]*)\]/.exec(line)?.[1] : undefined;
  return keys ? keys.split(",").map((key) => key.trim().replace(/^[~+-]+/, "")) : [];
}

/** The dynamic resources (CustomImage) in an exported state. */
export function customImages(state: StackExport): StateResource[] {
  return (state.deployment.resources ?? []).filter((resource) => isCustomImageType(resource.type));
}

/** A dynamic resource that is not the CustomImageScope beside each image (src/custom-image-scope.ts). */
function isCustomImageType(type: string): boolean {
  return type.startsWith("pulumi-nodejs:dynamic") && !type.endsWith(":CustomImageScope");
}

function readEvents(file: string): EngineEvent[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as EngineEvent];
      } catch {
        return []; // a line cut short by a killed CLI
      }
    });
}
