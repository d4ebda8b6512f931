import { installAlone, packagesBelow, PACKAGES, type RuntimeTree } from "./runtime-dependencies";

const names = (packages: string[]) => packages.map((key) => key.slice(0, key.lastIndexOf("@")));

describe("what installing one package alone brings into a production install", () => {
  let provider: RuntimeTree;
  let emulator: RuntimeTree;
  beforeAll(async () => {
    [provider, emulator] = await Promise.all([installAlone(PACKAGES.provider), installAlone(PACKAGES.emulator)]);
  }, 300_000);

  test("the provider brings none of the emulator's dependencies, nor the emulator", () => {
    expect(names(provider.all)).toEqual(expect.arrayContaining(["got", "re2js", "@pulumi/pulumi"]));
    for (const name of ["openapi-backend", "ajv-formats", "ajv", "pulumi-digitalocean-custom-image-emulator"])
      expect(names(provider.all)).not.toContain(name);
    // The S3 client is an optional peer dependency: only a program that uploads a `file` installs it.
    for (const name of ["@aws-sdk/client-s3", "@aws-sdk/s3-request-presigner", "@aws-sdk/lib-storage"])
      expect(names(provider.all)).not.toContain(name);
  });

  test("the emulator brings neither the provider nor Pulumi", () => {
    expect(names(emulator.all)).toEqual(expect.arrayContaining(["openapi-backend", "ajv-formats", "js-yaml"]));
    for (const name of ["pulumi-digitalocean-custom-image", "@pulumi/pulumi", "got"]) expect(names(emulator.all)).not.toContain(name);
  });

  test("without its peer @pulumi/pulumi, the provider's own tree is got's and re2js's", () => {
    expect(names(provider.own)).toEqual(expect.arrayContaining(["got", "re2js"]));
    expect(names(provider.own)).not.toContain("@pulumi/pulumi");
    expect(provider.own.length).toBeLessThan(provider.all.length);
  });
});

describe("packagesBelow", () => {
  const tree = {
    dependencies: {
      a: { version: "1.0.0", dependencies: { c: { version: "2.0.0" } } },
      b: { version: "1.0.0", dependencies: { c: { version: "2.0.0" }, d: { version: "1.0.0" } } },
      peer: { version: "3.0.0", dependencies: { e: { version: "1.0.0" } } },
      // How `npm ls` lists an optional peer dependency that is not installed.
      optionalPeer: {},
    },
  };

  test.each([
    [
      "counts each installed name@version once, however often it is reached",
      new Set<string>(),
      ["a@1.0.0", "b@1.0.0", "c@2.0.0", "d@1.0.0", "e@1.0.0", "peer@3.0.0"],
    ],
    ["skips a skipped name and everything only it brings", new Set(["peer"]), ["a@1.0.0", "b@1.0.0", "c@2.0.0", "d@1.0.0"]],
  ])("%s", (_, skip, expected) => {
    expect(packagesBelow(tree, skip)).toEqual(expected);
  });
});
