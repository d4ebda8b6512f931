import { customImageUrn } from "../../tools/provider-host/engine-values";
import { type ProviderHost, startProviderHost } from "../../tools/provider-host/provider-host";
import { type HostFixture, TOKEN, URN, withHostAndEmulator } from "./host-fixture";

/**
 * An import POST that fails ambiguously (a 5xx, a reset, a timeout) may or may not have created
 * the image. The provider then looks for the image by the import marker tag the POST carried,
 * and by nothing else: an image with the same name, created minutes ago, may belong to another
 * stack, to another resource of the program, or be the image a replacement replaces. Each test
 * is a scenario in which adopting by name handed one resource an image that was not its own.
 */

const POST_IMAGES = { method: "POST", path: "/v2/images" } as const;
/**
 * A slower clock than other host tests: the old look-up took images created in the last 5
 * simulated minutes, and these scenarios happen within them, as they do for real.
 */
const WITHIN_MINUTES = { scale: 0.01, emulator: { importDurationMs: 10_000 } };
const SCOPE = (stack: string, resource = "basic") => `custom-image-basic/${stack}/${resource}`;

/**
 * A second deployment against the same emulator: its own host process, configured like the
 * fixture's, started before the test's first step so that its start-up takes no simulated time.
 */
async function withAnotherHost<T>(fixture: HostFixture, body: (host: ProviderHost) => Promise<T>): Promise<T> {
  const host = await startProviderHost();
  try {
    await host.configure(fixture.config, ["digitalocean:token"]);
    return await body(host);
  } finally {
    await host.close();
  }
}

async function createWith(host: ProviderHost, urn: string, inputs: Record<string, unknown>) {
  const { inputs: checked, failures } = await host.check(urn, {}, inputs);
  expect(failures).toEqual([]);
  const { id, properties } = await host.create(urn, checked);
  return { id, inputs: checked, outputs: properties };
}

describe("an import POST that fails ambiguously adopts only the image its own marker names", () => {
  test("stack prod, meeting a 503 minutes after stack dev imported the same program, imports its own image, and destroying dev leaves it alone", () =>
    withHostAndEmulator(WITHIN_MINUTES, async (fixture) => {
      const { dev, prod } = await withAnotherHost(fixture, async (prodHost) => {
        const dev = await createWith(fixture.host, URN, await fixture.inputs({ __importScope: SCOPE("dev") }));
        fixture.emulator.inject({ kind: "status", status: 503 }, POST_IMAGES);
        const prod = await createWith(
          prodHost,
          customImageUrn("basic", { stack: "prod" }),
          await fixture.inputs({ __importScope: SCOPE("prod") }),
        );
        return { dev, prod };
      });

      expect(prod.id).not.toBe(dev.id);
      await fixture.destroy(dev);
      expect(fixture.emulator.audit().map((entry) => [String(entry.id), entry.fate])).toEqual([
        [dev.id, "deleted"],
        [prod.id, "available"],
      ]);
      expect(fixture.emulator.requests.every((request) => request.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    }));

  test("a replacement for a new url, run by a new host within minutes of the first import and meeting a 503, imports the new url; deleting the old image leaves the new one", () =>
    withHostAndEmulator(WITHIN_MINUTES, async (fixture) => {
      const scope = { __importScope: SCOPE("dev") };
      const newUrl = "https://example.com/images/flatcar-v2.qcow2.gz";

      const { old, replacement } = await withAnotherHost(fixture, async (host) => {
        const old = await createWith(fixture.host, URN, await fixture.inputs(scope));
        fixture.emulator.inject({ kind: "status", status: 503 }, POST_IMAGES);
        const created = await createWith(host, URN, await fixture.inputs({ ...scope, url: newUrl }));
        // The engine's create-before-delete: the old image goes once the replacement exists.
        await host.delete(old.id, URN, old.outputs, old.inputs);
        return { old, replacement: created };
      });

      expect(replacement.id).not.toBe(old.id);
      expect(replacement.outputs).toMatchObject({ imageId: Number(replacement.id), url: newUrl, status: "available" });
      expect(fixture.emulator.audit().map((entry) => [String(entry.id), entry.url, entry.fate])).toEqual([
        [old.id, "https://example.com/images/flatcar.qcow2.gz", "deleted"],
        [replacement.id, newUrl, "available"],
      ]);
    }));

  test("two resources of one program with the same name, one POST reset after DigitalOcean acted and the other meeting a 503 meanwhile, each get the image of their own url and region", () =>
    withHostAndEmulator(WITHIN_MINUTES, async (fixture) => {
      const a = { urn: customImageUrn("a"), url: "https://example.com/images/a.qcow2.gz", region: "nyc3" };
      const b = { urn: customImageUrn("b"), url: "https://example.com/images/b.qcow2.gz", region: "ams3" };
      const program = async (resource: typeof a) =>
        fixture.inputs({ url: resource.url, regions: [resource.region], __importScope: SCOPE("dev", resource.urn.slice(-1)) });
      // b's POST creates its image and loses the answer; b's look-up (after the host's one listing
      // of marked images) answers late, so a's POST meets its 503 while b's image is unclaimed.
      const lateListing = 500 / fixture.clock.scale;
      fixture.emulator.inject({ kind: "delay", ms: lateListing }, { method: "GET", path: "/v2/images", count: 2 });
      fixture.emulator.inject({ kind: "reset-after-processing" }, POST_IMAGES);
      const creatingB = createWith(fixture.host, b.urn, await program(b));
      while (fixture.emulator.audit().length === 0) await fixture.clock.sleep(1_000);
      fixture.emulator.inject({ kind: "status", status: 503 }, POST_IMAGES);
      const createdA = await createWith(fixture.host, a.urn, await program(a));
      const created = [createdA, await creatingB];

      const audit = fixture.emulator.audit();
      expect(audit).toHaveLength(2);
      for (const [index, resource] of [a, b].entries()) {
        const { id, outputs } = created[index]!;
        expect(audit.find((entry) => String(entry.id) === id)).toMatchObject({
          url: resource.url,
          region: resource.region,
          fate: "available",
        });
        expect(outputs).toMatchObject({ url: resource.url, regions: [resource.region] });
        expect(fixture.emulator.getImage(Number(id))!.regions).toEqual([resource.region]);
      }
      expect(fixture.emulator.requests.filter((request) => request.method === "POST" && request.path.endsWith("/actions"))).toEqual([]);
    }));
});
