import { readFileSync } from "node:fs";
import { SPEC_PATH } from "pulumi-digitalocean-custom-image-emulator";
import { canonicalDistribution, sameDistribution, DISTRIBUTIONS, REGION_SLUGS, UNKNOWN_OS } from "../../src/provider/digitalocean-enums";

// js-yaml ships no type declarations (and @types/js-yaml is not installed); only `load` is used.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { load } = require("js-yaml") as { load(text: string): unknown };

const spec = load(readFileSync(SPEC_PATH, "utf8"));

/** The value at `path` in the parsed spec; throws naming the path if the spec's shape changed. */
function at(node: unknown, ...path: (string | number)[]): unknown {
  return path.reduce((current: unknown, key) => {
    const next = current !== null && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined;
    if (next === undefined) throw new Error(`the spec has nothing at ${path.join(" > ")} (missing ${key})`);
    return next;
  }, node);
}

const jsonBody = ["requestBody", "content", "application/json", "schema"];
const createCustom = at(spec, "paths", "/v2/images", "post", ...jsonBody);
const update = at(spec, "paths", "/v2/images/{image_id}", "put", ...jsonBody);
const createdImage = at(
  spec,
  "paths",
  "/v2/images",
  "post",
  "responses",
  "202",
  "content",
  "application/json",
  "schema",
  "properties",
  "image",
);
const imageAction = at(spec, "paths", "/v2/images/{image_id}/actions", "post", ...jsonBody);

/** Every `enum` anywhere in the spec, to find values that appear in none. */
function allEnums(node: unknown): unknown[][] {
  if (Array.isArray(node)) return node.flatMap(allEnums);
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node).flatMap(([key, value]) => (key === "enum" && Array.isArray(value) ? [value] : allEnums(value)));
}

describe("DigitalOcean's enums are copied from its OpenAPI description", () => {
  test.each([
    ["images_create_custom", at(createCustom, "allOf", 0, "properties", "distribution", "enum")],
    ["images_update", at(update, "properties", "distribution", "enum")],
    ["the image DigitalOcean returns", at(createdImage, "properties", "distribution", "enum")],
  ])("DISTRIBUTIONS equals the distribution enum of %s", (_operation, specEnum) => {
    expect(DISTRIBUTIONS).toEqual(specEnum);
  });

  test.each([
    ["images_create_custom", at(createCustom, "allOf", 1, "properties", "region", "enum")],
    ["imageActions_post (transfer)", at(imageAction, "anyOf", 1, "allOf", 1, "properties", "region", "enum")],
    ["the image DigitalOcean returns (regions)", at(createdImage, "properties", "regions", "items", "enum")],
  ])("REGION_SLUGS equals the region enum of %s", (_operation, specEnum) => {
    expect(REGION_SLUGS).toEqual(specEnum);
  });

  test("Unknown OS is in no enum of the spec, which is why it is kept apart", () => {
    expect(allEnums(spec).flat()).not.toContain(UNKNOWN_OS);
  });
});

describe("canonicalDistribution", () => {
  test.each([
    ["Ubuntu", "Ubuntu"],
    ["ubuntu", "Ubuntu"],
    ["  UBUNTU  ", "Ubuntu"],
    ["rocky linux", "Rocky Linux"],
    ["OPENSUSE", "openSUSE"],
    ["fedora atomic", "Fedora Atomic"],
    ["Unknown", "Unknown"],
    ["unknown os", "Unknown"],
    ["Unknown OS", "Unknown"],
  ])("spells %j as %j", (given, canonical) => {
    expect(canonicalDistribution(given)).toBe(canonical);
  });

  test.each(["", "Windows", "Ubuntu 22.04", "RockyLinux", "Unknown  OS"])("knows no distribution %j", (given) => {
    expect(canonicalDistribution(given)).toBeUndefined();
  });

  test.each(DISTRIBUTIONS.map((name) => [name]))("keeps DigitalOcean's own spelling %j", (name) => {
    expect(canonicalDistribution(name)).toBe(name);
  });
});

describe("sameDistribution", () => {
  test.each([
    ["Unknown OS", "Unknown", true],
    ["Unknown", "unknown os", true],
    ["Ubuntu", "ubuntu", true],
    ["Ubuntu", "Debian", false],
    ["Unknown OS", "Debian", false],
    ["Windows", "Windows", true],
    ["Windows", "Unknown", false],
  ])("%j and %j are one distribution: %j", (a, b, same) => {
    expect(sameDistribution(a, b)).toBe(same);
  });
});
