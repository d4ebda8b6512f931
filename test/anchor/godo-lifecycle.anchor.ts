import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { startEmulator, type Emulator, type EmulatorOptions } from "../emulator/emulator";

/**
 * The emulator meets the client of `@pulumi/digitalocean`'s CustomImage: godo, at the version
 * terraform-provider-digitalocean vendors, driven through that provider's custom-image lifecycle
 * by test/anchor/godo-lifecycle (the plugin itself cannot be built here: README.md beside this file).
 * Real time throughout, as godo runs on its own clock: imports take 1.5 s, transfers 0.8 s.
 */

const run = promisify(execFile);
const SOURCE = join(__dirname, "godo-lifecycle");
const TIMINGS = { importDurationMs: 1_500, transferDurationMs: 800 } satisfies EmulatorOptions;

interface Step {
  step: string;
  image?: { id: number; name: string; status: string; regions?: string[]; description?: string; error_message?: string };
  action?: { id: number; status: string; regionSlug: string; completedAt?: string };
  polls?: number;
  error?: string;
}

let buildDir: string;
let binary: string;

beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), "godo-lifecycle-"));
  binary = join(buildDir, "godo-lifecycle");
  try {
    await run("go", ["build", "-trimpath", "-o", binary, "."], { cwd: SOURCE });
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`test:anchor needs Go (\`go\` on PATH) to build test/anchor/godo-lifecycle: ${stderr?.trim() || message}`);
  }
}, 600_000);

afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

async function lifecycle(emulator: Emulator, args: string[] = []): Promise<{ exitCode: number; steps: Step[] }> {
  const env = { ...process.env, DIGITALOCEAN_TOKEN: "test-token" };
  try {
    const { stdout } = await run(binary, ["-endpoint", emulator.url, "-poll", "100ms", ...args], { env });
    return { exitCode: 0, steps: parseSteps(stdout) };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    if (code === 2) throw new Error(`godo-lifecycle refused its arguments: ${stderr}`);
    return { exitCode: code, steps: parseSteps(stdout) };
  }
}

function parseSteps(stdout: string): Step[] {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Step);
}

/** The emulator's operations in order, a run of identical polls or pages counted once. */
function operations(emulator: Emulator): string[] {
  const ids = emulator.requests.map((request) => request.operationId ?? `${request.method} ${request.path}`);
  return ids.filter((id, index) => index === 0 || id !== ids[index - 1] || !/_(get|list)$/.test(id));
}

async function withRealTimeEmulator(body: (emulator: Emulator) => Promise<void>): Promise<void> {
  const emulator = await startEmulator(TIMINGS);
  try {
    await body(emulator);
    expect(emulator.violations).toEqual([]);
  } finally {
    await emulator.close();
  }
}

it("runs create in 3 regions, rename and redescribe, region added, refresh, a paged listing, delete and a second delete with no request or answer the spec rejects", async () => {
  await withRealTimeEmulator(async (emulator) => {
    const { exitCode, steps } = await lifecycle(emulator, ["-regions", "nyc3,sfo3,ams3", "-add-region", "fra1", "-per-page", "2"]);

    expect(steps.filter((step) => step.error)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(steps.map((step) => step.step)).toEqual([
      "create",
      "wait for available",
      "transfer to sfo3",
      "wait for transfer to sfo3",
      "transfer to ams3",
      "wait for transfer to ams3",
      "read after create",
      "update name and description",
      "transfer to fra1",
      "wait for transfer to fra1",
      "refresh",
      "list images, every page",
      "delete",
      "refresh after delete",
      "delete again",
    ]);
    const byName = new Map(steps.map((step) => [step.step, step]));
    expect(byName.get("create")?.image?.status).toBe("NEW");
    expect(byName.get("read after create")?.image?.regions?.sort()).toEqual(["ams3", "nyc3", "sfo3"]);
    expect(byName.get("refresh")?.image).toMatchObject({ name: "anchor-image-renamed", description: "updated by godo", status: "available" });
    expect(byName.get("refresh")?.image?.regions?.sort()).toEqual(["ams3", "fra1", "nyc3", "sfo3"]);
    expect(byName.get("wait for transfer to fra1")?.action).toMatchObject({ status: "completed", regionSlug: "fra1", completedAt: expect.any(String) });
    expect(byName.get("refresh after delete")?.image?.status).toBe("deleted");

    expect(operations(emulator)).toEqual([
      "images_create_custom",
      "images_get",
      ...["sfo3", "ams3"].flatMap(() => ["imageActions_post", "actions_get"]),
      "images_get",
      "images_update",
      "imageActions_post",
      "actions_get",
      "images_get",
      "images_list",
      "images_delete",
      "images_get",
      "images_delete",
    ]);
    const pages = emulator.requests.filter((request) => request.operationId === "images_list").map((request) => request.query);
    expect(pages.length).toBeGreaterThan(2);
    expect(pages).toEqual(pages.map((_, index) => ({ page: String(index + 1), per_page: "2" })));
    expect(byName.get("list images, every page")).toMatchObject({ pages: pages.length, listed: expect.any(Number) });
    const update = emulator.requests.find((request) => request.operationId === "images_update");
    expect(update?.body).toEqual({ name: "anchor-image-renamed", distribution: "Unknown", description: "updated by godo" });
    expect(emulator.audit()).toEqual([expect.objectContaining({ name: "anchor-image-renamed", fate: "deleted" })]);
    expect(emulator.duplicates()).toEqual([]);
  });
});

it("hands a failed import to godo as status deleted with an error message it can report", async () => {
  await withRealTimeEmulator(async (emulator) => {
    const { exitCode, steps } = await lifecycle(emulator, ["-url", "https://images.example.com/anchor.qcow2.zip", "-regions", "nyc3"]);

    expect(exitCode).toBe(1);
    const last = steps.at(-1);
    expect(last?.step).toBe("wait for available");
    expect(last?.image?.status).toBe("deleted");
    expect(last?.error).toMatch(/^image \d+ failed: \S.*zip/);
    expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "failed" })]);
  });
});
