import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { scaledClock } from "../../src/client/clock";
import { customImageProvider } from "../../src/custom-image";
import { type Emulator, type EmulatorOptions, startEmulator } from "pulumi-digitalocean-custom-image-emulator";
import { customImageUrn, SECRET_SIG, SIG_KEY, UNKNOWN } from "../../tools/provider-host/engine-values";
import { REPO_ROOT } from "../../tools/shared/example-package";
import {
  type ProviderHost,
  ProviderHostError,
  serializedProvider,
  serializeProvider,
  startProviderHost,
} from "../../tools/provider-host/provider-host";
import { PROGRAM_INPUTS } from "./host-fixture";

/**
 * The harness itself: the SDK's real dynamic-provider host, spoken to over gRPC as the engine does,
 * running the serialized shim, which loads the built provider from the example's folder.
 */

const URN = customImageUrn("basic");
const TOKEN = "test-token";
/** Caps the provider's poll interval at 2 simulated seconds. */
const FAST_POLLING = { "digitalocean-custom-image:pollIntervalSeconds": "2" };

/**
 * One simulated clock for the emulator (this process) and the provider (the host process): both
 * build it from the same origin and real start, and 30 simulated seconds of import take 30 ms.
 */
function sharedClock(scale = 0.001) {
  const clock = scaledClock(scale);
  return { clock, config: { "digitalocean-custom-image:clock": clock.spec } };
}

/** The inputs a program like examples/basic sends (the SDK leaves out undefined output keys). */
async function programInputs(overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return { ...PROGRAM_INPUTS, __provider: await serializedProvider(), ...overrides };
}

/** Runs `test` with a host, closing it whatever happens. */
async function withHost(test: (host: ProviderHost) => Promise<void>): Promise<void> {
  const host = await startProviderHost();
  try {
    await test(host);
  } finally {
    await host.close();
  }
}

async function withEmulatorAndHost(
  options: EmulatorOptions,
  test: (emulator: Emulator, host: ProviderHost) => Promise<void>,
): Promise<void> {
  const emulator = await startEmulator(options);
  try {
    await withHost((host) => test(emulator, host));
  } finally {
    await emulator.close();
  }
}

describe("the provider host harness", () => {
  test("the shim compiled from src serializes to the built shim's text, spacing aside", async () => {
    const fromDist = await serializedProvider();
    const fromSource = await serializeProvider(customImageProvider);

    // SWC and tsc print arrow functions with different spacing; nothing else may differ.
    expect(fromSource.replace(/\s+/g, "")).toBe(fromDist.replace(/\s+/g, ""));
    expect(fromDist).toContain('require("pulumi-digitalocean-custom-image/provider")');
  });

  test("the provider text is byte for byte what a CustomImage built from dist stores in state", async () => {
    const stored = new Promise<unknown>((resolve) => {
      pulumi.runtime.setMocks(
        {
          newResource: (args) => {
            // Not the CustomImageScope registered before it, whose provider is another.
            if (args.type.endsWith(":CustomImage")) resolve(args.inputs.__provider);
            return { id: "1", state: args.inputs };
          },
          call: () => ({}),
        },
        "custom-image-basic",
        "dev",
        false,
      );
    });
    const { CustomImage } = jest.requireActual<typeof import("../../src/custom-image")>(join(REPO_ROOT, "dist", "custom-image.js"));

    new CustomImage("basic", { url: "https://example.com/images/flatcar.qcow2.gz", regions: ["nyc3"] });

    expect(await stored).toBe(await serializedProvider());
  });

  test("the engine's preview and secret markers are the ones the SDK uses", () => {
    expect([UNKNOWN, SIG_KEY, SECRET_SIG]).toEqual([unknownValue, specialSigKey, specialSecretSig]);
  });

  test("Configure and Check through the real host return normalised inputs and no API call is made", async () => {
    await withEmulatorAndHost({}, async (emulator, host) => {
      await host.configure({ "digitalocean:token": TOKEN, "digitalocean:apiEndpoint": emulator.url, ...FAST_POLLING }, [
        "digitalocean:token",
      ]);
      const news = await programInputs({ distribution: "ubuntu", regions: ["NYC3", "ams3", "nyc3"], tags: ["pulumi", "PULUMI"] });

      const result = await host.check(URN, {}, news);

      expect(result.failures).toEqual([]);
      expect(result.inputs).toEqual({
        url: "https://example.com/images/flatcar.qcow2.gz",
        regions: ["nyc3", "ams3"],
        name: "basic",
        description: "Flatcar, imported by Pulumi",
        distribution: "Ubuntu",
        tags: ["pulumi"],
        createTimeoutMinutes: 60,
        transferTimeoutMinutes: 60,
        __provider: news.__provider,
      });
      expect(host.logs.join("\n")).toMatch(/warning: \[runtime\] image "basic": regions\[2\] "nyc3" repeats regions\[0\]/);
      expect(emulator.requests).toEqual([]);
    });
  });

  test("Check reports every bad input as a failure naming the property", async () => {
    await withHost(async (host) => {
      await host.configure(FAST_POLLING);

      const result = await host.check(URN, {}, await programInputs({ url: "ftp://example.com/image.qcow2", distribution: "Windows" }));

      expect(result.failures.map((failure) => failure.property)).toEqual(["url", "distribution"]);
      expect(result.failures[0]!.reason).toMatch(/^url "ftp:\/\/example\.com\/image\.qcow2" is not an http or https URL/);
      // Invalid values come back as given, so the engine shows what the program said.
      expect(result.inputs).toMatchObject({ url: "ftp://example.com/image.qcow2", distribution: "Windows" });
    });
  });

  test("Check passes the preview sentinel through untouched, also inside arrays", async () => {
    await withHost(async (host) => {
      await host.configure(FAST_POLLING);

      const result = await host.check(URN, {}, await programInputs({ url: UNKNOWN, regions: ["nyc3", UNKNOWN], tags: UNKNOWN }));

      expect(result.failures).toEqual([]);
      expect(result.inputs).toMatchObject({ url: UNKNOWN, regions: ["nyc3", UNKNOWN], tags: UNKNOWN });
    });
  });

  test("the shim in the host loads the built package through the example's node_modules", async () => {
    await withHost(async (host) => {
      expect(host.hostScript).toMatch(/node_modules\/@pulumi\/pulumi\/cmd\/dynamic-provider\/index\.js$/);
      expect(host.startupMs).toBeLessThan(10_000);
      // Without a token anywhere, the first API call fails with the provider's own message: proof
      // that the shim found dist/provider through examples/basic/node_modules.
      await host.configure(FAST_POLLING);
      const error = await host.create(URN, await programInputs()).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderHostError);
      expect((error as ProviderHostError).message).toMatch(/^No DigitalOcean API token found/);
      expect((error as ProviderHostError).initFailed).toBeUndefined();
    });
  });

  test("kill ends the host like a crash and later calls fail as unavailable", async () => {
    await withHost(async (host) => {
      await host.kill();
      expect(await host.exited).toEqual({ code: null, signal: "SIGKILL" });
      await expect(host.configure(FAST_POLLING)).rejects.toMatchObject({ code: 14 });
    });
  });

  test("a create that fails after the image exists reaches the engine as ErrorResourceInitFailed with id, outputs and reasons", async () => {
    const { clock, config } = sharedClock();
    await withEmulatorAndHost({ clock }, async (emulator, host) => {
      await host.configure({ "digitalocean:token": TOKEN, "digitalocean:apiEndpoint": emulator.url, ...config, ...FAST_POLLING }, [
        "digitalocean:token",
      ]);
      emulator.failTransfers("ams3");
      const checked = await host.check(URN, {}, await programInputs({ regions: ["nyc3", "ams3"] }));

      const error = await host.create(URN, checked.inputs).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(ProviderHostError);
      const { initFailed, message } = error as ProviderHostError;
      const [image] = emulator.audit();
      expect(message).toMatch(/ams3/);
      expect(initFailed).toEqual({
        id: String(image!.id),
        properties: expect.objectContaining({ imageId: image!.id, status: "available", __provider: checked.inputs.__provider }),
        reasons: [message],
      });
    });
  });

  test("an image goes through create, read, update and delete against the emulator with the token sent as a secret", async () => {
    const { clock, config } = sharedClock();
    await withEmulatorAndHost({ clock }, async (emulator, host) => {
      await host.configure({ "digitalocean:token": TOKEN, "digitalocean:apiEndpoint": emulator.url, ...config, ...FAST_POLLING }, [
        "digitalocean:token",
      ]);

      const checked = await host.check(URN, {}, await programInputs());
      expect(checked.failures).toEqual([]);

      const created = await host.create(URN, checked.inputs);
      expect(created.id).toMatch(/^\d+$/);
      expect(created.properties).toMatchObject({
        imageId: Number(created.id),
        status: "available",
        regions: ["nyc3"],
        description: "Flatcar, imported by Pulumi",
        tags: ["pulumi", "custom-image-basic"],
        __provider: checked.inputs.__provider,
      });
      expect(emulator.getImage(Number(created.id))?.status).toBe("available");

      const read = await host.read(created.id, URN, created.properties, checked.inputs);
      expect(read.id).toBe(created.id);
      expect(read.properties).toEqual(created.properties);

      const rechecked = await host.check(URN, checked.inputs, await programInputs({ description: "Flatcar, updated" }));
      const diff = await host.diff(created.id, URN, created.properties, rechecked.inputs, checked.inputs);
      expect(diff).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });

      const updated = await host.update(created.id, URN, created.properties, rechecked.inputs, checked.inputs);
      expect(updated.properties).toMatchObject({
        imageId: Number(created.id),
        description: "Flatcar, updated",
        __provider: checked.inputs.__provider,
      });
      expect(emulator.getImage(Number(created.id))?.description).toBe("Flatcar, updated");

      await host.delete(created.id, URN, updated.properties, rechecked.inputs);
      const gone = await host.read(created.id, URN, updated.properties, rechecked.inputs);
      expect(gone.id).toBe("");

      expect(emulator.violations).toEqual([]);
      expect(emulator.audit()).toHaveLength(1);
      expect(emulator.requests.every((request) => request.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
      expect(host.logs.join("\n")).not.toContain(TOKEN);
    });
  });
});
