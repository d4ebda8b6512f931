import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulator } from "pulumi-digitalocean-custom-image-emulator";
import { startEmulatorStack } from "../../tools/runner/emulator-stack";
import { type RunResult, runProgram } from "../../tools/runner/program-runner";

/**
 * Two deployments of one program with the same project, stack and resource names, each with a
 * state of its own (two organizations, two self-managed backends, a CI matrix), on one token:
 * issue #21's defect 2. Neither may adopt, delete or share the other's image.
 */

const FIXTURE = join(__dirname, "fixtures", "images");
const IMAGE = "pulumi-nodejs:dynamic/digitalocean:CustomImage";
/** 11 real seconds: long enough for the second deployment to start while the first one's import runs. */
const IMPORT_MS = 3 * 60 * 60_000;

interface Backends {
  emulator: Emulator;
  /** Runs the fixture (one image, `image-0`, stack `dev`) with the state of backend `backend`. */
  run(backend: "a" | "b", operation: "up" | "destroy"): Promise<RunResult>;
}

async function withTwoBackends(test: (backends: Backends) => Promise<void>): Promise<void> {
  const { emulator, config, secretKeys } = await startEmulatorStack(0.001, { importDurationMs: IMPORT_MS });
  const dir = mkdtempSync(join(tmpdir(), "same-names-"));
  const program = { ...config, "runner-fixture:createTimeoutMinutes": String(IMPORT_MS / 60_000 + 60) };
  const run: Backends["run"] = (backend, operation) =>
    runProgram({ programDir: FIXTURE, operation, stack: "dev", config: program, secretKeys, stateFile: join(dir, `${backend}.json`) });
  try {
    await test({ emulator, run });
    expect(emulator.violations).toEqual([]);
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const imageId = (result: RunResult) => Number(result.state.resources.find((resource) => resource.type === IMAGE)?.id);
const importPosts = (emulator: Emulator) =>
  emulator.requests.filter((request) => request.method === "POST" && request.path === "/v2/images");

describe("two stacks with the same project, stack and resource names, in two backends on one token", () => {
  // Each test runs two or three program processes around an import of 11 real seconds; on a loaded
  // machine their start-up alone can take the default 30 s.
  jest.setTimeout(120_000);

  test("importing at once, each ends with an image of its own, and neither deletes the other's as a late copy", () =>
    withTwoBackends(async ({ emulator, run }) => {
      const [a, b] = await Promise.all([run("a", "up"), run("b", "up")]);
      expect([a.errors, b.errors]).toEqual([[], []]);
      expect(imageId(a)).not.toBe(imageId(b));
      expect(
        emulator
          .audit()
          .map((entry) => [entry.id, entry.fate])
          .sort(),
      ).toEqual(
        [
          [imageId(a), "available"],
          [imageId(b), "available"],
        ].sort(),
      );
      expect(emulator.requests.filter((request) => request.method === "DELETE" && request.path.startsWith("/v2/images/"))).toEqual([]);
      expect([...a.providerLogs, ...b.providerLogs].filter((line) => /Adopting|second copy/.test(line))).toEqual([]);
    }));

  test("one starting while the other's import runs imports its own instead of adopting it, and destroying it leaves the other's image", () =>
    withTwoBackends(async ({ emulator, run }) => {
      const first = run("a", "up");
      while (importPosts(emulator).length === 0) await emulator.clock.sleep(5_000);

      const second = await run("b", "up");
      expect(second.errors).toEqual([]);
      const a = await first;
      expect(a.errors).toEqual([]);
      expect(imageId(second)).not.toBe(imageId(a));
      expect(importPosts(emulator)).toHaveLength(2);
      // The second import began before the first create handed its image over (and removed its marker).
      const markerRemoved = emulator.requests.findIndex(
        (request) => request.method === "DELETE" && request.path.startsWith("/v2/tags/pulumi-import"),
      );
      expect(emulator.requests.indexOf(importPosts(emulator)[1]!)).toBeLessThan(markerRemoved);

      const destroyed = await run("b", "destroy");
      expect(destroyed.errors).toEqual([]);
      // DigitalOcean answers for a deleted image a while, as `deleted`.
      expect(emulator.getImage(imageId(second))?.status ?? "gone").toMatch(/^(deleted|gone)$/);
      expect(emulator.getImage(imageId(a))).toMatchObject({ status: "available" });
    }));
});
