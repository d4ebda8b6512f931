import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulator, EmulatorOptions } from "pulumi-digitalocean-custom-image-emulator";
import { clientFor, FAST } from "../../helpers/emulator-fixture";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../../../tools/provider-host/engine-values";
import { startEmulatorStack } from "../../../tools/runner/emulator-stack";
import { type Operation, type RunResult, runProgram } from "../../../tools/runner/program-runner";

/**
 * The runner itself, on fixtures/images (a program whose config says how many images it declares
 * and how), against the emulator, with the real provider host. Each test is a sequence of
 * runs on one stack; the emulator's request log shows what reached DigitalOcean.
 */

const FIXTURE = join(__dirname, "..", "..", "runner", "fixtures", "images");
const PROJECT = "runner-fixture";
const IMAGE = "pulumi-nodejs:dynamic/digitalocean:CustomImage";

interface Run extends RunResult {
  printed: string[];
}

interface Stack {
  emulator: Emulator;
  stateFile: string;
  /** Runs the fixture with `programConfig` as its project config (`count`, `description`, `url0` ...). */
  run(operation: Operation, programConfig?: Record<string, string>, secrets?: string[]): Promise<Run>;
}

async function withStack(test: (stack: Stack) => Promise<void>, emulatorOptions: EmulatorOptions = {}): Promise<void> {
  const { emulator, config, secretKeys } = await startEmulatorStack(FAST, emulatorOptions);
  const dir = mkdtempSync(join(tmpdir(), "program-runner-"));
  const stateFile = join(dir, "state.json");
  const run: Stack["run"] = async (operation, programConfig = {}, secrets = []) => {
    const printed: string[] = [];
    const project = Object.fromEntries(Object.entries(programConfig).map(([key, value]) => [`${PROJECT}:${key}`, value]));
    const result = await runProgram({
      programDir: FIXTURE,
      operation,
      config: { ...config, ...project },
      secretKeys: [...secretKeys, ...secrets.map((key) => `${PROJECT}:${key}`)],
      stateFile,
      print: (line) => printed.push(line),
    });
    return { ...result, printed };
  };
  try {
    await test({ emulator, stateFile, run });
    expect(emulator.violations).toEqual([]);
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const imageSteps = (result: RunResult) => result.steps.filter((step) => step.type === IMAGE);
const kinds = (result: RunResult) => imageSteps(result).map((step) => `${step.kind} ${step.name}`);
const images = (result: RunResult) => result.state.resources.filter((resource) => resource.type === IMAGE);
const idOf = (result: RunResult, name: string) => result.state.resources.find((resource) => resource.urn.endsWith(`::${name}`))?.id;
const requestsSince = (emulator: Emulator, start: number) =>
  emulator.requests.slice(start).map((request) => `${request.method} ${request.path}`);

describe("the program runner", () => {
  jest.setTimeout(60_000);

  test("preview of a new stack plans every create, reaches no API and writes no state", async () => {
    await withStack(async ({ emulator, stateFile, run }) => {
      const preview = await run("preview", { count: "2" });

      expect(preview.ok).toBe(true);
      expect(kinds(preview)).toEqual(["create image-0", "create image-1"]);
      expect(preview.outputs.imageIds).toEqual([UNKNOWN, UNKNOWN]);
      expect(emulator.requests).toEqual([]);
      expect(existsSync(stateFile)).toBe(false);
      expect(preview.printed).toEqual(
        expect.arrayContaining([
          "Previewing update (dev):",
          expect.stringMatching(/^ \+ {2}pulumi-nodejs:dynamic\/digitalocean:CustomImage +image-0 +create$/),
          "    imageIds    : [[unknown], [unknown]]",
          "    + 5 to create",
        ]),
      );
    });
  });

  test("up creates every image, records it in the state file and prints the outputs", async () => {
    await withStack(async ({ emulator, stateFile, run }) => {
      const up = await run("up", { count: "2" });

      expect(up.ok).toBe(true);
      expect(kinds(up)).toEqual(["create image-0", "create image-1"]);
      const ids = [Number(idOf(up, "image-0")), Number(idOf(up, "image-1"))];
      expect(ids.map((id) => emulator.getImage(id)?.status)).toEqual(["available", "available"]);
      expect(up.outputs.imageIds).toEqual(ids);
      expect(up.printed).toEqual(expect.arrayContaining(["Outputs:", `    imageIds    : [${ids.join(", ")}]`, "    + 5 created"]));
      expect(up.providerLogs).toContainEqual(expect.stringMatching(/^info: \[runtime\] Importing image "image-0" \(\d+\) into nyc3/));
      const saved = JSON.parse(readFileSync(stateFile, "utf8")) as RunResult["state"];
      expect(saved).toEqual(up.state);
      expect(images(up)[0]).toMatchObject({
        urn: `urn:pulumi:dev::${PROJECT}::${IMAGE}::image-0`,
        id: String(ids[0]),
        inputs: {
          url: "https://example.com/images/image-0.qcow2.gz",
          __provider: expect.stringContaining("pulumi-digitalocean-custom-image/provider"),
        },
        outputs: { imageId: ids[0], status: "available", __provider: expect.any(String) },
      });
    });
  });

  test("a changed description is previewed with check and diff only, reaching no API, then updated in place under the same id", async () => {
    await withStack(async ({ emulator, stateFile, run }) => {
      const created = await run("up");
      const start = emulator.requests.length;
      const state = readFileSync(stateFile, "utf8");

      const preview = await run("preview", { description: "changed" });

      expect(imageSteps(preview).map((step) => [step.kind, step.diffs])).toEqual([["update", ["~description"]]]);
      expect(preview.printed).toContainEqual(expect.stringMatching(/image-0 +update \[diff: ~description\]$/));
      expect(preview.printed).toContain("    ~ 1 to update");
      expect(emulator.requests.length).toBe(start);
      // The same resources with the same values; image-0's CustomImageScope, visited before the
      // failure, comes first now, as in the engine's snapshot of a failed update.
      const byUrn = (text: string) => {
        const saved = JSON.parse(text) as RunResult["state"];
        return { ...saved, resources: [...saved.resources].sort((a, b) => a.urn.localeCompare(b.urn)) };
      };
      expect(byUrn(readFileSync(stateFile, "utf8"))).toEqual(byUrn(state));

      const updated = await run("up", { description: "changed" });

      expect(imageSteps(updated).map((step) => [step.kind, step.diffs])).toEqual([["update", ["~description"]]]);
      expect(idOf(updated, "image-0")).toBe(idOf(created, "image-0"));
      expect(emulator.getImage(Number(idOf(updated, "image-0")))?.description).toBe("changed");
      expect(requestsSince(emulator, start)).not.toContain("POST /v2/images");
    });
  });

  test("a changed url replaces the image, creating the new one before deleting the old", async () => {
    await withStack(async ({ emulator, run }) => {
      const oldId = idOf(await run("up"), "image-0");
      const start = emulator.requests.length;

      const replaced = await run("up", { url0: "https://example.com/images/other.qcow2.gz" });

      expect(imageSteps(replaced).map((step) => [step.kind, step.replaces])).toEqual([["replace", ["url"]]]);
      const newId = idOf(replaced, "image-0");
      expect(newId).not.toBe(oldId);
      const requests = requestsSince(emulator, start);
      expect(requests.indexOf("POST /v2/images")).toBeGreaterThanOrEqual(0);
      expect(requests.indexOf("POST /v2/images")).toBeLessThan(requests.indexOf(`DELETE /v2/images/${oldId}`));
      expect(images(replaced).map((image) => image.id)).toEqual([newId]);
      expect(replaced.printed).toContainEqual(
        expect.stringMatching(new RegExp(`image-0 +replaced \\[diff: ~url\\] \\(id ${oldId} → ${newId}\\)`)),
      );
    });
  });

  test("deleteBeforeReplace deletes the old image before creating its replacement", async () => {
    await withStack(async ({ emulator, run }) => {
      const oldId = idOf(await run("up", { deleteBeforeReplace: "true" }), "image-0");
      const start = emulator.requests.length;

      const replaced = await run("up", { deleteBeforeReplace: "true", url0: "https://example.com/images/other.qcow2.gz" });

      expect(kinds(replaced)).toEqual(["replace image-0"]);
      const requests = requestsSince(emulator, start);
      expect(requests.indexOf(`DELETE /v2/images/${oldId}`)).toBeLessThan(requests.indexOf("POST /v2/images"));
      expect(images(replaced)).toHaveLength(1);
    });
  });

  test("an image the program no longer declares is deleted, and only that one", async () => {
    await withStack(async ({ emulator, run }) => {
      const both = await run("up", { count: "2" });

      const one = await run("up", { count: "1" });

      expect(kinds(one)).toEqual(["same image-0", "delete image-1"]);
      expect(emulator.getImage(Number(idOf(both, "image-1")))?.status ?? "gone").toMatch(/deleted|gone/);
      expect(emulator.getImage(Number(idOf(both, "image-0")))?.status).toBe("available");
      expect(images(one).map((image) => image.id)).toEqual([idOf(both, "image-0")]);
    });
  });

  test("refresh records drift made outside Pulumi in the state, reading only", async () => {
    await withStack(async ({ emulator, run }) => {
      const id = Number(idOf(await run("up"), "image-0"));
      emulator.mutateImage(id, { name: "renamed-by-hand" });
      const start = emulator.requests.length;

      const refreshed = await run("refresh");

      expect(imageSteps(refreshed).map((step) => [step.kind, step.diffs])).toEqual([["update", ["~name"]]]);
      expect(images(refreshed)[0]!.outputs.name).toBe("renamed-by-hand");
      expect(requestsSince(emulator, start).every((request) => request.startsWith("GET "))).toBe(true);
      // The demo goes on to repair the name with `up`.
    });
  });

  test("refresh drops an image deleted outside Pulumi", async () => {
    await withStack(async ({ emulator, run }) => {
      const id = Number(idOf(await run("up"), "image-0"));
      emulator.deleteImageOutOfBand(id);

      const refreshed = await run("refresh");

      expect(kinds(refreshed)).toEqual(["delete image-0"]);
      expect(images(refreshed)).toEqual([]);
    });
  });

  test("destroy deletes every image in reverse order and empties the state", async () => {
    await withStack(async ({ emulator, run }) => {
      const up = await run("up", { count: "2" });
      const start = emulator.requests.length;

      const destroyed = await run("destroy");

      expect(kinds(destroyed)).toEqual(["delete image-1", "delete image-0"]);
      expect(requestsSince(emulator, start)).toEqual([
        `DELETE /v2/images/${idOf(up, "image-1")}`,
        `DELETE /v2/images/${idOf(up, "image-0")}`,
      ]);
      expect(destroyed.state.resources).toEqual([]);
      expect(destroyed.state.outputs).toEqual({});
    });
  });

  test("a partial failure is recorded with the image id, and the next up resumes it", async () => {
    // The import takes 10 simulated minutes and the program allows 1: the create times out after the
    // POST. The next run allows 60, so it finishes however busy the machine is.
    await withStack(
      async ({ emulator, run }) => {
        const failed = await run("up", { createTimeoutMinutes: "1" });

        expect(failed.ok).toBe(false);
        expect(failed.errors).toEqual([expect.stringMatching(/image-0.*recorded with init errors/)]);
        const [recorded] = images(failed);
        expect(recorded).toMatchObject({
          id: expect.stringMatching(/^\d+$/),
          initErrors: [expect.stringMatching(/waiting for the import/i)],
        });
        expect(emulator.audit()).toHaveLength(1);

        const resumed = await run("up", { createTimeoutMinutes: "60" });

        expect(resumed.ok).toBe(true);
        expect(imageSteps(resumed)).toEqual([expect.objectContaining({ kind: "update", resumes: true })]);
        expect(images(resumed)[0]).not.toHaveProperty("initErrors");
        expect(images(resumed)[0]).toMatchObject({ id: recorded!.id, outputs: { status: "available" } });
        expect(emulator.audit()).toHaveLength(1);
      },
      { importDurationMs: 600_000 },
    );
  });

  test("a check failure fails the run before any API call, deletes nothing and leaves the state as it was", async () => {
    await withStack(async ({ emulator, stateFile, run }) => {
      await run("up", { count: "2" });
      const state = readFileSync(stateFile, "utf8");
      const start = emulator.requests.length;

      const failed = await run("up", { count: "1", url0: "ftp://example.com/image.qcow2" });

      expect(failed.ok).toBe(false);
      expect(failed.errors).toEqual([expect.stringMatching(/image-0\): property url has a problem: url "ftp:/)]);
      expect(emulator.requests.length).toBe(start);
      // The same resources with the same values; image-0's CustomImageScope, visited before the
      // failure, comes first now, as in the engine's snapshot of a failed update.
      const byUrn = (text: string) => {
        const saved = JSON.parse(text) as RunResult["state"];
        return { ...saved, resources: [...saved.resources].sort((a, b) => a.urn.localeCompare(b.urn)) };
      };
      expect(byUrn(readFileSync(stateFile, "utf8"))).toEqual(byUrn(state));
    });
  });

  test("CustomImage.get reads an existing image into the program, and destroy forgets it without deleting it", async () => {
    await withStack(async ({ emulator, run }) => {
      const { client } = clientFor(emulator);
      const golden = await client.images.createCustom({
        name: "golden",
        url: "https://example.com/golden.qcow2.gz",
        region: "nyc3",
        distribution: "Ubuntu",
      });
      const start = emulator.requests.length;

      const adopted = await run("up", { count: "0", adoptId: String(golden.id) });

      expect(kinds(adopted)).toEqual(["read adopted"]);
      expect(adopted.outputs.adoptedName).toBe("golden");
      expect(images(adopted)).toEqual([expect.objectContaining({ id: String(golden.id), external: true })]);

      const destroyed = await run("destroy");

      expect(kinds(destroyed)).toEqual(["discard adopted"]);
      expect(requestsSince(emulator, start).filter((request) => request.startsWith("DELETE"))).toEqual([]);
      expect(emulator.getImage(golden.id)?.status).not.toBe("deleted");
    });
  });

  test("a secret input reaches the provider in plain text and comes back to the program as a secret", async () => {
    await withStack(async ({ emulator, run }) => {
      const up = await run("up", { secretDescription: "only for the provider" }, ["secretDescription"]);

      expect(emulator.getImage(Number(idOf(up, "image-0")))?.description).toBe("only for the provider");
      expect(up.outputs.descriptions).toEqual([{ [SIG_KEY]: SECRET_SIG, value: "only for the provider" }]);
      expect(up.printed).toContain("    descriptions: [[secret]]");
    });
  });

  test("a presigned url given as pulumi.secret reaches DigitalOcean whole, comes back as a secret, and is never printed", async () => {
    const signature = "X-Amz-Signature=0123456789abcdef";
    const secretUrl = (version: number) =>
      `https://bucket.example/image.qcow2.gz?X-Amz-Expires=${version}&${signature}&X-Amz-Security-Token=session`;
    await withStack(async ({ emulator, run }) => {
      const up = await run("up", { secretUrl0: secretUrl(1) }, ["secretUrl0"]);
      const changed = await run("preview", { secretUrl0: secretUrl(2) }, ["secretUrl0"]);

      expect(up.ok).toBe(true);
      expect(emulator.requests.find((request) => request.method === "POST" && request.path === "/v2/images")?.body).toMatchObject({
        url: secretUrl(1),
      });
      expect(up.outputs.urls).toEqual([{ [SIG_KEY]: SECRET_SIG, value: secretUrl(1) }]);
      expect(up.printed).toContainEqual(expect.stringMatching(/^ +urls +: \[\[secret\]\]$/));
      expect(kinds(changed)).toEqual(["same image-0"]);
      expect([...up.printed, ...changed.printed].join("\n")).not.toContain(signature);
    });
  });

  test("a resource option the runner does not implement fails that resource instead of being ignored", async () => {
    await withStack(async ({ emulator, run }) => {
      const preview = await run("preview", { protect: "true" });

      expect(preview.ok).toBe(false);
      expect(preview.errors).toEqual([
        expect.stringMatching(/image-0\): the program runner does not implement the resource option\(s\) protect/),
      ]);
      expect(emulator.requests).toEqual([]);
    });
  });
});
