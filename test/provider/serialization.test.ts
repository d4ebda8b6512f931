import * as pulumi from "@pulumi/pulumi";
import { customImageProvider } from "../../src/custom-image";
import { customImageScopeProvider } from "../../src/custom-image-scope";
import { getRuntime } from "../../src/provider";

/** Exactly what `pulumi.dynamic.Resource` stores as `__provider` (sdk/nodejs/dynamic/index.ts, serializeProvider). */
async function serialize(provider: pulumi.dynamic.ResourceProvider): Promise<string> {
  return (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
}

describe("the serialized provider", () => {
  const canary = "dop_v1_serialization_canary_0123456789";
  const saved = { ...process.env };

  afterEach(() => {
    process.env = { ...saved };
    pulumi.runtime.setAllConfig({});
  });

  test("is at most 2,048 characters", async () => {
    const text = await serialize(customImageProvider);
    expect(text.length).toBeLessThanOrEqual(2048);
  });

  test("loads the implementation by package name when it runs, instead of carrying it", async () => {
    const text = await serialize(customImageProvider);
    expect(text).toContain('require("pulumi-digitalocean-custom-image/provider")');
    expect(text).not.toMatch(/got|DigitalOceanClient|ImageWaiter|api\.digitalocean\.com/);
  });

  test("holds no credential, whether the token comes from stack config or the environment", async () => {
    pulumi.runtime.setAllConfig({ "digitalocean:token": canary }, ["digitalocean:token"]);
    process.env.DIGITALOCEAN_TOKEN = canary;
    process.env.DIGITALOCEAN_ACCESS_TOKEN = canary;
    // Load the implementation first, as a program that also uses the lookups would.
    expect(typeof getRuntime).toBe("function");
    const text = await serialize(customImageProvider);
    expect(text).not.toContain(canary);
  });

  test("of each image's CustomImageScope is at most 1,024 characters, loads the implementation by package name and holds no credential", async () => {
    pulumi.runtime.setAllConfig({ "digitalocean:token": canary }, ["digitalocean:token"]);
    process.env.DIGITALOCEAN_TOKEN = canary;
    const text = await serialize(customImageScopeProvider);
    expect(text.length).toBeLessThanOrEqual(1024);
    expect(text).toContain('require("pulumi-digitalocean-custom-image/provider")');
    expect(text).not.toContain(canary);
  });
});
