import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startEmulator, type Emulator, type EmulatorOptions } from "pulumi-digitalocean-custom-image-emulator";

/**
 * Builds and runs tools/anchor/godo-lifecycle, the anchor's API client (godo) driven through the
 * custom-image lifecycle of terraform-provider-digitalocean, against an emulator in real time:
 * godo runs on its own clock, so imports take 1.5 s and transfers 0.8 s.
 */

const run = promisify(execFile);
const SOURCE = join(__dirname, "godo-lifecycle");
const TIMINGS = { importDurationMs: 1_500, transferDurationMs: 800 } satisfies EmulatorOptions;

export interface Step {
  step: string;
  image?: { id: number; name: string; status: string; regions?: string[]; description?: string; error_message?: string };
  action?: { id: number; status: string; regionSlug: string; completedAt?: string };
  polls?: number;
  pages?: number;
  listed?: number;
  error?: string;
}

export interface GodoLifecycle {
  run(emulator: Emulator, args?: string[]): Promise<{ exitCode: number; steps: Step[] }>;
  remove(): void;
}

export async function buildGodoLifecycle(): Promise<GodoLifecycle> {
  const dir = mkdtempSync(join(tmpdir(), "godo-lifecycle-"));
  const binary = join(dir, "godo-lifecycle");
  try {
    await run("go", ["build", "-trimpath", "-o", binary, "."], { cwd: SOURCE });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`test:anchor needs Go (\`go\` on PATH) to build tools/anchor/godo-lifecycle: ${stderr?.trim() || message}`);
  }
  return {
    async run(emulator, args = []) {
      const env = { ...process.env, DIGITALOCEAN_TOKEN: "test-token" };
      try {
        const { stdout } = await run(binary, ["-endpoint", emulator.url, "-poll", "100ms", ...args], { env });
        return { exitCode: 0, steps: parseSteps(stdout) };
      } catch (error) {
        const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
        if (code === 2) throw new Error(`godo-lifecycle refused its arguments: ${stderr}`);
        return { exitCode: code, steps: parseSteps(stdout) };
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function parseSteps(stdout: string): Step[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Step);
}

/** The emulator's operations in order, a run of identical polls or pages counted once. */
export function operations(emulator: Emulator): string[] {
  const ids = emulator.requests.map((request) => request.operationId ?? `${request.method} ${request.path}`);
  return ids.filter((id, index) => index === 0 || id !== ids[index - 1] || !/_(get|list)$/.test(id));
}

/** Runs `body` against a fresh real-time emulator, closed in `finally`; any spec violation fails the test. */
export async function withRealTimeEmulator(body: (emulator: Emulator) => Promise<void>, timings: EmulatorOptions = TIMINGS): Promise<void> {
  const emulator = await startEmulator(timings);
  try {
    await body(emulator);
    expect(emulator.violations).toEqual([]);
  } finally {
    await emulator.close();
  }
}
