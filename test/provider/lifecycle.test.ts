import {
  type DigitalOceanError,
  ForbiddenError,
  ImageDeletedError,
  ImportFailedError,
  NotFoundError,
  UnexpectedResponseError,
  WaitTimeoutError,
} from "../../src/client/errors";
import { check } from "../../src/provider/check";
import { changedInputs, diff } from "../../src/provider/diff";
import { ResourceInitError, create, deleteImage, read, update } from "../../src/provider/lifecycle";
import { importMarker } from "../../src/provider/import-marker";
import { ADOPTING, type CustomImageInputs, type CustomImageOutputs } from "../../src/provider/types";
import type { AuditEntry, Emulator } from "pulumi-digitalocean-custom-image-emulator";
import { ImageWaiter } from "../../src/client/image-waiter";
import { clientFor, withEmulator } from "../helpers/emulator-fixture";
import { runtimeFor } from "../helpers/provider-runtime";

/** Inputs as `check` leaves them, the way the provider receives them. */
function inputs(overrides: Record<string, unknown> = {}): CustomImageInputs {
  const result = check(
    {},
    {
      name: "web",
      url: "https://images.example.com/web.qcow2.gz",
      regions: ["nyc3"],
      distribution: "ubuntu",
      description: "web server",
      tags: ["base"],
      ...overrides,
    },
  );
  expect(result.failures).toEqual([]);
  return result.inputs as unknown as CustomImageInputs;
}

const noUndefined = (value: object) =>
  expect(JSON.stringify(value, (_key, item: unknown) => (item === undefined ? "UNDEFINED" : item))).not.toContain("UNDEFINED");

/** Awaits a setup step that must end as a partial failure saying `message`: a setup that stops failing fails its test. */
async function partialFailure(step: Promise<unknown>, message: RegExp): Promise<ResourceInitError> {
  const error = await step.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ResourceInitError);
  expect((error as Error).message).toMatch(message);
  return error as ResourceInitError;
}

/** The end of a transfer that outlived its one-minute `transferTimeoutMinutes`, the image recorded. */
const transferTimedOut = (id: string, region: string) =>
  new RegExp(
    `waiting for the transfer of image ${id} to ${region} \\(last status "in-progress"\\)\\. Pulumi has recorded the image; run \`pulumi up\` again to resume\\.$`,
  );

describe("create", () => {
  test("imports into the region, waits until available and returns every output, with no diff afterwards", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const wanted = inputs();
      const { id, outs } = await create(runtime, wanted);
      expect(outs).toMatchObject({
        ...wanted,
        imageId: Number(id),
        status: "available",
        errorMessage: "",
        regions: ["nyc3"],
        tags: ["base"],
        distribution: "Ubuntu",
        type: "custom",
        public: false,
        slug: null,
      });
      expect(typeof outs.sizeGigabytes).toBe("number");
      expect(typeof outs.minDiskSize).toBe("number");
      expect(outs.createdAt).toMatch(/^\d{4}-/);
      noUndefined(outs);
      expect(diff(id, outs as unknown as Record<string, unknown>, wanted as unknown as Record<string, unknown>)).toMatchObject({
        changes: false,
      });
    }));

  test("reports the status and elapsed time through Pulumi's log every so often while waiting", () =>
    withEmulator({ importDurationMs: 5 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      await create(runtime, inputs());
      const progress = lines.filter((line) => /^info: Importing image "web" \(\d+\): pending after \d+m?\d*s?$/.test(line));
      // A line on the change to pending, then one every 30 s: about ten in five minutes, not one per poll.
      expect(progress.length).toBeGreaterThanOrEqual(5);
      expect(progress.length).toBeLessThanOrEqual(12);
    }));

  test("transfers to the other regions in parallel, each awaited", () =>
    // At 1,000× a millisecond of loopback latency is a simulated second: run this one slower.
    withEmulator({ timeFactor: 0.01, transferDurationMs: 20_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { outs } = await create(runtime, inputs({ regions: ["nyc3", "lon1", "sgp1"] }));
      expect(outs.regions).toEqual(["nyc3", "lon1", "sgp1"]);
      const transfers = emulator.requests.filter((request) => request.method === "POST" && request.path.endsWith("/actions"));
      expect(transfers.map((request) => (request.body as { region: string }).region).sort()).toEqual(["lon1", "sgp1"]);
      // Both started before either could finish: parallel, not one after another.
      expect(Math.abs(transfers[1]!.at - transfers[0]!.at)).toBeLessThan(20_000);
    }));

  test("fails with DigitalOcean's error_message when the import ends deleted, and leaves nothing behind", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const error = await create(runtime, inputs({ url: "https://images.example.com/web.zip" })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ImportFailedError);
      expect(error).not.toBeInstanceOf(ResourceInitError);
      expect((error as Error).message).toMatch(
        /could not import image \d+ \("web"\): We don't support the compression format of your image/,
      );
      expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "failed", status: "deleted" })]);
      expect(emulator.requests.some((request) => request.method === "DELETE")).toBe(true);
    }));

  test("a failed import's message ends DigitalOcean's reason with one full stop and asks to check the url", () =>
    // DigitalOcean answers a failed import as deleted for a while; long enough here for any machine's polling.
    withEmulator({ deletedLingerMs: 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const error = (await create(runtime, inputs({ url: "https://images.example.com/web.zip" })).catch(
        (caught: unknown) => caught,
      )) as ImportFailedError;
      expect(error.message).toMatch(
        /^DigitalOcean could not import image \d+ \("web"\): We don't support the compression format of your image\. Please try again with a supported format \(gzip, bzip2\) or an uncompressed image file\. Nothing was left behind; check the url, then run `pulumi up` again\.$/,
      );
      expect(error.message).not.toContain("..");
      expect(error.apiMessage).toMatch(/^We don't support the compression format/);
    }));

  test.each([
    [
      "answers 404 at once",
      0,
      ImageDeletedError,
      /^waiting for the import of image "web" \((\d+)\): Image \1 is gone \(deleted outside Pulumi, or its import failed and DigitalOcean has removed it\) while waiting for the import of image \1 to become available \(404 at two checks in a row\)\. /,
      /Nothing was recorded; run `pulumi up` again to import it again\.$/,
    ],
    [
      "still answers it as deleted, without a reason",
      60 * 60_000,
      ImportFailedError,
      /^Image (\d+) \("web"\) became "deleted" while waiting for the import of image \1 to become available, and DigitalOcean gave no reason: it was deleted outside Pulumi, or DigitalOcean ended the import without saying why\. /,
      /Nothing was left behind; run `pulumi up` again to import it anew\.$/,
    ],
  ])(
    "an image deleted outside Pulumi during its import (DigitalOcean %s) fails saying so, without blaming the url",
    (_case, deletedLingerMs, errorClass, expected, advice) =>
      withEmulator({ importDurationMs: 5 * 60_000, deletedLingerMs }, async (emulator) => {
        const { runtime } = runtimeFor(emulator);
        const creating = create(runtime, inputs()).catch((caught: unknown) => caught);
        while (emulator.audit().length === 0) await emulator.clock.sleep(1_000);
        emulator.deleteImageOutOfBand(emulator.audit()[0]!.id);

        const error = (await creating) as Error;

        expect(error).toBeInstanceOf(errorClass);
        expect(error.message).toMatch(expected);
        expect(error.message).toMatch(advice);
        expect(error.message).not.toMatch(/url/);
      }),
  );

  test("an error of the lookup for an interrupted import names the import the user asked for, not the lookup's request", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      emulator.inject(
        { kind: "status", status: 403 as 500, body: { id: "forbidden", message: "You do not have access for the attempted action." } },
        { method: "GET", path: "/v2/images" },
      );
      const error = (await create(runtime, inputs()).catch((caught: unknown) => caught)) as DigitalOceanError;
      expect(error.message).toMatch(
        /^importing image "web" from https:\/\/images\.example\.com\/web\.qcow2\.gz into nyc3 failed: 403 forbidden: You do not have access for the attempted action\. This request needs the token scope image:read: use a token with full access or add it to its custom scopes( \(request id [^)]+\))?$/,
      );
      expect(error).toMatchObject({ code: "forbidden", method: "GET", path: "/v2/images?per_page=200&private=true" });
      expect(emulator.audit()).toEqual([]);
    }));

  test("a failed lookup for interrupted imports shared by two creates fails each naming its own import", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      emulator.inject(
        { kind: "status", status: 403 as 500, body: { id: "forbidden", message: "You do not have access for the attempted action." } },
        { method: "GET", path: "/v2/images" },
      );
      const errors = (await Promise.all(
        [create(runtime, inputs()), create(runtime, inputs({ name: "db" }))].map((creating) => creating.catch((caught: unknown) => caught)),
      )) as Error[];
      expect(errors.map((error) => error.message)).toEqual([
        expect.stringMatching(/^importing image "web" from \S+ into nyc3 failed: 403 forbidden: /),
        expect.stringMatching(/^importing image "db" from \S+ into nyc3 failed: 403 forbidden: /),
      ]);
      // Each is a new error about the one listing's, which stays as DigitalOcean's answer made it.
      const [web, db] = errors as DigitalOceanError[];
      expect(web!.cause).toBe(db!.cause);
      expect(web!.cause).toBeInstanceOf(ForbiddenError);
      expect((web!.cause as Error).message).toMatch(
        /^DigitalOcean API GET \/v2\/images\?per_page=200&private=true failed: 403 forbidden: /,
      );
      expect(emulator.requests.filter((request) => request.method === "GET" && request.path === "/v2/images")).toHaveLength(1);
    }));

  test("a failed lookup for an interrupted import fails only its own create: the next create in the same process looks again and imports", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      emulator.inject(
        { kind: "status", status: 403 as 500, body: { id: "forbidden", message: "You do not have access for the attempted action." } },
        { method: "GET", path: "/v2/images" },
      );
      await expect(create(runtime, inputs())).rejects.toMatchObject({ code: "forbidden" });
      const { outs } = await create(runtime, inputs());
      expect(outs.status).toBe("available");
      expect(
        emulator.requests.filter(
          (request) => request.method === "GET" && request.path === "/v2/images" && request.query["private"] === "true",
        ),
      ).toHaveLength(2);
    }));

  test("when DigitalOcean refuses to remove its import marker, fails with a plain error saying the image is not recorded, and the next create adopts it", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      emulator.inject({ kind: "status", status: 403 }, { method: "DELETE", path: /^\/v2\/tags\/pulumi-import/ });
      const error = (await create(runtime, inputs()).catch((caught: unknown) => caught)) as Error;
      const [image] = emulator.audit();
      expect(error).not.toBeInstanceOf(ResourceInitError);
      expect(error.message).toMatch(
        new RegExp(
          `^image "web" \\(${image!.id}\\) could not be handed to Pulumi: removing its import marker tag pulumi-import:\\S+ failed \\(.*403.*\\)\\. Pulumi has not recorded the image; run \`pulumi up\` again with the same program: it adopts the image\\.$`,
        ),
      );
      // The next `pulumi up` runs in a new host process.
      const next = runtimeFor(emulator).runtime;
      expect((await create(next, inputs())).id).toBe(String(image!.id));
      expect(emulator.audit()).toHaveLength(1);
    }));

  test.each([
    ["carried out after the gateway's 504s", { kind: "status-then-process" as const, status: 504 as const, afterMs: 1_000 }],
    ["never carried out (500s)", { kind: "status" as const, status: 500 as const }],
  ])(
    "when removing its import marker gets no clear answer (%s), records the image as a partial failure, and the next update leaves no marker on it",
    (_what, fault) =>
      withEmulator({}, async (emulator) => {
        const { runtime } = runtimeFor(emulator);
        // Every attempt got's retry policy makes (a DELETE is retried five times after a 5xx).
        emulator.inject(fault, { method: "DELETE", path: /^\/v2\/tags\/pulumi-import/, count: 6 });
        const wanted = inputs();
        const error = await partialFailure(
          create(runtime, wanted),
          new RegExp(
            `^image "web" \\(\\d+\\) is imported, but removing its import marker tag ${importMarker(wanted)} got no clear answer \\(.*${fault.status}.*\\), so DigitalOcean may still carry it out\\. Pulumi has recorded the image; run \`pulumi up\` again: it removes the marker if it is still there\\.$`,
          ),
        );
        expect(error.id).toBe(String(emulator.audit()[0]!.id));
        expect(error.properties).toMatchObject({ imageId: Number(error.id), status: "available", tags: ["base"] });
        // The next `pulumi up` updates the recorded image (it has init errors), in a new host process.
        await emulator.clock.sleep(2_000);
        await update(runtimeFor(emulator).runtime, error.id, wanted, error.properties);
        expect(emulator.getImage(Number(error.id))!.tags).toEqual(["base"]);
        expect(emulator.audit()).toHaveLength(1);
      }),
  );

  test("a create that ends as a partial failure and whose marker removal gets no clear answer stays a partial failure and warns about the marker", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      emulator.inject({ kind: "status", status: 503 }, { method: "DELETE", path: /^\/v2\/tags\/pulumi-import/, count: 6 });
      const wanted = inputs({ createTimeoutMinutes: 2 });
      const error = await partialFailure(
        create(runtime, wanted),
        /waiting for the import of image \d+.*run `pulumi up` again to resume\.$/,
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^warn: image "web" \\(${error.id}\\): removing its import marker tag ${importMarker(wanted)} got no clear answer \\(.*503.*\\), so DigitalOcean may still carry it out; the next \`pulumi up\`, which resumes it, removes the marker if it is still there$`,
          ),
        ),
      );
    }));

  test("a failed import whose import marker cannot be removed fails with DigitalOcean's reason, warns about the marker, and the next create with the url checked imports", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      emulator.inject({ kind: "status", status: 500 }, { method: "DELETE", path: /^\/v2\/tags\/pulumi-import/, count: 6 });
      const zip = inputs({ url: "https://images.example.com/web.zip" });
      const error = (await create(runtime, zip).catch((caught: unknown) => caught)) as ImportFailedError;
      expect(error).toBeInstanceOf(ImportFailedError);
      expect(error.message).toMatch(
        /^DigitalOcean could not import image \d+ \("web"\): We don't support the compression format of your image\. .* Nothing was left behind; check the url, then run `pulumi up` again\.$/,
      );
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^warn: Could not remove the import marker tag ${importMarker(zip)}, which tags no image now \\(.*500.*\\); the next \`pulumi up\` of this resource removes it$`,
          ),
        ),
      );
      // The step it advises, followed: with the url checked, the next `pulumi up` (a new host process) imports the image.
      const { outs } = await create(runtimeFor(emulator).runtime, inputs());
      expect(outs.status).toBe("available");
    }));

  test("reports a wait that runs out of time as a partial failure carrying the image id and its properties", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const error = await create(runtime, inputs({ createTimeoutMinutes: 2 })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ResourceInitError);
      const partial = error as ResourceInitError;
      const imageId = emulator.audit()[0]!.id;
      expect(partial.id).toBe(String(imageId));
      expect(partial.properties).toMatchObject({ imageId, name: "web", url: "https://images.example.com/web.qcow2.gz", status: "pending" });
      // The import is on its way to nyc3: no input differs, and the next preview shows the update that resumes the wait.
      expect(
        changedInputs(
          partial.properties as Record<string, unknown>,
          inputs({ createTimeoutMinutes: 2 }) as unknown as Record<string, unknown>,
        ),
      ).toEqual({ changes: [], replaces: [] });
      expect(
        diff(
          partial.id,
          partial.properties as Record<string, unknown>,
          inputs({ createTimeoutMinutes: 2 }) as unknown as Record<string, unknown>,
        ),
      ).toMatchObject({ changes: true, replaces: [] });
      expect(partial.message).toMatch(
        new RegExp(
          `^Timed out after 2m(\\d+s)? waiting for the import of image ${imageId} to become available \\(last status "(NEW|pending)"\\)\\. Pulumi has recorded the image; run \`pulumi up\` again to resume\\.$`,
        ),
      );
      // The wait's own error stays reachable, with its class, code and image id.
      expect(partial.cause).toBeInstanceOf(WaitTimeoutError);
      expect(partial.cause).toMatchObject({ code: "wait_timeout", imageId });
      noUndefined(partial.properties);
    }));

  test("an image that answers 404 while its import is waited for fails the create plainly, and is deleted in case the 404s were a proxy's: nothing is left unrecorded", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { creating, image } = await createWhoseImageAnswers404(emulator);

      const error = (await creating) as Error;

      expect(error).toBeInstanceOf(ImageDeletedError);
      expect(error).not.toBeInstanceOf(ResourceInitError);
      expect(error.message).toBe(
        `waiting for the import of image "web" (${image!.id}): Image ${image!.id} is gone (deleted outside Pulumi, or its import failed and DigitalOcean has removed it) while waiting for the import of image ${image!.id} to become available (404 at two checks in a row). Nothing was recorded; run \`pulumi up\` again to import it again.`,
      );
      // The error the wait ended with stays reachable as the cause, with its own class and image id.
      expect(error.cause).toBeInstanceOf(ImageDeletedError);
      expect(error.cause).toMatchObject({ imageId: image!.id });
      expect((error.cause as Error).message).toMatch(new RegExp(`^Image ${image!.id} is gone `));
      expect(emulator.audit()).toEqual([expect.objectContaining({ id: image!.id, fate: "deleted" })]);
    }));

  test("never prints a presigned URL's signature in an error", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      emulator.inject({ kind: "status", status: 429, headers: { "retry-after": "1" } }, { method: "POST", count: 10 });
      const url = "https://bucket.nyc3.digitaloceanspaces.com/web.img?X-Amz-Signature=secretsig&X-Amz-Credential=AKIA";
      const error = (await create(runtime, inputs({ url })).catch((caught: unknown) => caught)) as Error;
      expect(error.message).toContain("https://bucket.nyc3.digitaloceanspaces.com/web.img");
      expect(error.message).not.toContain("secretsig");
    }));
});

describe("an interrupted create", () => {
  test("leaves an image marked so that the next create adopts it instead of importing a second copy", () =>
    withEmulator({ importDurationMs: 5 * 60_000 }, async (emulator) => {
      const wanted = inputs();
      // The first run's host dies after the POST, before Pulumi records anything.
      const first = runtimeFor(emulator).runtime;
      const interrupted = create(first, wanted);
      await emulator.clock.sleep(60_000);
      const [orphan] = emulator.audit();
      expect(emulator.getImage(orphan!.id)!.tags).toEqual(["base", importMarker(wanted)]);

      const { runtime, lines } = runtimeFor(emulator);
      const { id, outs } = await create(runtime, wanted);
      expect(Number(id)).toBe(orphan!.id);
      expect(emulator.audit()).toHaveLength(1);
      expect(lines).toContain(
        `warn: Adopting image "web" (${id}), imported by an earlier run that was interrupted before Pulumi recorded it (status pending)`,
      );
      expect(outs.tags).toEqual(["base"]);
      expect(emulator.getImage(Number(id))!.tags).toEqual(["base"]);
      // The first run, left to go on in this process, ends with the same image: one import in all.
      await expect(interrupted).resolves.toMatchObject({ id, outs: { status: "available" } });
    }));

  test("interrupted during a transfer, is finished by the next create, which waits for that transfer instead of starting another", () =>
    withEmulator({ importDurationMs: 60_000, transferDurationMs: 10 * 60_000 }, async (emulator) => {
      const wanted = inputs({ regions: ["nyc3", "lon1"] });
      const interrupted = create(runtimeFor(emulator).runtime, wanted);
      while (!emulator.requests.some((request) => request.method === "POST" && request.path.endsWith("/actions")))
        await emulator.clock.sleep(5_000);

      const { runtime } = runtimeFor(emulator);
      const { id, outs } = await create(runtime, wanted);
      expect(outs.regions).toEqual(["nyc3", "lon1"]);
      expect(emulator.audit()).toHaveLength(1);
      expect(emulator.requests.filter((request) => request.method === "POST" && request.path.endsWith("/actions"))).toHaveLength(1);
      await expect(interrupted).resolves.toMatchObject({ id, outs: { regions: ["nyc3", "lon1"] } });
    }));

  test("a re-signed presigned URL still finds the image the interrupted run imported", () => {
    const signed = (signature: string) =>
      inputs({ url: `https://bucket.example.com/web.img?X-Amz-Signature=${signature}&X-Amz-Credential=AKIA&X-Amz-Date=2026` });
    expect(importMarker(signed("aaa"))).toBe(importMarker(signed("bbb")));
    expect(importMarker(inputs())).not.toBe(importMarker(inputs({ regions: ["lon1"] })));
    expect(importMarker(inputs())).toMatch(/^[a-zA-Z0-9_\-:]{1,255}$/);
  });

  test("is adopted only by the same stack's resource: another stack importing the same image imports its own", () =>
    withEmulator({ importDurationMs: 5 * 60_000 }, async (emulator) => {
      const dev = { ...inputs(), __importScope: "app/dev/web" };
      const prod = { ...inputs(), __importScope: "app/prod/web" };
      expect(importMarker(dev)).not.toBe(importMarker(prod));
      const interrupted = create(runtimeFor(emulator).runtime, dev);
      await emulator.clock.sleep(30_000);
      const { id } = await create(runtimeFor(emulator).runtime, prod);
      expect(emulator.audit().map((entry) => entry.id)).toEqual([expect.any(Number), Number(id)]);
      expect(emulator.audit()[0]!.id).not.toBe(Number(id));
      // The dev stack's run, left to go on, ends with its own image.
      await expect(interrupted).resolves.toMatchObject({ id: String(emulator.audit()[0]!.id) });
    }));

  // Limitations (README): what the scope's nonce cannot tell apart.
  test("a state copied into another stack copies its scope: that stack adopts the import an interrupted create of the original left", () =>
    withEmulator({ importDurationMs: 5 * 60_000 }, async (emulator) => {
      const copied = { ...inputs(), __importScope: "app/dev/web/0123456789abcdef0123456789abcdef" };
      const interrupted = create(runtimeFor(emulator).runtime, copied);
      while (emulator.audit().length === 0) await emulator.clock.sleep(5_000);
      const { id } = await create(runtimeFor(emulator).runtime, copied);
      expect(emulator.audit().map((entry) => entry.id)).toEqual([Number(id)]);
      await interrupted.catch(() => undefined);
    }));

  test("an import interrupted under 0.1.0 (a scope without a nonce) is not adopted after the upgrade: the next create imports its own", () =>
    withEmulator({ importDurationMs: 5 * 60_000 }, async (emulator) => {
      const before = { ...inputs(), __importScope: "app/dev/web" };
      const interrupted = create(runtimeFor(emulator).runtime, before);
      while (emulator.audit().length === 0) await emulator.clock.sleep(5_000);
      expect(emulator.getImage(emulator.audit()[0]!.id)!.tags).toContain(importMarker(before));
      const { id } = await create(runtimeFor(emulator).runtime, {
        ...before,
        __importScope: "app/dev/web/0123456789abcdef0123456789abcdef",
      });
      expect(emulator.audit().map((entry) => entry.id)).toEqual([expect.any(Number), Number(id)]);
      await interrupted.catch(() => undefined);
    }));

  test("removes its marker also when it ends as a partial failure, so a later replacement cannot adopt the recorded image", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const partial = (await create(runtime, inputs({ createTimeoutMinutes: 2 })).catch((caught: unknown) => caught)) as ResourceInitError;
      expect(partial).toBeInstanceOf(ResourceInitError);
      expect(emulator.getImage(Number(partial.id))!.tags).toEqual(["base"]);
    }));

  test("marks an import the same way in every version, so that an import a deployment left interrupted is adopted after an upgrade too", () => {
    // The marker is stored in DigitalOcean as a tag: a changed formula would not find the images
    // an earlier version left, and the next \`up\` would import a second copy.
    const scoped = { ...inputs(), __importScope: "app/dev/web/0123456789abcdef0123456789abcdef" };
    expect(importMarker(scoped)).toBe("pulumi-import:c5a9e61ec262538da5358a24");
  });

  test("two creates of the same image in one process, the second's import request reset after DigitalOcean acted: the second finds its own image by the marker, not the first's, and deletes neither", () =>
    withEmulator({ importDurationMs: 5 * 60_000, transferDurationMs: 5 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      // The first also transfers (same marker: the marker names the first region only), so it
      // still carries the marker when the second looks for its own image by it.
      const first = create(runtime, inputs({ regions: ["nyc3", "lon1"] }));
      await untilRequest(emulator, "POST", /^\/v2\/images$/);
      emulator.inject({ kind: "reset-after-processing" }, { method: "POST", path: "/v2/images" });
      const [a, b] = await Promise.all([first, create(runtime, inputs())]);
      expect(a.id).not.toBe(b.id);
      expect(emulator.audit()).toEqual([
        expect.objectContaining({ id: Number(a.id), fate: "available" }),
        expect.objectContaining({ id: Number(b.id), fate: "available" }),
      ]);
      expect(emulator.getImage(Number(b.id))?.regions).toEqual(["nyc3"]);
      expect(lines.filter((line) => line.startsWith("warn: Deleting"))).toEqual([]);
    }));

  test("two creates of the same image in one process never adopt each other's import, nor delete it as a late copy", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const [a, b] = await Promise.all([create(runtime, inputs()), create(runtime, inputs())]);
      expect(a.id).not.toBe(b.id);
      expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "available" }), expect.objectContaining({ fate: "available" })]);
      expect(lines.filter((line) => line.startsWith("warn:"))).toEqual([]);
    }));
});

describe("update", () => {
  test("resumes a create that timed out, then applies the inputs", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const partial = (await create(runtime, inputs({ createTimeoutMinutes: 2 })).catch((caught: unknown) => caught)) as ResourceInitError;
      const outs = await update(runtime, partial.id, inputs({ createTimeoutMinutes: 30, regions: ["nyc3", "ams3"] }));
      expect(outs).toMatchObject({ status: "available", regions: ["nyc3", "ams3"], createTimeoutMinutes: 30 });
      expect(emulator.audit()).toHaveLength(1);
    }));

  test.each([
    ["name", { name: "web-2" }, { name: "web-2" }],
    ["description", { description: "new words" }, { description: "new words" }],
    ["a cleared description", { description: "" }, { description: "" }],
    ["distribution", { distribution: "debian" }, { distribution: "Debian" }],
  ])("changes %s with one PUT", (_what, change, body) =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      const before = emulator.requests.length;
      const outs = await update(runtime, id, inputs(change));
      const sent = emulator.requests.slice(before).filter((request) => request.method !== "GET");
      expect(sent).toEqual([expect.objectContaining({ method: "PUT", path: `/v2/images/${id}`, body })]);
      expect(outs).toMatchObject(body);
    }),
  );

  test("sends no distribution for an image DigitalOcean reports as Unknown OS while the program says Unknown, and no PUT at all when nothing else changed", () =>
    // The spec's enum lacks `Unknown OS`, so the emulator's answers carrying it are response
    // violations; the provider's requests must still all be valid.
    withEmulator({ allowViolations: true }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs({ distribution: "Unknown" }));
      emulator.mutateImage(Number(id), { distribution: "Unknown OS" });

      const before = emulator.requests.length;
      await update(runtime, id, inputs({ distribution: "Unknown", tags: ["base", "more"] }));
      await update(runtime, id, inputs({ distribution: "Unknown", description: "new words" }));
      const sent = emulator.requests.slice(before).filter((request) => request.method === "PUT");
      expect(sent.map((request) => request.body)).toEqual([{ description: "new words" }]);
      expect(emulator.violations.filter((violation) => violation.kind !== "response")).toEqual([]);
    }));

  test("adds and removes tags through the tag endpoints", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs({ tags: ["base", "old"] }));
      const before = emulator.requests.length;
      const outs = await update(runtime, id, inputs({ tags: ["base", "new"] }));
      expect(outs.tags?.slice().sort()).toEqual(["base", "new"]);
      const sent = emulator.requests
        .slice(before)
        .filter((request) => request.method !== "GET")
        .map((request) => `${request.method} ${request.path}`);
      expect(sent.sort()).toEqual(["DELETE /v2/tags/old/resources", "POST /v2/tags", "POST /v2/tags/new/resources"]);
    }));

  test("adds regions through parallel transfers and returns the full output set", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      const outs = await update(runtime, id, inputs({ regions: ["nyc3", "fra1", "tor1"] }));
      expect(outs.regions).toEqual(["nyc3", "fra1", "tor1"]);
      expect(Object.keys(outs)).toEqual(
        expect.arrayContaining([
          "imageId",
          "status",
          "errorMessage",
          "sizeGigabytes",
          "minDiskSize",
          "createdAt",
          "slug",
          "type",
          "public",
          "url",
        ]),
      );
      noUndefined(outs);
    }));

  test("reports an errored transfer as a partial failure naming the region", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      emulator.failTransfers("fra1");
      const error = (await update(runtime, id, inputs({ regions: ["nyc3", "fra1"] })).catch(
        (caught: unknown) => caught,
      )) as ResourceInitError;
      expect(error).toBeInstanceOf(ResourceInitError);
      expect(error.id).toBe(id);
      expect(error.message).toMatch(/fra1/);
    }));
});

describe("an update that finds nothing left to resume", () => {
  // A plain error from update keeps the old state, and update cannot import the image again under
  // the id Pulumi keeps: each of these advises a refresh, and each test runs the steps it advises.

  /** `pulumi refresh` (read finds the image gone), then the next `pulumi up` (a create in a new host process). */
  async function refreshThenUp(emulator: Emulator, id: string, recorded: object, wanted: CustomImageInputs): Promise<void> {
    const { runtime } = runtimeFor(emulator);
    expect(await read(runtime, id, recorded)).toEqual({ props: {} });
    const { id: newId, outs } = await create(runtime, wanted);
    expect(newId).not.toBe(id);
    expect(outs.status).toBe("available");
  }

  test("a resumed import that DigitalOcean fails says to check the url and refresh, and after that the next up imports it", () =>
    withEmulator({ importDurationMs: 10 * 60_000, deletedLingerMs: 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      emulator.failImports("broken", "the file is not a disk image");
      const broken = inputs({ url: "https://images.example.com/broken.img", createTimeoutMinutes: 2 });
      const partial = await partialFailure(create(runtime, broken), /^Timed out after 2m\d*s? waiting for the import of image \d+/);

      const error = (await update(runtime, partial.id, { ...broken, createTimeoutMinutes: 30 }, partial.properties).catch(
        (caught: unknown) => caught,
      )) as ImportFailedError;

      expect(error).toBeInstanceOf(ImportFailedError);
      expect(error.message).toBe(
        `DigitalOcean could not import image ${partial.id} ("web"): the file is not a disk image. Nothing was left behind. Check the url, then run \`pulumi refresh\` to remove it from the stack; the next \`pulumi up\` then imports it again.`,
      );
      await refreshThenUp(emulator, partial.id, partial.properties, inputs());
    }));

  test("an image deleted outside Pulumi that DigitalOcean still lists as deleted says to refresh, and after that the next up imports it", () =>
    withEmulator({ deletedLingerMs: 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id, outs } = await create(runtime, inputs());
      emulator.deleteImageOutOfBand(Number(id));

      const error = (await update(runtime, id, inputs({ description: "new words" }), outs).catch((caught: unknown) => caught)) as Error;

      expect(error).toBeInstanceOf(ImportFailedError);
      expect(error.message).toMatch(
        /\. Nothing was left behind\. Run `pulumi refresh` to remove it from the stack; the next `pulumi up` then imports it again\.$/,
      );
      expect(error.message).not.toMatch(/url/);
      await refreshThenUp(emulator, id, outs, inputs({ description: "new words" }));
    }));

  test("an image that answers 404 says it no longer exists and to refresh, and after that the next up imports it", () =>
    withEmulator({ deletedLingerMs: 0 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id, outs } = await create(runtime, inputs());
      emulator.deleteImageOutOfBand(Number(id));

      const error = (await update(runtime, id, inputs({ description: "new words" }), outs).catch(
        (caught: unknown) => caught,
      )) as DigitalOceanError;

      expect(error).toMatchObject({ name: "NotFoundError", code: "not_found", status: 404 });
      expect(error.message).toMatch(
        new RegExp(
          `^updating image "web" \\(${id}\\): DigitalOcean API GET /v2/images/${id} failed: 404 not_found: .*\\. The image no longer exists \\(deleted outside Pulumi, or a failed import DigitalOcean has removed\\)\\. Run \`pulumi refresh\` to remove it from the stack; the next \`pulumi up\` then imports it again\\.$`,
        ),
      );
      await refreshThenUp(emulator, id, outs, inputs({ description: "new words" }));
    }));
});

describe("a resumed import whose wait runs out again", () => {
  test("records the region the import went into, not the program's new first region, so going back to the old program replaces nothing", () =>
    withEmulator({ importDurationMs: 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const importTimedOut = /^Timed out after 1m\d*s? waiting for the import of image \d+ to become available/;
      const first = await partialFailure(create(runtime, inputs({ createTimeoutMinutes: 1 })), importTimedOut);
      expect(first.properties).toMatchObject({ regions: ["nyc3"] });

      const again = await partialFailure(
        update(runtime, first.id, inputs({ regions: ["ams3", "nyc3"], createTimeoutMinutes: 1 }), first.properties),
        importTimedOut,
      );

      expect(again.properties).toMatchObject({ regions: ["nyc3"], status: expect.stringMatching(/^(NEW|pending)$/) });
      const back = inputs({ createTimeoutMinutes: 1 }) as unknown as Record<string, unknown>;
      expect(diff(again.id, again.properties as Record<string, unknown>, back)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
    }));

  test.each([
    ["as one string", "nyc3"],
    ["as a list whose first region is not a string", [null]],
  ])("with state edited by hand to hold regions %s, records the program's first region", (_case, regions) =>
    withEmulator({ importDurationMs: 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const first = await partialFailure(
        create(runtime, inputs({ createTimeoutMinutes: 1 })),
        /^Timed out after 1m\d*s? waiting for the import/,
      );
      const again = await partialFailure(
        update(runtime, first.id, inputs({ regions: ["nyc3", "ams3"], createTimeoutMinutes: 1 }), {
          ...first.properties,
          regions: regions as never,
        }),
        /^Timed out after 1m\d*s? waiting for the import/,
      );
      expect(again.properties).toMatchObject({ regions: ["nyc3"] });
    }),
  );
});

describe("read", () => {
  test("shows drift in name, description, distribution, tags and regions, which the next diff reports", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const wanted = inputs({ regions: ["nyc3", "lon1"] });
      const { id, outs } = await create(runtime, wanted);
      const unchanged = await read(runtime, id, outs);
      expect(unchanged.props).toEqual(outs);
      emulator.mutateImage(Number(id), {
        name: "renamed",
        description: "edited",
        distribution: "Fedora",
        tags: ["other"],
        regions: ["nyc3"],
      });
      const drifted = await read(runtime, id, outs);
      expect(drifted).toMatchObject({
        id,
        props: { name: "renamed", description: "edited", distribution: "Fedora", tags: ["other"], regions: ["nyc3"], url: wanted.url },
      });
      const result = diff(id, drifted.props as Record<string, unknown>, wanted as unknown as Record<string, unknown>);
      expect(result.changes).toBe(true);
      expect(result.replaces ?? []).toEqual([]);
    }));

  test("keeps a region the image was transferred to outside Pulumi out of the outputs, warns about it, and the next diff proposes nothing", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const wanted = inputs({ regions: ["nyc3", "lon1"] });
      const { id, outs } = await create(runtime, wanted);
      emulator.mutateImage(Number(id), { regions: ["sgp1", "lon1", "nyc3", "ams3"] });

      const refreshed = await read(runtime, id, outs);

      expect(refreshed.props.regions).toEqual(["nyc3", "lon1"]);
      expect(diff(id, refreshed.props as Record<string, unknown>, wanted as unknown as Record<string, unknown>)).toEqual({
        changes: false,
        replaces: [],
        deleteBeforeReplace: false,
      });
      const warning = `warn: image "web" (${id}) is also in regions sgp1, ams3, which the program does not list (transferred outside Pulumi). It stays there and is left out of the \`regions\` output; add it to \`regions\` to manage it.`;
      expect(lines.filter((line) => line.startsWith("warn:"))).toEqual([warning]);
      // An update warns too, and leaves the extra regions alone.
      await update(runtime, id, { ...wanted, description: "changed" });
      expect(lines.filter((line) => line === warning)).toHaveLength(2);
      expect(emulator.getImage(Number(id))?.regions.sort()).toEqual(["ams3", "lon1", "nyc3", "sgp1"]);
    }));

  test("an image deleted out of band is gone (no id), during its deleted linger and after", () =>
    withEmulator({ deletedLingerMs: 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id, outs } = await create(runtime, inputs());
      emulator.deleteImageOutOfBand(Number(id));
      expect(await read(runtime, id, outs)).toEqual({ props: {} });
      await emulator.clock.sleep(61_000);
      expect(await read(runtime, id, outs)).toEqual({ props: {} });
    }));

  test.each([
    [
      "a 503 after every retry",
      { kind: "status", status: 503 } as const,
      /^reading image \d+: DigitalOcean API GET \/v2\/images\/\d+ failed: 503/,
    ],
    [
      "a refusal DigitalOcean might make",
      { kind: "status", status: 422 } as const,
      /^reading image \d+: DigitalOcean API GET \/v2\/images\/\d+ failed: 422/,
    ],
  ])("fails the refresh on %s instead of reporting the image gone, which would drop it from the state", (_case, fault, message) =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id, outs } = await create(runtime, inputs());
      emulator.inject(fault, { method: "GET", path: `/v2/images/${id}`, count: 10 });
      await expect(read(runtime, id, outs)).rejects.toThrow(message);
    }),
  );

  test("adopts an existing image from its id alone, as CustomImage.get does", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs({ regions: ["nyc3", "lon1"] }));
      const adopted = await read(runtime, id, {});
      expect(adopted).toMatchObject({ id, props: { imageId: Number(id), name: "web", status: "available", tags: ["base"] } });
      noUndefined(adopted.props);
    }));

  // The engine takes a Read without id for success, so CustomImage.get (the program's inputs,
  // marked ADOPTING) must fail where a refresh reports the image gone.
  const getting = { name: "adopted", [ADOPTING]: true };
  const checkTheId = "Check the id: `doctl compute image list-user` lists the account's custom images.";

  test("CustomImage.get of an id DigitalOcean answers 404 for fails naming the id, the request and how to find the right id, as a NotFoundError", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const error = (await read(runtime, "987654", getting).catch((caught: unknown) => caught)) as NotFoundError;
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ code: "not_found", method: "GET", path: "/v2/images/987654", status: 404 });
      expect(error.message).toMatch(
        /^CustomImage\.get found no image 987654: DigitalOcean API GET \/v2\/images\/987654 failed: 404 not_found: The resource you were accessing could not be found\. \(request id [0-9a-f-]+\)\. Check the id: /,
      );
      expect(error.message.endsWith(checkTheId)).toBe(true);
      expect(error.cause).toBeInstanceOf(NotFoundError);
    }));

  test("CustomImage.get answered a 404 without a request id (a proxy's) ends its sentence with one full stop", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const details = { method: "GET", path: "/v2/images/987654", status: 404, apiCode: "not_found" };
      const proxys = new NotFoundError({ ...details, apiMessage: "The resource you were accessing could not be found." });
      jest.spyOn(runtime.client.images, "get").mockRejectedValueOnce(proxys);
      const error = (await read(runtime, "987654", getting).catch((caught: unknown) => caught)) as NotFoundError;
      expect(error).toMatchObject({ method: "GET", path: "/v2/images/987654", status: 404, code: "not_found" });
      expect(error.message).toBe(
        `CustomImage.get found no image 987654: DigitalOcean API GET /v2/images/987654 failed: 404 not_found: The resource you were accessing could not be found. ${checkTheId}`,
      );
      expect(error.cause).toBe(proxys);
    }));

  test("CustomImage.get of an image DigitalOcean still answers for as deleted fails naming the id, as a NotFoundError; a refresh reports it gone", () =>
    withEmulator({ deletedLingerMs: 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id, outs } = await create(runtime, inputs());
      emulator.deleteImageOutOfBand(Number(id));
      const error = (await read(runtime, id, getting).catch((caught: unknown) => caught)) as NotFoundError;
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).toBe(`CustomImage.get found no image ${id}: DigitalOcean reports it as deleted. ${checkTheId}`);
      expect(await read(runtime, id, outs)).toEqual({ props: {} });
    }));

  test("a refresh while the import still runs keeps the image in the import's region alone and the program's regions recorded", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const wanted = inputs({ regions: ["nyc3", "lon1"], createTimeoutMinutes: 2 });
      const partial = await partialFailure(create(runtime, wanted), /^Timed out after 2m/);
      const refreshed = await read(runtime, partial.id, partial.properties as Partial<CustomImageOutputs>);
      expect(refreshed).toMatchObject({
        id: partial.id,
        props: { regions: ["nyc3"], requestedRegions: ["nyc3", "lon1"], status: expect.stringMatching(/^(NEW|pending)$/) },
      });
      // The next `up` resumes the import and transfers to lon1 in place.
      expect(diff(partial.id, refreshed.props as Record<string, unknown>, wanted as unknown as Record<string, unknown>)).toEqual({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
      });
      expect(lines.filter((line) => line.startsWith("warn:"))).toEqual([]);
    }));
});

describe("delete", () => {
  test("deletes the image, and deleting it again succeeds", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      await deleteImage(runtime, Number(id));
      await deleteImage(runtime, Number(id));
      await emulator.clock.sleep(120_000);
      await deleteImage(runtime, Number(id));
      expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "deleted" })]);
    }));
});

describe("delete of an image whose import or transfer still runs", () => {
  // DigitalOcean does not document whether it deletes such an image; the emulator does. These
  // tests make it refuse once, with a 422, as DigitalOcean might.
  const refuseOnce = (emulator: Emulator, id: string) =>
    emulator.inject(
      { kind: "status", status: 422, body: { id: "unprocessable_entity", message: "Image is not in a state that allows deletion." } },
      { method: "DELETE", path: `/v2/images/${id}` },
    );

  test("deletes an image still importing, as after a create that timed out", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const partial = (await create(runtime, inputs({ createTimeoutMinutes: 2 })).catch((caught: unknown) => caught)) as ResourceInitError;
      await deleteImage(runtime, Number(partial.id));
      expect(emulator.audit()).toEqual([expect.objectContaining({ id: Number(partial.id), fate: "deleted" })]);
    }));

  test("refused while the import runs, waits for the import to end and deletes the image then", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const partial = (await create(runtime, inputs({ createTimeoutMinutes: 2 })).catch((caught: unknown) => caught)) as ResourceInitError;
      refuseOnce(emulator, partial.id);

      await deleteImage(runtime, Number(partial.id));

      const deletes = emulator.requests.filter((request) => request.method === "DELETE" && request.path === `/v2/images/${partial.id}`);
      expect(deletes.map((request) => request.status)).toEqual([422, 204]);
      const [image] = emulator.audit();
      expect(image).toMatchObject({ fate: "deleted" });
      expect(deletes[1]!.at).toBeGreaterThanOrEqual(image!.createdAt + 10 * 60_000);
      expect(lines).toContain(
        `info: DigitalOcean refused to delete image ${partial.id} (Image is not in a state that allows deletion.) while its import ran: waiting for its import to end, then deleting it`,
      );
    }));

  test("refused while a transfer runs, waits for the transfer alone to end and deletes the image then", () =>
    withEmulator({ transferDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      await partialFailure(
        update(runtime, id, inputs({ regions: ["nyc3", "ams3"], transferTimeoutMinutes: 1 })),
        transferTimedOut(id, "ams3"),
      );
      refuseOnce(emulator, id);

      await deleteImage(runtime, Number(id));

      const transfer = emulator.requests.find((request) => request.method === "POST" && request.path.endsWith("/actions"))!;
      const deletes = emulator.requests.filter((request) => request.method === "DELETE" && request.path === `/v2/images/${id}`);
      const deleted = deletes.at(-1)!;
      expect(deleted).toMatchObject({ status: 204 });
      expect(deleted.at).toBeGreaterThanOrEqual(transfer.at + 10 * 60_000);
      expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "deleted" })]);
      // The image, available, is read once; only the transfer is polled.
      const whileWaiting = emulator.requests.slice(emulator.requests.indexOf(deletes[0]!), emulator.requests.indexOf(deleted));
      expect(whileWaiting.filter((request) => request.method === "GET" && request.path === `/v2/images/${id}`)).toHaveLength(1);
    }));

  test("refused with nothing under way, fails with DigitalOcean's message", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      refuseOnce(emulator, id);
      await expect(deleteImage(runtime, Number(id))).rejects.toThrow(
        new RegExp(
          `^deleting image ${id}: DigitalOcean API DELETE /v2/images/${id} failed: 422 unprocessable_entity: Image is not in a state that allows deletion\\.`,
        ),
      );
    }));
});

describe("replace", () => {
  test("a new url creates a new image before the old one is deleted", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const first = await create(runtime, inputs());
      const wanted = inputs({ url: "https://images.example.com/web-v2.qcow2.gz" });
      expect(diff(first.id, first.outs as unknown as Record<string, unknown>, wanted as unknown as Record<string, unknown>)).toMatchObject({
        replaces: ["url"],
        deleteBeforeReplace: false,
      });
      const second = await create(runtime, wanted);
      await deleteImage(runtime, Number(first.id));
      expect(emulator.audit().map((entry) => [entry.id, entry.fate])).toEqual([
        [Number(first.id), "deleted"],
        [Number(second.id), "available"],
      ]);
    }));
});

/** Every request sent while `body` ran, as `METHOD /path status`. */
async function requestsDuring(emulator: Emulator, body: () => Promise<unknown>): Promise<string[]> {
  const before = emulator.requests.length;
  await body();
  return emulator.requests.slice(before).map((request) => `${request.method} ${request.path} ${request.status}`);
}

async function untilRequest(emulator: Emulator, method: string, path: RegExp): Promise<void> {
  while (
    !emulator.requests.some(
      (request) => request.method === method && path.test(request.path) && request.status !== null && request.status < 300,
    )
  )
    await emulator.clock.sleep(5_000);
}

/** A create whose image, once DigitalOcean has accepted its import, answers 404 to every GET although it exists. */
async function createWhoseImageAnswers404(emulator: Emulator): Promise<{ creating: Promise<unknown>; image: AuditEntry | undefined }> {
  const { runtime } = runtimeFor(emulator);
  const creating = create(runtime, inputs()).catch((caught: unknown) => caught);
  while (emulator.audit().length === 0) await emulator.clock.sleep(1_000);
  const [image] = emulator.audit();
  emulator.inject(
    { kind: "status", status: 404 as 500, body: { id: "not_found", message: "The resource you were accessing could not be found." } },
    { method: "GET", path: `/v2/images/${image!.id}`, count: 1_000 },
  );
  return { creating, image };
}

const refusal = (message: string) => ({ kind: "status", status: 422, body: { id: "unprocessable_entity", message } }) as const;

describe("create, step by step", () => {
  test("says in Pulumi's log that DigitalOcean accepted the import, naming the image and its region", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      expect(lines).toContain(`info: Importing image "web" (${id}) into nyc3: DigitalOcean accepted the import (status NEW)`);
    }));

  test("imports an image without tags when the program gives none: the import marker is all it carries, and only until create returns", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const wanted = inputs({ tags: undefined });
      const { id, outs } = await create(runtime, wanted);
      const post = emulator.requests.find((request) => request.method === "POST" && request.path === "/v2/images")!;
      expect((post.body as { tags: string[] }).tags).toEqual([importMarker(wanted)]);
      expect(outs.tags).toEqual([]);
      expect(emulator.getImage(Number(id))!.tags).toEqual([]);
    }));

  test("lists the account's private images once for every create of the process, when it looks for interrupted imports", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      await create(runtime, inputs());
      await create(runtime, inputs({ name: "db" }));
      expect(
        emulator.requests.filter(
          (request) => request.method === "GET" && request.path === "/v2/images" && request.query["private"] === "true",
        ),
      ).toHaveLength(1);
    }));

  test("an image an interrupted run left is adopted by one create only: the next create of the same image in the process imports its own", () =>
    withEmulator({}, async (emulator) => {
      const wanted = inputs();
      const left = await clientFor(emulator).client.images.createCustom({
        name: "web",
        url: wanted.url,
        region: "nyc3",
        tags: ["base", importMarker(wanted)],
      });
      const { runtime } = runtimeFor(emulator);
      const first = await create(runtime, wanted);
      const second = await create(runtime, wanted);
      expect(Number(first.id)).toBe(left.id);
      expect(Number(second.id)).not.toBe(left.id);
      expect(emulator.audit()).toHaveLength(2);
    }));

  test("an import request reset after DigitalOcean acted is not sent again: the image is found by the marker it carried", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      emulator.inject({ kind: "reset-after-processing" }, { method: "POST", path: "/v2/images" });
      const { id } = await create(runtime, inputs());
      expect(emulator.audit()).toEqual([expect.objectContaining({ id: Number(id) })]);
    }));

  test("an import request reset after DigitalOcean acted, found by its marker with one POST sent, can make no copy: the marker tag is removed as on any create and no late copy is warned of", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const wanted = inputs();
      const marker = importMarker(wanted);
      emulator.inject({ kind: "reset-after-processing" }, { method: "POST", path: "/v2/images" });
      const { id } = await create(runtime, wanted);
      expect(emulator.requests.filter((request) => request.method === "POST" && request.path === "/v2/images")).toHaveLength(1);
      expect(lines.filter((line) => line.includes(marker))).toEqual([]);
      const markerTag = await clientFor(emulator)
        .client.tags.get(marker)
        .catch((caught: unknown) => caught);
      expect(markerTag).toBeInstanceOf(NotFoundError);
      expect(emulator.getImage(Number(id))!.tags).toEqual(["base"]);
    }));

  test("deletes, with a warning, a second copy of the image that an import request carried out late made", () =>
    withEmulator({ importDurationMs: 5 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const wanted = inputs();
      const creating = create(runtime, wanted);
      await untilRequest(emulator, "POST", /^\/v2\/images$/);
      const copy = await clientFor(emulator).client.images.createCustom({
        name: "web",
        url: wanted.url,
        region: "nyc3",
        tags: ["base", importMarker(wanted)],
      });
      const { id } = await creating;
      expect(emulator.audit()).toEqual([
        expect.objectContaining({ id: Number(id), status: "available" }),
        expect.objectContaining({ id: copy.id, status: "deleted" }),
      ]);
      expect(lines).toContain(
        `warn: Deleting image ${copy.id}, a second copy of image ${id} made by an import request DigitalOcean carried out after it had timed out`,
      );
    }));

  test("a create whose look for late copies fails still succeeds, warning that it could not look", () =>
    withEmulator({ importDurationMs: 5 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const wanted = inputs();
      const creating = create(runtime, wanted);
      await untilRequest(emulator, "POST", /^\/v2\/images$/);
      emulator.inject(refusal("refused"), { method: "GET", path: "/v2/images" });
      const { id, outs } = await creating;
      expect(outs.status).toBe("available");
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^warn: Could not check for late copies of image ${id}: .*422 unprocessable_entity: refused`)),
      );
      expect(emulator.getImage(Number(id))!.tags).toEqual(["base"]);
    }));

  test("says in Pulumi's log which transfer it started for each region, naming the action", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs({ regions: ["nyc3", "lon1"] }));
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^info: Transferring image "web" \\(${id}\\) to lon1 \\(action \\d+\\)$`)),
      );
    }));

  test("an image that answers 404 while its import is waited for and cannot be deleted is recorded as a partial failure, so that Pulumi still knows it", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { creating, image } = await createWhoseImageAnswers404(emulator);
      emulator.inject(refusal("refused"), { method: "DELETE", path: `/v2/images/${image!.id}`, count: 1_000 });

      const error = (await creating) as ResourceInitError;

      expect(error).toBeInstanceOf(ResourceInitError);
      expect(error.id).toBe(String(image!.id));
      expect(error.message).toMatch(/ \(404 at two checks in a row\)\. Pulumi has recorded the image; run `pulumi up` again to resume\.$/);
      expect(emulator.audit()).toEqual([expect.objectContaining({ id: image!.id, fate: "importing" })]);
    }));

  test("a wait that runs out while the import runs records the image in the import's region only, and the reason is the message", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const partial = (await create(runtime, inputs({ regions: ["nyc3", "lon1"], createTimeoutMinutes: 2 })).catch(
        (caught: unknown) => caught,
      )) as ResourceInitError;
      expect(partial).toMatchObject({
        name: "ResourceInitError",
        reasons: [partial.message],
        properties: { regions: ["nyc3"], status: "pending" },
      });
    }));

  test("a wait that runs out before DigitalOcean started the import (status NEW) records the image in the import's region too", () =>
    withEmulator({ importDurationMs: 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const partial = (await create(runtime, inputs({ regions: ["nyc3", "lon1"], createTimeoutMinutes: 1 })).catch(
        (caught: unknown) => caught,
      )) as ResourceInitError;
      expect(partial.properties).toMatchObject({ regions: ["nyc3"], status: "NEW" });
    }));

  test("an error that names no request (a response that is not DigitalOcean's) names the import the user asked for", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      jest
        .spyOn(runtime.client.images, "createCustom")
        .mockRejectedValue(new UnexpectedResponseError({}, "DigitalOcean's response did not hold an image object: got null"));
      await expect(create(runtime, inputs())).rejects.toThrow(
        /^importing image "web" from https:\/\/images\.example\.com\/web\.qcow2\.gz into nyc3: DigitalOcean's response did not hold an image object: got null/,
      );
    }));

  test("a failed import whose deletion fails still fails as a failed import, with a warning that it could not be deleted", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      emulator.inject(refusal("refused"), { method: "DELETE", path: /^\/v2\/images\/\d+$/, count: 20 });
      await expect(create(runtime, inputs({ url: "https://images.example.com/web.zip" }))).rejects.toBeInstanceOf(ImportFailedError);
      expect(lines).toContainEqual(expect.stringMatching(/^warn: Could not delete failed import \d+: .*422 unprocessable_entity: refused/));
    }));

  test("a failed import whose reason ends in several dots ends it with one full stop", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      emulator.failImports("broken", "the file is not a disk image...");
      await expect(create(runtime, inputs({ url: "https://images.example.com/broken.img" }))).rejects.toThrow(
        /the file is not a disk image\. Nothing was left behind; check the url/,
      );
    }));

  test("an image a listing shows as deleted (DigitalOcean answers for one a while) is never adopted: the create imports its own", () =>
    withEmulator({}, async (emulator) => {
      const wanted = inputs();
      const left = await clientFor(emulator).client.images.createCustom({
        name: "web",
        url: wanted.url,
        region: "nyc3",
        tags: ["base", importMarker(wanted)],
      });
      emulator.deleteImageOutOfBand(left.id);
      const { runtime } = runtimeFor(emulator);
      jest.spyOn(runtime.client.images, "list").mockResolvedValueOnce([{ ...left, status: "deleted" }]);
      const { id, outs } = await create(runtime, wanted);
      expect(Number(id)).not.toBe(left.id);
      expect(outs.status).toBe("available");
    }));

  test("lists no actions for an image it has just imported: a fresh image has no transfer under way", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs({ regions: ["nyc3", "lon1"] }));
      expect(emulator.requests.filter((request) => request.method === "GET" && request.path === `/v2/images/${id}/actions`)).toEqual([]);
    }));

  test("reports each transfer's progress, and a transfer already under way as such", () =>
    withEmulator({ importDurationMs: 60_000, transferDurationMs: 10 * 60_000 }, async (emulator) => {
      const wanted = inputs({ regions: ["nyc3", "lon1"] });
      const interrupted = create(runtimeFor(emulator).runtime, wanted);
      await untilRequest(emulator, "POST", /\/actions$/);
      const { runtime, lines } = runtimeFor(emulator);
      const { id } = await create(runtime, wanted);
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^info: Transferring image "web" \\(${id}\\) to lon1 \\(action \\d+, already under way\\)$`)),
      );
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^info: Transferring image "web" \\(${id}\\) to lon1: in-progress after \\d+m`)),
      );
      await expect(interrupted).resolves.toMatchObject({ id });
    }));

  test("two errored transfers fail the create as one partial failure naming both regions", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      emulator.failTransfers("fra1");
      emulator.failTransfers("tor1");
      const error = (await create(runtime, inputs({ regions: ["nyc3", "fra1", "tor1"] })).catch(
        (caught: unknown) => caught,
      )) as ResourceInitError;
      expect(error).toBeInstanceOf(ResourceInitError);
      expect(error.message).toMatch(/^transferring image "web" \(\d+\): .*fra1.*; .*tor1/);
      expect(error.properties).toMatchObject({ regions: ["nyc3"] });
    }));
});

describe("an image deleted outside Pulumi during a transfer", () => {
  const slowTransfer = { transferDurationMs: 10 * 60_000, deletedLingerMs: 60_000 };

  async function deleteDuringTransfer(emulator: Emulator): Promise<void> {
    await untilRequest(emulator, "POST", /\/actions$/);
    emulator.deleteImageOutOfBand(emulator.audit()[0]!.id);
  }

  /** An update adding a region, whose image is deleted while the transfer runs: its error. */
  async function updateDeletedDuringTransfer(emulator: Emulator): Promise<{ id: string; error: Error }> {
    const { runtime } = runtimeFor(emulator);
    const { id } = await create(runtime, inputs());
    const updating = update(runtime, id, inputs({ regions: ["nyc3", "ams3"] })).catch((caught: unknown) => caught);
    await deleteDuringTransfer(emulator);
    const error = (await updating) as Error;
    expect(error).toBeInstanceOf(ImageDeletedError);
    return { id, error };
  }

  test("fails a create plainly, saying nothing was recorded", () =>
    withEmulator(slowTransfer, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const creating = create(runtime, inputs({ regions: ["nyc3", "ams3"] })).catch((caught: unknown) => caught);
      await deleteDuringTransfer(emulator);
      const error = (await creating) as Error;
      expect(error).toBeInstanceOf(ImageDeletedError);
      expect(error.message).toMatch(
        /^transferring image "web" \((\d+)\): Image \1 was deleted outside Pulumi while waiting for the transfer of image \1 to ams3 \(404 at two checks in a row\)\. Nothing was recorded; run `pulumi up` again to import it again\.$/,
      );
    }));

  test("fails an update saying that a refresh removes it from the stack", () =>
    withEmulator(slowTransfer, async (emulator) => {
      const { error } = await updateDeletedDuringTransfer(emulator);
      expect(error.message).toMatch(
        /deleted outside Pulumi .*Run `pulumi refresh` to remove it from the stack; the next `pulumi up` then imports it again\.$/,
      );
    }));

  test("fails an update whose transfer ends while DigitalOcean still answers for the deleted image, instead of recording it as deleted", () =>
    withEmulator({ transferDurationMs: 60_000, deletedLingerMs: 60 * 60_000 }, async (emulator) => {
      const { id, error } = await updateDeletedDuringTransfer(emulator);
      expect(error.message).toMatch(
        new RegExp(
          `^reading image "web" \\(${id}\\): DigitalOcean reports the image as deleted\\. The image no longer exists: it was deleted outside Pulumi\\. Run \`pulumi refresh\` to remove it from the stack`,
        ),
      );
    }));
});

describe("update, step by step", () => {
  test("a new description costs one GET and one PUT, nothing else", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      const sent = await requestsDuring(emulator, () => update(runtime, id, inputs({ description: "new" })));
      expect(sent).toEqual([`GET /v2/images/${id} 200`, `PUT /v2/images/${id} 200`]);
    }));

  test("updates a retired image without waiting for an import, and leaves it in place", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      emulator.retireImage(Number(id));
      const sent = await requestsDuring(emulator, () => update(runtime, id, inputs({ description: "new" })));
      expect(sent).toEqual([`GET /v2/images/${id} 200`, `PUT /v2/images/${id} 200`]);
      expect(emulator.getImage(Number(id))).toMatchObject({ status: "retired", description: "new" });
    }));

  test("a description removed from the program is cleared at DigitalOcean", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      await update(runtime, id, inputs({ description: undefined }));
      expect(emulator.requests.filter((request) => request.method === "PUT").map((request) => request.body)).toEqual([{ description: "" }]);
    }));

  test("every tag removed from the program is removed at DigitalOcean", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      const outs = await update(runtime, id, inputs({ tags: undefined }));
      expect(outs.tags).toEqual([]);
      expect(emulator.getImage(Number(id))!.tags).toEqual([]);
    }));

  test("a tag already removed elsewhere (404) is no failure", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      emulator.inject(
        { kind: "status", status: 404 as 500, body: { id: "not_found", message: "The resource you were accessing could not be found." } },
        { method: "DELETE", path: "/v2/tags/base/resources" },
      );
      await expect(update(runtime, id, inputs({ tags: [] }))).resolves.toMatchObject({ imageId: Number(id) });
    }));

  test.each([
    [
      "a name refused",
      { name: "web-2" },
      { method: "PUT", path: /^\/v2\/images\/\d+$/ },
      /^updating image "web-2" \(\d+\): DigitalOcean API PUT/,
    ],
    [
      "a tag refused",
      { tags: ["base", "new"] },
      { method: "POST", path: "/v2/tags" },
      /^tagging image "web" \(\d+\): DigitalOcean API POST \/v2\/tags failed: 422/,
    ],
    [
      "a tag removal refused",
      { tags: [] },
      { method: "DELETE", path: "/v2/tags/base/resources" },
      /^tagging image "web" \(\d+\): DigitalOcean API DELETE \/v2\/tags\/base\/resources failed: 422/,
    ],
  ])("fails on %s as a partial failure naming what it was doing", (_case, overrides, match, message) =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      emulator.inject(refusal("refused"), match);
      const error = (await update(runtime, id, inputs(overrides)).catch((caught: unknown) => caught)) as ResourceInitError;
      expect(error).toBeInstanceOf(ResourceInitError);
      expect(error.message).toMatch(message);
      expect(error.id).toBe(id);
    }),
  );

  test("a region added while another region's transfer is still under way gets a transfer of its own, and the one under way is waited for", () =>
    withEmulator({ transferDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      await partialFailure(
        update(runtime, id, inputs({ regions: ["nyc3", "lon1"], transferTimeoutMinutes: 1 })),
        transferTimedOut(id, "lon1"),
      );
      const outs = await update(runtime, id, inputs({ regions: ["nyc3", "lon1", "ams3"] }));
      expect(outs.regions).toEqual(["nyc3", "lon1", "ams3"]);
      const transfers = emulator.requests.filter((request) => request.method === "POST" && request.path.endsWith("/actions"));
      expect(transfers.map((request) => (request.body as { region: string }).region)).toEqual(["lon1", "ams3"]);
    }));

  test("a region the image lost outside Pulumi is transferred to again, not taken for the finished transfer that once put it there", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs({ regions: ["nyc3", "lon1"] }));
      emulator.mutateImage(Number(id), { regions: ["nyc3"] });
      const outs = await update(runtime, id, inputs({ regions: ["nyc3", "lon1"] }));
      expect(outs.regions).toEqual(["nyc3", "lon1"]);
      expect(emulator.requests.filter((request) => request.method === "POST" && request.path.endsWith("/actions"))).toHaveLength(2);
    }));

  test("fails naming the update and the image when the image cannot be read", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      await expect(update(runtime, "424242", inputs())).rejects.toThrow(
        /^updating image "web" \(424242\): DigitalOcean API GET \/v2\/images\/424242 failed: 404/,
      );
    }));

  test("an update whose read of the image after tagging fails on every retry is a partial failure naming the read, and keeps the image recorded", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      // The update's first read goes through; every read after it meets a 503.
      emulator.inject({ kind: "delay", ms: 0 }, { method: "GET", path: `/v2/images/${id}` });
      emulator.inject({ kind: "status", status: 503 }, { method: "GET", path: `/v2/images/${id}`, count: 1_000 });
      const error = (await update(runtime, id, inputs({ tags: ["base", "new"] })).catch((caught: unknown) => caught)) as ResourceInitError;
      expect(error).toBeInstanceOf(ResourceInitError);
      expect(error.id).toBe(id);
      expect(error.message).toMatch(
        new RegExp(
          `^reading image "web" \\(${id}\\): DigitalOcean API GET /v2/images/${id} failed: 503 .*\\. Pulumi has recorded the image; run \`pulumi up\` again to resume\\.$`,
        ),
      );
    }));
});

describe("read, step by step", () => {
  test("given an id alone, reports every live region and warns about none", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs({ regions: ["nyc3", "lon1"] }));
      const { props } = await read(runtime, id, {});
      expect([...(props.regions ?? [])].sort()).toEqual(["lon1", "nyc3"]);
      expect(lines.filter((line) => line.startsWith("warn:"))).toEqual([]);
    }));

  test("names a single region the image was transferred to outside Pulumi in the singular", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const { id, outs } = await create(runtime, inputs());
      emulator.mutateImage(Number(id), { regions: ["nyc3", "sgp1"] });
      await read(runtime, id, outs);
      expect(lines).toContain(
        `warn: image "web" (${id}) is also in region sgp1, which the program does not list (transferred outside Pulumi). It stays there and is left out of the \`regions\` output; add it to \`regions\` to manage it.`,
      );
    }));

  test("keeps the class and code of DigitalOcean's error when a refresh fails", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id, outs } = await create(runtime, inputs());
      emulator.inject({ kind: "status", status: 503 }, { method: "GET", path: `/v2/images/${id}`, count: 10 });
      await expect(read(runtime, id, outs)).rejects.toMatchObject({ name: "ServerError", status: 503 });
    }));

  test("a refresh that fails with an error that is not DigitalOcean's names the image, and keeps that error, stack and all, as the cause", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id, outs } = await create(runtime, inputs());
      const bug = new TypeError("Cannot read properties of undefined (reading 'regions')");
      jest.spyOn(runtime.client.images, "get").mockRejectedValueOnce(bug);
      const error = (await read(runtime, id, outs).catch((caught: unknown) => caught)) as Error;
      expect(error.message).toBe(`reading image ${id}: Cannot read properties of undefined (reading 'regions')`);
      expect(error.cause).toBe(bug);
    }));
});

describe("delete, step by step", () => {
  test.each([
    ["met a 503", "while DigitalOcean still answers for it as deleted", { kind: "status", status: 503 } as const, 60 * 60_000],
    ["met a 503", "once DigitalOcean answers 404 for it", { kind: "status", status: 503 } as const, 0],
    ["had its connection reset", "once DigitalOcean answers 404 for it", { kind: "reset" } as const, 0],
  ])("succeeds when its answer was lost and every retry %s, but the image is gone %s", (_retries, _gone, fault, deletedLingerMs) =>
    withEmulator({ deletedLingerMs }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      emulator.inject({ kind: "reset-after-processing" }, { method: "DELETE", path: `/v2/images/${id}` });
      emulator.inject(fault, { method: "DELETE", path: `/v2/images/${id}`, count: 10 });
      await deleteImage(runtime, Number(id));
      expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "deleted" })]);
    }),
  );

  /** An image whose deletion DigitalOcean refuses once, and whose next reads (`count`) meet `lookup`. */
  async function refusedThenRead(emulator: Emulator, lookup: Parameters<Emulator["inject"]>[0], count: number) {
    const { runtime } = runtimeFor(emulator);
    const { id } = await create(runtime, inputs());
    emulator.inject(refusal("Image is not in a state that allows deletion."), { method: "DELETE", path: `/v2/images/${id}` });
    emulator.inject(lookup, { method: "GET", path: `/v2/images/${id}`, count });
    return { runtime, id };
  }

  test("refused for an image that answers 404 when it looks for work under way, sends the deletion once more and succeeds", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, id } = await refusedThenRead(
        emulator,
        { kind: "status", status: 404 as 500, body: { id: "not_found", message: "The resource you were accessing could not be found." } },
        1,
      );
      await deleteImage(runtime, Number(id));
      const deletes = emulator.requests.filter((request) => request.method === "DELETE" && request.path === `/v2/images/${id}`);
      expect(deletes.map((request) => request.status)).toEqual([422, 204]);
      expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "deleted" })]);
    }));

  test("refused, and unable to look for work under way, fails naming the deletion and the lookup that failed", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, id } = await refusedThenRead(emulator, { kind: "status", status: 503 }, 10);
      await expect(deleteImage(runtime, Number(id))).rejects.toMatchObject({
        name: "ServerError",
        message: expect.stringMatching(new RegExp(`^deleting image ${id}: DigitalOcean API GET /v2/images/${id} failed: 503`)),
      });
      expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "available" })]);
    }));

  test("refused while a transfer runs past the transfer timeout, fails saying which transfer it waited for and how long", () =>
    withEmulator({ transferDurationMs: 10 * 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      await partialFailure(
        update(runtime, id, inputs({ regions: ["nyc3", "ams3"], transferTimeoutMinutes: 1 })),
        transferTimedOut(id, "ams3"),
      );
      emulator.inject(refusal("Image is not in a state that allows deletion."), { method: "DELETE", path: `/v2/images/${id}` });
      const error = (await deleteImage(runtime, Number(id)).catch((caught: unknown) => caught)) as Error;
      expect(error.message).toMatch(
        new RegExp(`^Timed out after 60m(\\d+s)? waiting for the transfer of image ${id} to ams3 \\(last status "in-progress"\\)$`),
      );
      expect(emulator.requests.filter((request) => request.method === "DELETE" && request.path === `/v2/images/${id}`)).toHaveLength(1);
      expect(emulator.getImage(Number(id))!.status).toBe("available");
    }));

  test("fails with DigitalOcean's error when every attempt met a 503 and the image is still there", () =>
    withEmulator({}, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs());
      emulator.inject({ kind: "status", status: 503 }, { method: "DELETE", path: `/v2/images/${id}`, count: 10 });
      await expect(deleteImage(runtime, Number(id))).rejects.toMatchObject({
        name: "ServerError",
        message: expect.stringMatching(new RegExp(`^deleting image ${id}: DigitalOcean API DELETE /v2/images/${id} failed: 503`)),
      });
    }));

  test("refused while the import runs and refused again once it ended, fails naming the deletion once", () =>
    withEmulator({ importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const partial = (await create(runtime, inputs({ createTimeoutMinutes: 2 })).catch((caught: unknown) => caught)) as ResourceInitError;
      emulator.inject(refusal("Image is not in a state that allows deletion."), {
        method: "DELETE",
        path: `/v2/images/${partial.id}`,
        count: 2,
      });
      const error = (await deleteImage(runtime, Number(partial.id)).catch((caught: unknown) => caught)) as Error;
      expect(error.message.match(/deleting image/g)).toHaveLength(1);
      // It looked for work under way once: after waiting, a second refusal is final.
      expect(
        emulator.requests.filter((request) => request.method === "GET" && request.path === `/v2/images/${partial.id}/actions`),
      ).toHaveLength(1);
      expect(error.message).toMatch(
        new RegExp(`^deleting image ${partial.id}: DigitalOcean API DELETE /v2/images/${partial.id} failed: 422`),
      );
    }));

  test("refused while the import runs, deletes the image once the import has failed", () =>
    withEmulator({ importDurationMs: 10 * 60_000, deletedLingerMs: 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      emulator.failImports("broken", "the file is not a disk image");
      const url = "https://images.example.com/broken.img";
      const partial = (await create(runtime, { ...inputs({ url }), createTimeoutMinutes: 0.05 }).catch(
        (caught: unknown) => caught,
      )) as ResourceInitError;
      expect(partial).toBeInstanceOf(ResourceInitError);
      emulator.inject(refusal("Image is not in a state that allows deletion."), { method: "DELETE", path: `/v2/images/${partial.id}` });
      await deleteImage(runtime, Number(partial.id));
      expect(
        emulator.requests.filter((request) => request.method === "DELETE" && request.path === `/v2/images/${partial.id}`).at(-1),
      ).toMatchObject({ status: expect.any(Number) });
    }));

  test("refused while a transfer runs, says how many transfers it waits for, and reports their progress", () =>
    withEmulator({ transferDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const { id } = await create(runtime, inputs({ regions: ["nyc3", "lon1"] }));
      await partialFailure(
        update(runtime, id, inputs({ regions: ["nyc3", "lon1", "ams3"], transferTimeoutMinutes: 1 })),
        transferTimedOut(id, "ams3"),
      );
      emulator.inject(refusal("Image is not in a state that allows deletion."), { method: "DELETE", path: `/v2/images/${id}` });
      await deleteImage(runtime, Number(id));
      expect(lines).toContain(
        `info: DigitalOcean refused to delete image ${id} (Image is not in a state that allows deletion.) while 1 transfer(s) ran: waiting for 1 transfer(s) to end, then deleting it`,
      );
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^info: Waiting to delete image ${id}: in-progress after \\d+m`)));
    }));
});

describe("transfers and waits that DigitalOcean answers unexpectedly", () => {
  const ACTION_GET = /^\/v2\/images\/\d+\/actions\/\d+$/;

  test.each([
    ["twice, then answers again", 2],
    ["at every check", 1_000],
  ])(
    "a transfer whose action answers 404 %s while the image answers 200 is awaited to its end, and the image is neither deleted nor called deleted",
    (_case, count) =>
      withEmulator({ transferDurationMs: 2 * 60_000 }, async (emulator) => {
        const { runtime } = runtimeFor(emulator);
        emulator.inject({ kind: "status", status: 404 }, { method: "GET", path: ACTION_GET, count });

        const { id, outs } = await create(runtime, inputs({ regions: ["nyc3", "lon1"] }));

        expect(outs.regions).toEqual(["nyc3", "lon1"]);
        expect(emulator.audit()).toEqual([expect.objectContaining({ id: Number(id), fate: "available" })]);
        expect(emulator.requests.filter((request) => request.method === "DELETE" && request.path.startsWith("/v2/images/"))).toEqual([]);
        expect(emulator.requests.filter((request) => request.fault === "status").length).toBeGreaterThanOrEqual(2);
      }),
  );

  test("a transfer request answered 504 by a gateway and carried out after the look for it is awaited, not failed by the 422 the request sent again gets", () =>
    // Slower than usual (one real ms is 10 simulated ms), so that the look, the transfer's late
    // start and the second request come in that order on a busy machine too.
    withEmulator({ timeFactor: 0.01, transferDurationMs: 3 * 60_000 }, async (emulator) => {
      // A backoff of at least a minute before the request is sent again; the gateway's request arrives after 20 s.
      const { client, logs } = clientFor(emulator, { retry: { baseDelayMs: 120_000, maxDelayMs: 120_000 } });
      const { runtime } = { runtime: { client, waiter: new ImageWaiter(client), log: { info: () => undefined, warn: () => undefined } } };
      emulator.inject({ kind: "status-then-process", status: 504, afterMs: 20_000 }, { method: "POST", path: /\/actions$/ });

      const { outs } = await create(runtime, inputs({ regions: ["nyc3", "lon1"] }));

      expect(outs.regions).toEqual(["nyc3", "lon1"]);
      const posts = emulator.requests.filter((request) => request.method === "POST" && request.path.endsWith("/actions"));
      expect(posts.map((request) => request.status)).toEqual([504, 422]);
      expect(logs).toContainEqual({
        level: "warn",
        message: expect.stringMatching(
          /^transfer of image \d+ to lon1: DigitalOcean answered that the image is already being transferred there \(.*\), so a request that failed earlier was carried out after all; continuing with that transfer \(action \d+\)$/,
        ),
      });
    }));

  test("a refresh after a transfer's wait ran out reports the region once the transfer Pulumi started has reached it, without calling it a transfer outside Pulumi", () =>
    withEmulator({ transferDurationMs: 5 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const wanted = inputs({ regions: ["nyc3", "lon1"], transferTimeoutMinutes: 1 });
      const partial = (await create(runtime, wanted).catch((caught: unknown) => caught)) as ResourceInitError;
      expect(partial).toBeInstanceOf(ResourceInitError);
      expect(partial.properties).toMatchObject({ regions: ["nyc3"] });
      await emulator.clock.sleep(5 * 60_000);

      const refreshed = await read(runtime, partial.id, partial.properties);

      expect(lines.filter((line) => line.startsWith("warn:"))).toEqual([]);
      expect(refreshed.props.regions).toEqual(["nyc3", "lon1"]);
      expect(refreshed.props).not.toHaveProperty("requestedRegions");
      expect(diff(partial.id, refreshed.props as Record<string, unknown>, wanted as unknown as Record<string, unknown>)).toMatchObject({
        changes: false,
      });
      // A region the program does not list is still named.
      emulator.mutateImage(Number(partial.id), { regions: ["nyc3", "lon1", "sgp1"] });
      await read(runtime, partial.id, refreshed.props);
      expect(lines.filter((line) => line.startsWith("warn:"))).toEqual([
        expect.stringMatching(
          /^warn: image "web" \(\d+\) is also in region sgp1, which the program does not list \(transferred outside Pulumi\)/,
        ),
      ]);
    }));

  test("a refresh while the transfer is still under way keeps the region out and the program's regions recorded, and warns about nothing", () =>
    withEmulator({ transferDurationMs: 30 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const partial = (await create(runtime, inputs({ regions: ["nyc3", "lon1"], transferTimeoutMinutes: 1 })).catch(
        (caught: unknown) => caught,
      )) as ResourceInitError;
      const refreshed = await read(runtime, partial.id, partial.properties);
      expect(refreshed.props).toMatchObject({ regions: ["nyc3"], requestedRegions: ["nyc3", "lon1"] });
      expect(lines.filter((line) => line.startsWith("warn:"))).toEqual([]);
    }));

  /** A create whose token DigitalOcean stops accepting (`change`) while the import is waited for: its error, and how long the create went on after. */
  async function createWhileTokenChanges(
    emulator: Emulator,
    change: () => void,
  ): Promise<{ error: Error; imageId: number; afterMs: number }> {
    const { client } = clientFor(emulator, { tokenSource: "stack config digitalocean:token" });
    const runtime = { client, waiter: new ImageWaiter(client), log: { info: () => undefined, warn: () => undefined } };
    const creating = create(runtime, inputs()).then(
      () => new Error("the create succeeded"),
      (caught: unknown) => caught as Error,
    );
    while (emulator.audit().length === 0) await emulator.clock.sleep(1_000);
    await emulator.clock.sleep(60_000);
    change();
    const changedAt = emulator.clock.now();
    const error = await creating;
    return { error, imageId: emulator.audit()[0]!.id, afterMs: emulator.clock.now() - changedAt };
  }

  test("a token revoked while the import is waited for fails the create at once, naming where the token came from and the image that exists", () =>
    withEmulator({ importDurationMs: 30 * 60_000 }, async (emulator) => {
      const { error, imageId, afterMs } = await createWhileTokenChanges(emulator, () => emulator.revokeToken("test-token"));

      expect(afterMs).toBeLessThan(2 * 60_000);
      expect(error.message).toContain(
        `DigitalOcean refused the token from stack config digitalocean:token: it was revoked, has expired or is mistyped; put a valid token there and run the command again`,
      );
      expect(error.message).toContain(`image "web" (${imageId})`);
      // Recorded as a partial failure, or said to be there unrecorded, to be adopted by the next `up`: never orphaned in silence.
      expect(error.message).toMatch(
        /Pulumi has recorded the image|Pulumi has not recorded the image; run `pulumi up` again with the same program: it adopts the image/,
      );
      expect(error.message).not.toContain("test-token");
    }));

  test("a token that loses a scope it needs while the import is waited for fails the create at once as a partial failure carrying the image", () =>
    withEmulator({ importDurationMs: 30 * 60_000 }, async (emulator) => {
      const everyScopeButImageRead = ["image:create", "image:update", "image:delete", "tag:read", "tag:create", "tag:delete"];
      const { error, imageId, afterMs } = await createWhileTokenChanges(emulator, () =>
        emulator.limitToken("test-token", everyScopeButImageRead),
      );

      expect(afterMs).toBeLessThan(2 * 60_000);
      expect(error).toBeInstanceOf(ResourceInitError);
      expect((error as ResourceInitError).id).toBe(String(imageId));
      expect(error.message).toMatch(
        new RegExp(
          `^waiting for the import of image "web" \\(${imageId}\\): DigitalOcean API GET /v2/images/${imageId} failed: 403 forbidden: .*needs the token scope image:read.* \\(the token comes from stack config digitalocean:token\\)`,
        ),
      );
    }));
});

describe("log lines", () => {
  test("name an image with its control, bidirectional and zero-width characters escaped, whatever name reached the provider", () =>
    withEmulator({}, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      // Past check (which refuses such a name) only by a program that calls the provider directly, or an image adopted from DigitalOcean.
      await create(runtime, { ...inputs(), name: "web\u001b[2K\u202e" });
      const named = lines.filter((line) => line.includes("Importing image"));
      expect(named.length).toBeGreaterThan(0);
      for (const line of named) {
        expect(line).toContain(String.raw`image "web\u001b[2K\u202e"`);
        for (const hidden of ["\u001b", "\u202e"]) expect(line).not.toContain(hidden);
      }
    }));
});
