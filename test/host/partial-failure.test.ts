import type { InitFailure } from "../../tools/provider-host/provider-host";
import { type Deployed, failureOf, type HostFixture, IN_PLACE, NO_CHANGE, URN, withHostAndEmulator } from "./host-fixture";

/**
 * Failures of create and update as the engine sees them. Once the image exists the host answers
 * `ErrorResourceInitFailed` (id, outputs with `__provider`, reasons) and the engine records the
 * image; the next `pulumi up` calls Update with those outputs, which resumes. A failure before
 * anything exists is a plain error and leaves nothing behind.
 */

/** gRPC's UNKNOWN: how the host reports every provider error. */
const PROVIDER_ERROR = 2;

/** The state the engine records from a partial failure of a resource it was creating with `inputs`. */
function recorded(initFailed: InitFailure, inputs: Record<string, unknown>): Deployed {
  return { id: initFailed.id, inputs, outputs: initFailed.properties };
}

describe("a create whose wait for the import runs out of time", () => {
  // The import takes 10 simulated minutes and create waits 2: the 8 minutes between are about a
  // second of real time at this scale, more than any scheduling delay on a busy machine.
  const slowImport = { scale: 0.002, emulator: { importDurationMs: 10 * 60_000 } };

  /** Check and Create as `pulumi up` does, with a 2-minute create timeout. */
  async function timedOutCreate(fixture: HostFixture, overrides: Record<string, unknown> = {}) {
    const { inputs, failures } = await fixture.host.check(URN, {}, await fixture.inputs({ createTimeoutMinutes: 2, ...overrides }));
    expect(failures).toEqual([]);
    const error = await failureOf(fixture.host.create(URN, inputs));
    return { inputs, error, initFailed: error.initFailed! };
  }

  test("fails as a partial failure carrying the image id, its outputs with __provider, and the reason", () =>
    withHostAndEmulator(slowImport, async (fixture) => {
      const { inputs, error, initFailed } = await timedOutCreate(fixture);

      const [image] = fixture.emulator.audit();
      expect(image).toMatchObject({ fate: "importing" });
      expect(error.code).toBe(PROVIDER_ERROR);
      // The deadline does not wait for a check in flight, so on a busy machine the last status seen may still be NEW.
      expect(error.message).toMatch(
        new RegExp(
          `^Timed out after 2m(\\d+s)? waiting for the import of image ${image!.id} to become available \\(last status "(NEW|pending)"\\)\\. Pulumi has recorded the image; run \`pulumi up\` again to resume\\.$`,
        ),
      );
      expect(initFailed).toEqual({
        id: String(image!.id),
        // Every output, as the engine must record them. The import still running is recorded in
        // the region it is being imported into, and in no region it is still to reach.
        properties: {
          ...inputs,
          imageId: image!.id,
          status: "pending",
          errorMessage: "",
          sizeGigabytes: null,
          minDiskSize: null,
          createdAt: expect.stringMatching(/^\d{4}-/),
          slug: null,
          type: "custom",
          public: false,
        },
        reasons: [error.message],
      });
      expect(initFailed.properties.__provider).toBe(inputs.__provider);
    }));

  test("Update with the recorded outputs and a longer createTimeoutMinutes resumes: it waits for the same image, transfers it, and returns it available", () =>
    withHostAndEmulator(slowImport, async (fixture) => {
      const { inputs, initFailed } = await timedOutCreate(fixture, { regions: ["nyc3", "ams3"] });

      const { diff, deployed } = await fixture.update(recorded(initFailed, inputs), {
        createTimeoutMinutes: 20,
        regions: ["nyc3", "ams3"],
      });

      expect(diff).toEqual(IN_PLACE);
      expect(deployed.outputs).toMatchObject({
        imageId: Number(initFailed.id),
        status: "available",
        regions: ["nyc3", "ams3"],
        __provider: inputs.__provider,
      });
      expect(fixture.emulator.audit()).toEqual([expect.objectContaining({ id: Number(initFailed.id), fate: "available" })]);
      expect(fixture.emulator.getImage(Number(initFailed.id))?.regions.sort()).toEqual(["ams3", "nyc3"]);
      expect(fixture.emulator.duplicates()).toEqual([]);
    }));

  test("a refresh while the import still runs keeps the resume: the state shows only the import's region, so the next up transfers ams3", () =>
    withHostAndEmulator(slowImport, async (fixture) => {
      const program = { regions: ["nyc3", "ams3"], createTimeoutMinutes: 2 };
      const { inputs, initFailed } = await timedOutCreate(fixture, program);
      expect(initFailed.properties.regions).toEqual(["nyc3"]);

      // `pulumi refresh`: the image is still pending, the read is clean, and the engine clears the init errors.
      const refreshed = await fixture.host.read(initFailed.id, URN, initFailed.properties, inputs);
      expect(refreshed.properties).toMatchObject({ status: "pending", regions: ["nyc3"] });
      const afterRefresh: Deployed = { id: refreshed.id, inputs, outputs: refreshed.properties };

      // The next `up` of the unchanged program, now with no init error to force an Update.
      const { diff, deployed } = await fixture.update(afterRefresh, { ...program, createTimeoutMinutes: 20 });

      expect(diff).toEqual(IN_PLACE);
      expect(deployed.outputs).toMatchObject({ status: "available", regions: ["nyc3", "ams3"] });
      expect(fixture.emulator.getImage(Number(initFailed.id))?.regions.sort()).toEqual(["ams3", "nyc3"]);
    }));

  test("after such a refresh, dropping ams3, which the image never reached, proposes no replacement", () =>
    withHostAndEmulator(slowImport, async (fixture) => {
      const { inputs, initFailed } = await timedOutCreate(fixture, { regions: ["nyc3", "ams3"] });
      const refreshed = await fixture.host.read(initFailed.id, URN, initFailed.properties, inputs);

      const { diff } = await fixture.preview(
        { id: refreshed.id, inputs, outputs: refreshed.properties },
        { regions: ["nyc3"], createTimeoutMinutes: 2 },
      );

      expect(diff.replaces).toEqual([]);
    }));

  test("a refresh of a single-region import still running keeps the resume: the next up's Diff asks for the Update, which waits for the import", () =>
    withHostAndEmulator(slowImport, async (fixture) => {
      const { inputs, initFailed } = await timedOutCreate(fixture);

      // `pulumi up --refresh`: the read clears the init errors; no input differs, yet the import is unfinished.
      const refreshed = await fixture.host.read(initFailed.id, URN, initFailed.properties, inputs);
      expect(refreshed.properties).toMatchObject({ status: "pending", regions: ["nyc3"] });
      const afterRefresh: Deployed = { id: refreshed.id, inputs, outputs: refreshed.properties };
      expect((await fixture.preview(afterRefresh, { createTimeoutMinutes: 2 })).diff).toEqual(IN_PLACE);

      // The Update (given longer, as the 2 minutes would run out again) waits for the import.
      const { deployed } = await fixture.update(afterRefresh, { createTimeoutMinutes: 20 });
      expect(deployed.outputs).toMatchObject({ status: "available", regions: ["nyc3"] });
      // Once available, the next preview proposes nothing.
      expect((await fixture.preview(deployed, { createTimeoutMinutes: 20 })).diff).toEqual(NO_CHANGE);
    }));

  test("a resumed import whose wait runs out again is recorded in the region it is imported into, though the program now lists another region first", () =>
    withHostAndEmulator(slowImport, async (fixture) => {
      const { inputs, initFailed } = await timedOutCreate(fixture);
      const program = { regions: ["ams3", "nyc3"], createTimeoutMinutes: 2 };

      const again = await failureOf(fixture.update(recorded(initFailed, inputs), program));

      expect(again.message).toMatch(/^Timed out after 2m\d*s? waiting for the import of image \d+ to become available/);
      expect(again.initFailed?.properties).toMatchObject({ regions: ["nyc3"], status: "pending" });
      // Back to the program the import started with: no replacement.
      const { diff } = await fixture.preview(
        { id: initFailed.id, inputs, outputs: again.initFailed!.properties },
        { createTimeoutMinutes: 2 },
      );
      expect(diff.replaces).toEqual([]);
    }));

  test("a refresh after such a resumed wait keeps the region the import runs in, and going back to the old program still replaces nothing", () =>
    withHostAndEmulator(slowImport, async (fixture) => {
      const { inputs, initFailed } = await timedOutCreate(fixture);
      const program = { regions: ["ams3", "nyc3"], createTimeoutMinutes: 2 };
      const again = await failureOf(fixture.update(recorded(initFailed, inputs), program));
      const { inputs: checked } = await fixture.host.check(URN, inputs, await fixture.inputs(program));

      const refreshed = await fixture.host.read(initFailed.id, URN, again.initFailed!.properties, checked);

      expect(refreshed.properties).toMatchObject({ regions: ["nyc3"], requestedRegions: ["ams3", "nyc3"], status: "pending" });
      const { diff } = await fixture.preview(
        { id: refreshed.id, inputs: checked, outputs: refreshed.properties },
        { createTimeoutMinutes: 2 },
      );
      expect(diff.replaces).toEqual([]);
    }));

  test("Delete with the recorded outputs deletes the image", () =>
    withHostAndEmulator(slowImport, async (fixture) => {
      const { inputs, initFailed } = await timedOutCreate(fixture);

      await fixture.destroy(recorded(initFailed, inputs));

      expect(fixture.emulator.audit()).toEqual([
        expect.objectContaining({ id: Number(initFailed.id), status: "deleted", fate: "deleted" }),
      ]);
    }));
});

describe("a create whose wait for a transfer runs out of time", () => {
  // Provider bug: Update sees the region missing and POSTs a second transfer, which DigitalOcean
  // refuses (422 "already being transferred"), so `pulumi up` fails again until the first transfer
  // ends. Flip to `test` once Update waits for a transfer in flight (the image's actions list it).
  test("Update with the recorded outputs waits for the transfer still under way instead of starting another", () =>
    // The transfer takes 5 simulated minutes; create waits 1, the resumed update up to 10.
    withHostAndEmulator({ scale: 0.002, emulator: { transferDurationMs: 300_000 } }, async (fixture) => {
      const program = { regions: ["nyc3", "ams3"], transferTimeoutMinutes: 1 };
      const { inputs } = await fixture.host.check(URN, {}, await fixture.inputs(program));
      const error = await failureOf(fixture.host.create(URN, inputs));
      expect(error.message).toMatch(
        /^transferring image "basic" \(\d+\): Timed out after 1m\d*s? waiting for the transfer of image \d+ to ams3/,
      );
      expect(error.initFailed?.properties).toMatchObject({ regions: ["nyc3"], status: "available" });

      const { deployed } = await fixture.update(recorded(error.initFailed!, inputs), { ...program, transferTimeoutMinutes: 10 });

      expect(deployed.outputs).toMatchObject({ regions: ["nyc3", "ams3"], transferTimeoutMinutes: 10 });
      const transfers = fixture.emulator.requests.filter((request) => request.method === "POST" && request.path.endsWith("/actions"));
      expect(transfers.map((request) => [request.body, request.status])).toEqual([[{ type: "transfer", region: "ams3" }, 201]]);
    }));
});

describe("an import DigitalOcean ends as deleted", () => {
  test.each([
    ["a url ending .zip", { url: "https://example.com/images/flatcar.zip" }, /We don't support the compression format of your image/],
    [
      "a url the emulator marks as failing",
      { url: "https://example.com/images/broken.qcow2.gz" },
      /the file is not a supported disk image/,
    ],
  ])("fails plainly, without a partial failure, and leaves the image deleted: %s", (_sentence, overrides, reason) =>
    withHostAndEmulator({}, async (fixture) => {
      fixture.emulator.failImports("broken");
      const { inputs } = await fixture.host.check(URN, {}, await fixture.inputs(overrides));

      const error = await failureOf(fixture.host.create(URN, inputs));

      const [image] = fixture.emulator.audit();
      expect(fixture.emulator.audit()).toEqual([
        expect.objectContaining({ fate: "failed", status: "deleted", deletedAt: expect.any(Number) }),
      ]);
      expect(error.initFailed).toBeUndefined();
      expect(error.message).toMatch(reason);
      expect(error.message).toMatch(/Nothing was left behind/);
      // The provider deletes the failed import for good: DigitalOcean keeps it `deleted` for a while.
      // ...and drops the import marker's tag, which no image carries any more.
      expect(fixture.emulator.requests.filter((request) => request.method === "DELETE").map((request) => request.path)).toEqual([
        `/v2/images/${image!.id}`,
        expect.stringMatching(/^\/v2\/tags\/pulumi-import%3A/),
      ]);
      expect(fixture.emulator.requests.filter((request) => request.path.endsWith("/actions"))).toEqual([]);
    }),
  );
});

describe("a transfer DigitalOcean ends as errored", () => {
  test("fails a create as a partial failure recording the image in the regions it reached, and the next preview proposes the transfer again", () =>
    withHostAndEmulator({}, async (fixture) => {
      fixture.emulator.failTransfers("ams3");
      const { inputs } = await fixture.host.check(URN, {}, await fixture.inputs({ regions: ["nyc3", "ams3"] }));

      const error = await failureOf(fixture.host.create(URN, inputs));

      const [image] = fixture.emulator.audit();
      expect(error.message).toMatch(/ams3/);
      expect(error.initFailed).toEqual({
        id: String(image!.id),
        properties: expect.objectContaining({ imageId: image!.id, status: "available", regions: ["nyc3"], __provider: inputs.__provider }),
        reasons: [error.message],
      });
      const { diff } = await fixture.preview(recorded(error.initFailed!, inputs), { regions: ["nyc3", "ams3"] });
      expect(diff).toEqual(IN_PLACE);
    }));

  test("records the regions the other, successful transfers reached", () =>
    withHostAndEmulator({}, async (fixture) => {
      fixture.emulator.failTransfers("ams3");
      const { inputs } = await fixture.host.check(URN, {}, await fixture.inputs({ regions: ["nyc3", "ams3", "sgp1"] }));

      const error = await failureOf(fixture.host.create(URN, inputs));

      const [image] = fixture.emulator.audit();
      expect(fixture.emulator.getImage(image!.id)?.regions.sort()).toEqual(["nyc3", "sgp1"]);
      expect(error.initFailed?.properties.regions).toEqual(["nyc3", "sgp1"]);
    }));

  test("fails an update as a partial failure carrying the image's outputs with __provider", () =>
    withHostAndEmulator({}, async (fixture) => {
      const deployed = await fixture.create();
      fixture.emulator.failTransfers("ams3");

      const error = await failureOf(fixture.update(deployed, { regions: ["nyc3", "ams3"] }));

      expect(error.message).toMatch(/ams3/);
      expect(error.initFailed).toEqual({
        id: deployed.id,
        // The program's regions are kept beside the regions reached, for a refresh once the transfer arrives.
        properties: { ...deployed.outputs, regions: ["nyc3"], requestedRegions: ["nyc3", "ams3"] },
        reasons: [error.message],
      });
    }));
});

describe("an image deleted outside Pulumi during a transfer", () => {
  // Transfers take 10 simulated minutes and are waited for up to 60 (the default); DigitalOcean
  // answers for a deleted image for a simulated minute, then 404s.
  const slowTransfer = { scale: 0.002, emulator: { transferDurationMs: 10 * 60_000, deletedLingerMs: 60_000 } };

  async function deleteDuringTransfer(fixture: HostFixture): Promise<number> {
    while (
      !fixture.emulator.requests.some((request) => request.method === "POST" && request.path.endsWith("/actions") && request.status === 201)
    ) {
      await fixture.clock.sleep(5_000);
    }
    const [image] = fixture.emulator.audit();
    fixture.emulator.deleteImageOutOfBand(image!.id);
    return fixture.clock.now();
  }

  test("fails a create within minutes, not at the transfer timeout, plainly (nothing to record) and saying the image was deleted", () =>
    withHostAndEmulator(slowTransfer, async (fixture) => {
      const { inputs } = await fixture.host.check(URN, {}, await fixture.inputs({ regions: ["nyc3", "ams3"] }));

      const creating = failureOf(fixture.host.create(URN, inputs));
      const deletedAt = await deleteDuringTransfer(fixture);
      const error = await creating;

      const [image] = fixture.emulator.audit();
      expect(fixture.clock.now() - deletedAt).toBeLessThan(5 * 60_000);
      expect(error.initFailed).toBeUndefined();
      expect(error.message).toMatch(
        new RegExp(
          `^transferring image "basic" \\(${image!.id}\\): Image ${image!.id} was deleted outside Pulumi while waiting for the transfer of image ${image!.id} to ams3 \\(404 at two checks in a row\\)\\. Nothing was recorded; run \`pulumi up\` again to import it again\\.$`,
        ),
      );
      expect(error.message).not.toMatch(/resume/);
    }));

  test("fails an update whose transfers end while DigitalOcean still answers for the deleted image, instead of recording it as deleted", () =>
    withHostAndEmulator({ scale: 0.002, emulator: { transferDurationMs: 60_000, deletedLingerMs: 60 * 60_000 } }, async (fixture) => {
      const deployed = await fixture.create();

      const updating = failureOf(fixture.update(deployed, { regions: ["nyc3", "ams3"] }));
      await deleteDuringTransfer(fixture);
      const error = await updating;

      expect(error.initFailed).toBeUndefined();
      expect(error.message).toMatch(
        new RegExp(
          `^reading image "basic" \\(${deployed.id}\\): DigitalOcean reports the image as deleted\\. The image no longer exists: it was deleted outside Pulumi\\. Run \`pulumi refresh\` to remove it from the stack`,
        ),
      );
    }));

  test("fails an update within minutes, saying the image was deleted and that a refresh removes it from the stack", () =>
    withHostAndEmulator(slowTransfer, async (fixture) => {
      const deployed = await fixture.create();

      const updating = failureOf(fixture.update(deployed, { regions: ["nyc3", "ams3"] }));
      const deletedAt = await deleteDuringTransfer(fixture);
      const error = await updating;

      expect(fixture.clock.now() - deletedAt).toBeLessThan(5 * 60_000);
      expect(error.initFailed).toBeUndefined();
      expect(error.message).toMatch(
        /deleted outside Pulumi .*Run `pulumi refresh` to remove it from the stack; the next `pulumi up` then imports it again\.$/,
      );

      const refreshed = await fixture.host.read(deployed.id, URN, deployed.outputs, deployed.inputs);
      expect(refreshed.id).toBe("");
    }));
});
