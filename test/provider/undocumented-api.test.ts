/**
 * What DigitalOcean does not document, and the emulator therefore answers either way behind a
 * switch (packages/emulator/digitalocean-openapi/SOURCE.md, "What the emulator cannot take from
 * DigitalOcean"): the provider must hold under every answer.
 */
import { ImportFailedError, ValidationError } from "../../src/client/errors";
import { check } from "../../src/provider/check";
import { create, update } from "../../src/provider/lifecycle";
import { importMarker } from "../../src/provider/import-marker";
import type { CustomImageInputs } from "../../src/provider/types";
import type { Emulator, ListingPages } from "pulumi-digitalocean-custom-image-emulator";
import { clientFor, withEmulator } from "../helpers/emulator-fixture";
import { runtimeFor } from "../helpers/provider-runtime";

function inputs(overrides: Record<string, unknown> = {}): CustomImageInputs {
  const result = check(
    {},
    {
      name: "web",
      url: "https://images.example.com/web.qcow2.gz",
      regions: ["nyc3"],
      distribution: "ubuntu",
      tags: ["base"],
      ...overrides,
    },
  );
  expect(result.failures).toEqual([]);
  return result.inputs as unknown as CustomImageInputs;
}

const transferPosts = (emulator: Emulator) =>
  emulator.requests.filter((request) => request.method === "POST" && request.path.endsWith("/actions") && request.status === 201);

describe("a transfer action's region_slug, which may name the destination, the source or nothing", () => {
  test.each(["destination", "source", "none"] as const)(
    "(%s) a create interrupted during a transfer is finished by the next create, which waits for that transfer instead of starting another",
    (transferRegion) =>
      withEmulator({ transferRegion, importDurationMs: 60_000, transferDurationMs: 10 * 60_000 }, async (emulator) => {
        const wanted = inputs({ regions: ["nyc3", "lon1"] });
        const interrupted = create(runtimeFor(emulator).runtime, wanted).catch(() => undefined);
        while (transferPosts(emulator).length === 0) await emulator.clock.sleep(5_000);

        const { outs } = await create(runtimeFor(emulator).runtime, wanted);
        expect(outs.regions).toEqual(["nyc3", "lon1"]);
        expect(transferPosts(emulator)).toHaveLength(1);
        expect(emulator.requests.filter((request) => request.status === 422)).toEqual([]);
        await interrupted;
      }),
  );

  test.each(["destination", "source", "none"] as const)(
    "(%s) a region added while another region's transfer runs gets a transfer of its own, and the one under way is not started again",
    (transferRegion) =>
      withEmulator({ transferRegion, transferDurationMs: 10 * 60_000 }, async (emulator) => {
        const { runtime } = runtimeFor(emulator);
        const { id } = await create(runtime, inputs());
        await update(runtime, id, inputs({ regions: ["nyc3", "lon1"], transferTimeoutMinutes: 1 })).catch(() => undefined);
        const outs = await update(runtime, id, inputs({ regions: ["nyc3", "lon1", "ams3"] }));
        expect(outs.regions).toEqual(["nyc3", "lon1", "ams3"]);
        expect(transferPosts(emulator).map((request) => (request.body as { region: string }).region)).toEqual(["lon1", "ams3"]);
      }),
  );
});

describe("listings, which may or may not show images still NEW or pending", () => {
  test.each(["listed", "unlisted"] as const)("(%s) a create waits for its import to end and returns it available", (pendingImages) =>
    withEmulator({ pendingImages, importDurationMs: 5 * 60_000 }, async (emulator) => {
      const { outs } = await create(runtimeFor(emulator).runtime, inputs());
      expect(outs.status).toBe("available");
    }),
  );

  test.each(["listed", "unlisted"] as const)(
    "(%s) an import an interrupted run left still importing ends as the one image of the resource: adopted when listed, else deleted as a copy once it is",
    (pendingImages) =>
      withEmulator({ pendingImages, importDurationMs: 5 * 60_000 }, async (emulator) => {
        const wanted = inputs();
        const left = await clientFor(emulator).client.images.createCustom({
          name: "web",
          url: wanted.url,
          region: "nyc3",
          tags: ["base", importMarker(wanted)],
        });
        const { id } = await create(runtimeFor(emulator).runtime, wanted);
        const alive = emulator.audit().filter((image) => image.status !== "deleted");
        expect(alive.map((image) => image.id)).toEqual([Number(id)]);
        if (pendingImages === "listed") expect(Number(id)).toBe(left.id);
      }),
  );
});

describe("a late copy of an import still importing when the create ends, which listings may not show", () => {
  // The import POST meets a gateway's 504 and is carried out three minutes later, after the client
  // looked for its image, found none and sent the POST again: the copy imports three minutes behind.
  const LATE_MS = 3 * 60_000;

  // The tag's image count, whether or not it includes images still importing, only words the
  // warning: a count that says nothing (here, a lookup DigitalOcean refuses) leaves the copy as safe.
  // Listed, the copy is gone before the marker is taken off, and the tag counts no other image.
  const unseen = (marker: string) => `DigitalOcean may still carry one out, making a copy that carries its import marker tag ${marker}`;
  test.each([
    ["listed", "answered", unseen],
    [
      "unlisted",
      "answered",
      (marker: string) => `1 other image(s) carry its import marker tag ${marker} that no listing showed (a copy still importing)`,
    ],
    ["unlisted", "unanswered", unseen],
  ] as const)(
    "(%s, tag count %s) is deleted when a listing shows it, else keeps the import marker, and the create warns how to find and delete it",
    (pendingImages, count, copies) =>
      withEmulator({ pendingImages, importDurationMs: 10 * 60_000 }, async (emulator) => {
        const { runtime, lines } = runtimeFor(emulator);
        const wanted = inputs();
        const marker = importMarker(wanted);
        emulator.inject({ kind: "status-then-process", status: 504, afterMs: LATE_MS }, { method: "POST", path: "/v2/images" });
        if (count === "unanswered") emulator.inject({ kind: "status", status: 403 }, { method: "GET", path: /^\/v2\/tags\// });
        const { id } = await create(runtime, wanted);
        const others = emulator.audit().filter((image) => image.id !== Number(id));
        expect(emulator.getImage(Number(id))!.tags).toEqual(["base"]);
        expect(lines).toContainEqual(
          `warn: An import request for image ${id} got no clear answer at first, and ${copies(marker)}. The tag stays on such a copy so that it can be found: ` +
            `once its import has ended, \`doctl compute image list-user --format ID,Name,Status,Tags\` lists it with ${marker}; delete it with ` +
            `\`doctl compute image delete <id>\`, then the tag with \`doctl compute tag delete ${marker}\` (image ${id} no longer carries it).`,
        );
        if (pendingImages === "listed") {
          // Listed, the copy is deleted; on a slow machine the client's look may even find it first and adopt it.
          expect(others.filter((image) => image.status !== "deleted")).toEqual([]);
          return;
        }
        const [copy] = others;
        expect(copy).toBeDefined();
        // Unseen, the copy cannot be deleted; it keeps the marker so that it can be found once imported.
        expect(emulator.getImage(copy!.id)!.tags).toContain(marker);
        await emulator.clock.sleep(LATE_MS);
        // The step the warning gives: once imported, the copy is listed by the marker, and only it.
        const listed = await clientFor(emulator).client.images.list({ tagName: marker });
        expect(listed.map((image) => image.id)).toEqual([copy!.id]);
      }),
  );
});

describe("an error_message that may quote the import url whole", () => {
  const url = "https://unreachable.example/web.qcow2.gz?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=secretsig";

  test.each(["path-only", "full"] as const)("(%s) a failed import's reason reaches the error without the url's query", (errorMessageUrl) =>
    // At FAST, the default linger (60 s) is 60 ms of real time, which a loaded machine's scheduling
    // can skip past: the failed image would then answer 404 and the reason be lost to the test.
    withEmulator({ errorMessageUrl, deletedLingerMs: 60 * 60_000 }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const error = (await create(runtime, inputs({ url })).catch((caught: unknown) => caught)) as ImportFailedError;
      expect(error).toBeInstanceOf(ImportFailedError);
      expect(error.message).toContain("https://unreachable.example/web.qcow2.gz");
      for (const text of [error.message, error.apiMessage ?? "", ...lines]) {
        expect(text).not.toContain("secretsig");
        expect(text).not.toContain("AKIAEXAMPLE");
      }
    }),
  );

  test("an error answer whose message quotes a url keeps its scheme, host and path only", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const message = `Unable to download ${url}: 403 Forbidden.`;
      emulator.inject(
        { kind: "status", status: 422, body: { id: "unprocessable_entity", message } },
        { method: "POST", path: "/v2/images" },
      );
      const error = (await client.images
        .createCustom({ name: "web", url, region: "nyc3" })
        .catch((caught: unknown) => caught)) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.apiMessage).toBe("Unable to download https://unreachable.example/web.qcow2.gz: 403 Forbidden.");
      expect(error.message).not.toContain("secretsig");
    }));
});

describe("a paged listing read while an image is deleted", () => {
  test.each(["live", "snapshot"] as ListingPages[])("(%s) still returns every image that is left", (listingPages) =>
    withEmulator({ listingPages }, async (emulator) => {
      const { client, logs } = clientFor(emulator);
      const images = [];
      for (const name of ["a", "b", "c"])
        images.push(await client.images.createCustom({ name, url: `https://images.example.com/${name}.qcow2`, region: "nyc3" }));
      // Page 1 answers at once; page 2 only after image "a", on page 1, is deleted behind the client's back.
      emulator.inject({ kind: "delay", ms: 0 }, { method: "GET", path: "/v2/images" });
      emulator.inject({ kind: "delay", ms: 60_000 }, { method: "GET", path: "/v2/images" });
      const listing = client.images.list({ private: true, perPage: 1 });
      while (emulator.requests.filter((request) => request.method === "GET").length < 2)
        await new Promise((resolve) => setImmediate(resolve));
      emulator.deleteImageOutOfBand(images[0]!.id);
      const names = (await listing).map((image) => image.name);
      expect(names).toEqual(expect.arrayContaining(["b", "c"]));
      if (listingPages === "live")
        expect(logs.map((line) => line.message)).toContain(
          "GET /v2/images changed while its 2 pages were read (meta.total 3, 2): reading it again so that no item is missed",
        );
    }),
  );
});
