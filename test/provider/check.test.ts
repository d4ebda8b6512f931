import { check, INPUT_LIMITS, INPUT_PROPERTY_NAMES } from "../../src/provider/check";
import { FILE_INPUT_NAMES } from "../../src/provider/check-file";
import { DISTRIBUTIONS, REGION_SLUGS } from "../../src/provider/digitalocean-enums";
import { UNKNOWN } from "../../src/provider/types";

const url = "https://images.example.com/releases/web.qcow2";
const minimal = { url, regions: ["nyc3"] };

function checkInputs(news: Record<string, unknown>, resourceName = "web") {
  return check({}, news, { resourceName });
}

function checkWith(overrides: Record<string, unknown>) {
  return checkInputs({ ...minimal, ...overrides });
}

/** Every path in a value that holds `undefined`, which would break the gRPC struct. */
function undefinedPaths(value: unknown, path = "inputs"): string[] {
  if (value === undefined) return [path];
  if (Array.isArray(value)) return value.flatMap((element, index) => undefinedPaths(element, `${path}[${index}]`));
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, element]) => undefinedPaths(element, `${path}.${key}`));
  }
  return [];
}

describe("check accepts valid inputs", () => {
  test("fills every default when only url and regions are given", () => {
    expect(checkWith({})).toEqual({
      inputs: {
        url,
        regions: ["nyc3"],
        name: "web",
        distribution: "Unknown",
        createTimeoutMinutes: 60,
        transferTimeoutMinutes: 60,
      },
      failures: [],
      warnings: [],
    });
  });

  test("keeps every input that is already in canonical form, in the order of the inputs", () => {
    const news = {
      url: "http://images.example.com:8080/web.img.gz",
      regions: ["nyc3", "ams3", "sgp1"],
      name: "web image",
      description: "Web servers, built by Packer",
      distribution: "Rocky Linux",
      tags: ["web", "env:prod", "team_a-b"],
      createTimeoutMinutes: 90,
      transferTimeoutMinutes: 1.5,
      token: "dop_v1_second_account",
      apiEndpoint: "https://api.digitalocean.com/v2-proxy",
    };
    const result = checkInputs(news);
    expect(result).toEqual({ inputs: news, failures: [], warnings: [] });
    expect(Object.keys(result.inputs)).toEqual(
      INPUT_PROPERTY_NAMES.filter((name) => !(FILE_INPUT_NAMES as readonly string[]).includes(name)),
    );
  });

  test.each([
    ["a url at the length limit", { url: `https://example.com/${"a".repeat(INPUT_LIMITS.urlCharacters - 20)}` }],
    ["a presigned url with credentials in its query", { url: `${url}?X-Amz-Signature=abc&X-Amz-Credential=AKIA%2Fx` }],
    ["a url with userinfo", { url: "https://user:pass@example.com/web.img" }],
    ["a url with a port and a fragment", { url: "https://example.com:8443/web.img#part" }],
    ["a url with an IPv6 host", { url: "http://[::1]:8080/web.img" }],
    ["a region from DigitalOcean's list", { regions: ["syd1"] }],
    ["every region in DigitalOcean's list", { regions: ["ams1", "ams2", "ams3", "blr1", "fra1", "lon1", "nyc1", "nyc2", "nyc3"] }],
    ["a name of one character", { name: "w" }],
    ["a name at the length limit", { name: "n".repeat(INPUT_LIMITS.nameCharacters) }],
    ["a name of emoji counted as characters", { name: "🚀".repeat(INPUT_LIMITS.nameCharacters) }],
    ["an empty description, which clears it", { description: "" }],
    ["a description of only a space", { description: " " }],
    ["a description at the length limit", { description: "d".repeat(INPUT_LIMITS.descriptionCharacters) }],
    ["the distribution Unknown", { distribution: "Unknown" }],
    ["an empty tag list", { tags: [] }],
    ["a tag at the length limit", { tags: ["t".repeat(INPUT_LIMITS.tagCharacters)] }],
    ["tags with colons, dashes and underscores", { tags: ["k8s:node-pool_1"] }],
    ["a create timeout at the limit", { createTimeoutMinutes: INPUT_LIMITS.timeoutMinutes }],
    ["a transfer timeout of a fraction of a minute over the floor", { transferTimeoutMinutes: 1.25 }],
    ["a create timeout at the floor", { createTimeoutMinutes: INPUT_LIMITS.minTimeoutMinutes }],
    ["as many tags as allowed", { tags: Array.from({ length: INPUT_LIMITS.tags }, (_, index) => `t${index}`) }],
    [
      "as many regions as allowed",
      {
        regions: Array.from(
          { length: INPUT_LIMITS.regions },
          (_, index) => `x${String.fromCharCode(97 + Math.floor(index / 26), 97 + (index % 26))}1`,
        ),
      },
    ],
    ["a description with line breaks and tabs", { description: "Built by Packer.\r\n\tBase: Ubuntu" }],
    ["a name with emoji and letters of any script", { name: "web 🚀 здорово 日本" }],
  ])("accepts %s as given", (_case, overrides) => {
    const result = checkWith(overrides);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject(overrides);
  });

  test.each(DISTRIBUTIONS.map((distribution) => [distribution]))("accepts the distribution %j", (distribution) => {
    expect(checkWith({ distribution })).toMatchObject({ inputs: { distribution }, failures: [] });
  });
});

describe("check normalises inputs", () => {
  test.each([
    ["uses the resource name when name is absent", {}, { name: "web" }],
    ["trims whitespace around the name", { name: "  web image \t" }, { name: "web image" }],
    ["prefers the given name over the resource name", { name: "custom" }, { name: "custom" }],
    ["spells a lower-case distribution canonically", { distribution: "ubuntu" }, { distribution: "Ubuntu" }],
    ["spells a distribution of two words canonically", { distribution: "rocky linux" }, { distribution: "Rocky Linux" }],
    ["spells an upper-case distribution canonically", { distribution: "OPENSUSE" }, { distribution: "openSUSE" }],
    ["ignores whitespace around a distribution", { distribution: "  Debian  " }, { distribution: "Debian" }],
    [
      "turns Unknown OS, which DigitalOcean reports but does not accept, into Unknown",
      { distribution: "Unknown OS" },
      { distribution: "Unknown" },
    ],
    ["turns unknown os into Unknown", { distribution: "unknown os" }, { distribution: "Unknown" }],
    ["lower-cases region slugs", { regions: ["NYC3", "Ams3"] }, { regions: ["nyc3", "ams3"] }],
    ["trims region slugs", { regions: [" nyc3 "] }, { regions: ["nyc3"] }],
    ["drops repeated regions, keeping the first", { regions: ["nyc3", "ams3", "nyc3"] }, { regions: ["nyc3", "ams3"] }],
    ["drops regions repeated in another case", { regions: ["nyc3", "NYC3"] }, { regions: ["nyc3"] }],
    ["drops repeated tags, keeping the order given", { tags: ["b", "a", "b", "c", "a"] }, { tags: ["b", "a", "c"] }],
    [
      "drops tags repeated in another case, keeping the first spelling",
      { tags: ["Prod", "web", "PROD", "prod"] },
      { tags: ["Prod", "web"] },
    ],
    ["treats a null description as absent", { description: null }, {}],
    ["treats null tags as absent", { tags: null }, {}],
    ["treats a null distribution as absent", { distribution: null }, { distribution: "Unknown" }],
    ["treats a null timeout as absent", { createTimeoutMinutes: null }, { createTimeoutMinutes: 60 }],
    ["treats a null name as absent", { name: null }, { name: "web" }],
  ])("%s", (_case, overrides, expected) => {
    const result = checkWith(overrides);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject(expected);
  });

  test.each([
    ["description", { description: null }],
    ["tags", { tags: null }],
    ["description", {}],
    ["tags", {}],
  ])("omits %s when it is absent or null, rather than returning undefined", (property, overrides) => {
    const result = checkWith(overrides);
    expect(result.inputs).not.toHaveProperty(property);
    expect(undefinedPaths(result.inputs)).toEqual([]);
  });

  test("ignores an unknown property whose value is undefined, as Pulumi's serializer drops it", () => {
    expect(checkWith({ imageId: undefined })).toMatchObject({ failures: [] });
  });

  test("does not change the object it was given", () => {
    const news = { ...minimal, name: " web ", tags: ["a", "a"] };
    const copy = structuredClone(news);
    checkInputs(news);
    expect(news).toEqual(copy);
  });
});

describe("check passes Pulumi's own values through", () => {
  test.each([
    ["the serialized provider", "exports.handler = () => provider;"],
    ["an unknown serialized provider", UNKNOWN],
  ])("returns __provider untouched when it is %s", (_case, provider) => {
    const result = checkWith({ __provider: provider });
    expect(result.failures).toEqual([]);
    expect(result.inputs["__provider"]).toBe(provider);
  });

  test("returns the import marker's scope, which CustomImage adds, untouched and without a failure", () => {
    const result = checkWith({ __importScope: "project/stack/web" });
    expect(result.failures).toEqual([]);
    expect(result.inputs["__importScope"]).toBe("project/stack/web");
  });

  test("adds no __provider when none was given", () => {
    expect(checkWith({}).inputs).not.toHaveProperty("__provider");
  });

  test.each([
    ["url", { url: UNKNOWN }, { url: UNKNOWN }],
    ["regions", { regions: UNKNOWN }, { regions: UNKNOWN }],
    ["one region of several", { regions: [UNKNOWN, "NYC3"] }, { regions: [UNKNOWN, "nyc3"] }],
    ["every region", { regions: [UNKNOWN, UNKNOWN] }, { regions: [UNKNOWN, UNKNOWN] }],
    ["name", { name: UNKNOWN }, { name: UNKNOWN }],
    ["description", { description: UNKNOWN }, { description: UNKNOWN }],
    ["distribution", { distribution: UNKNOWN }, { distribution: UNKNOWN }],
    ["tags", { tags: UNKNOWN }, { tags: UNKNOWN }],
    ["one tag of several, keeping the known tags deduplicated", { tags: ["a", UNKNOWN, "a", UNKNOWN] }, { tags: ["a", UNKNOWN, UNKNOWN] }],
    ["createTimeoutMinutes", { createTimeoutMinutes: UNKNOWN }, { createTimeoutMinutes: UNKNOWN }],
    ["transferTimeoutMinutes", { transferTimeoutMinutes: UNKNOWN }, { transferTimeoutMinutes: UNKNOWN }],
  ])("lets an unknown %s pass unchecked", (_case, overrides, expected) => {
    const result = checkWith(overrides);
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject(expected);
  });

  test("still checks the known regions next to an unknown one", () => {
    expect(checkWith({ regions: [UNKNOWN, "new york"] }).failures).toEqual([
      { property: "regions", reason: expect.stringContaining(`regions[1] "new york"`) },
    ]);
  });

  test("still checks the known tags next to an unknown one", () => {
    expect(checkWith({ tags: [UNKNOWN, "a b"] }).failures).toEqual([
      { property: "tags", reason: expect.stringContaining(`tags[1] "a b"`) },
    ]);
  });

  test("accepts inputs that are all unknown", () => {
    const news = Object.fromEntries(INPUT_PROPERTY_NAMES.map((property) => [property, UNKNOWN]));
    expect(checkInputs(news)).toEqual({ inputs: news, failures: [], warnings: [] });
  });
});

describe("check warns about doubtful inputs", () => {
  test.each([
    [
      "a region slug missing from DigitalOcean's published list",
      { regions: ["nyc3", "atl1"] },
      ["nyc3", "atl1"],
      /regions\[1\] "atl1" is not in DigitalOcean's published list/,
    ],
    ["a repeated region", { regions: ["nyc3", "ams3", "nyc3"] }, ["nyc3", "ams3"], /regions\[2\] "nyc3" repeats regions\[0\]/],
  ])("accepts %s with a warning", (_case, overrides, regions, warning) => {
    const result = checkWith(overrides);
    expect(result.failures).toEqual([]);
    expect(result.inputs["regions"]).toEqual(regions);
    expect(result.warnings).toEqual([expect.stringMatching(warning)]);
  });

  test.each([
    ["the cloud metadata address", "http://169.254.169.254/latest/meta-data", "a link-local address (169.254.169.254)"],
    ["a private IPv4 address", "http://10.0.0.1:8080/web.img", "a private address (10.0.0.1)"],
    ["a private address in another spelling", "http://0xc0.168.1.1/web.img", "a private address (192.168.1.1)"],
    ["a private IPv6 address", "http://[fd00::1]/web.img", "a private address ([fd00::1])"],
    ["a link-local IPv6 address", "http://[fe80::1]/web.img", "a link-local address ([fe80::1])"],
    ["an IPv4-mapped IPv6 metadata address", "http://[::ffff:169.254.169.254]/web.img", "a link-local address ([::ffff:a9fe:a9fe])"],
    ["loopback", "http://127.0.0.1:8080/web.img", "a loopback address (127.0.0.1)"],
    ["localhost", "http://localhost/web.img", "a loopback address (localhost)"],
    ["an mDNS name", "http://nas.local/web.img", "a name that resolves only on a private network (nas.local)"],
    ["the unspecified address", "http://0.0.0.0/web.img", "an address that is not routed on the internet (0.0.0.0)"],
  ])("accepts a url of %s with a warning that DigitalOcean cannot reach it", (_case, address, named) => {
    const result = checkWith({ url: address });
    expect(result.failures).toEqual([]);
    expect(result.inputs["url"]).toBe(address);
    expect(result.warnings).toEqual([
      expect.stringContaining(`names ${named}: DigitalOcean downloads the image from its own network, which cannot reach it`),
    ]);
  });

  test.each([
    ["https://images.example.com/web.img"],
    ["http://8.8.8.8/web.img"],
    ["http://172.32.0.1/web.img"],
    ["https://[2606:4700::1]/web.img"],
  ])("does not warn about %s, which may be reachable", (address) => {
    expect(checkWith({ url: address }).warnings).toEqual([]);
  });

  test("names DigitalOcean's published region slugs, separated by commas, when warning about one missing from them", () => {
    expect(checkWith({ regions: ["atl1"] }).warnings[0]).toContain(`published list (${REGION_SLUGS.join(", ")})`);
  });
});

const ALLOWED_URL = /an http or https URL with a host/;
const ALLOWED_REGIONS = /region slug|list of region slugs/;
const ALLOWED_NAME = /1 to 255 characters|at most 255/;
const ALLOWED_DESCRIPTION = /at most 1024 characters|at most 1024 are allowed/;
const ALLOWED_DISTRIBUTION = new RegExp(`one of ${DISTRIBUTIONS.join(", ")}`);
const ALLOWED_TAGS = /letters, digits, colons, dashes and underscores/;
const ALLOWED_TIMEOUT = /at least 1 and at most 1440/;
const HIDDEN = /control, bidirectional or zero-width characters/;

describe("check rejects invalid inputs, naming the property and what is allowed", () => {
  test.each([
    ["a missing url", { url: undefined }, "url", /url is required/, ALLOWED_URL],
    ["a null url", { url: null }, "url", /url is required/, ALLOWED_URL],
    ["a url that is a number", { url: 42 }, "url", /got a number/, ALLOWED_URL],
    ["a url that is a list", { url: [url] }, "url", /got a list/, ALLOWED_URL],
    ["a url that is an object", { url: { href: url } }, "url", /got an object/, ALLOWED_URL],
    ["an empty url", { url: "" }, "url", /not a valid absolute URL/, ALLOWED_URL],
    ["a relative url", { url: "/releases/web.qcow2" }, "url", /not a valid absolute URL/, ALLOWED_URL],
    ["a url without a scheme", { url: "example.com/web.qcow2" }, "url", /not a valid absolute URL/, ALLOWED_URL],
    ["an ftp url", { url: "ftp://example.com/web.qcow2" }, "url", /over http or https only/, ALLOWED_URL],
    ["an s3 url", { url: "s3://bucket/web.qcow2" }, "url", /over http or https only/, ALLOWED_URL],
    ["a file url", { url: "file:///tmp/web.qcow2" }, "url", /over http or https only/, ALLOWED_URL],
    ["a url without a host", { url: "https://" }, "url", /not a valid absolute URL/, ALLOWED_URL],
    [
      "a url with an empty host, which URL parsing would repair",
      { url: "https:///a.img" },
      "url",
      /^url "https:\/\/\/a\.img" names no host after "https:\/\/"/,
      ALLOWED_URL,
    ],
    ["a url with one slash after the scheme", { url: "https:/a.img" }, "url", /^url "https:\/a\.img" names no host/, ALLOWED_URL],
    ["a url with backslashes after the scheme", { url: "https:\\\\a.img" }, "url", /names no host/, ALLOWED_URL],
    [
      "a url with one slash after the scheme and another url in its path",
      { url: "https:/x.example/https://host/a.img" },
      "url",
      /names no host/,
      ALLOWED_URL,
    ],
    ["a url with a space", { url: "https://example.com/my image.qcow2" }, "url", /whitespace/, /%20/],
    ["a url with surrounding whitespace", { url: ` ${url} ` }, "url", /whitespace/, /%20/],
    ["a url with a newline", { url: `${url}\n` }, "url", /whitespace, control/, /%20/],
    [
      "a url with a zero-width space in its host, which URL parsing drops, shown as written",
      { url: "https://exa\u200Bmple.com/web.img" },
      "url",
      /"https:\/\/exa\\u200bmple\.com\/web\.img"$/,
      HIDDEN,
    ],
    ["a url with a right-to-left override", { url: "https://example.com/\u202Egmi.exe" }, "url", HIDDEN, /%20/],
    ["a url with a byte order mark", { url: "\uFEFFhttps://example.com/web.img" }, "url", HIDDEN, /%20/],
    [
      "5,000 made-up region slugs",
      {
        regions: Array.from(
          { length: 5000 },
          (_, index) =>
            `${String.fromCharCode(97 + (index % 26), 97 + (Math.floor(index / 26) % 26), 97 + (Math.floor(index / 676) % 26))}1`,
        ),
      },
      "regions",
      /regions has 5000 entries/,
      /at most 32/,
    ],
    [
      "a url over the length limit",
      { url: `https://example.com/${"a".repeat(INPUT_LIMITS.urlCharacters)}` },
      "url",
      /characters long/,
      /at most 8192/,
    ],
    ["missing regions", { regions: undefined }, "regions", /regions is required/, ALLOWED_REGIONS],
    ["regions given as one string", { regions: "nyc3" }, "regions", /got a string/, ALLOWED_REGIONS],
    ["an empty region list", { regions: [] }, "regions", /at least one region/, ALLOWED_REGIONS],
    ["a region that is a number", { regions: ["nyc3", 3] }, "regions", /regions\[1\] .*got a number/, /three letters and a digit/],
    ["a region that is null", { regions: [null] }, "regions", /regions\[0\] .*got null/, /three letters and a digit/],
    [
      "a region name instead of a slug",
      { regions: ["New York 3"] },
      "regions",
      /regions\[0\] "New York 3" is not a region slug/,
      /three letters and a digit/,
    ],
    ["a region slug without a digit", { regions: ["nyc"] }, "regions", /regions\[0\] "nyc"/, /three letters and a digit/],
    ["an empty region slug", { regions: ["nyc3", ""] }, "regions", /regions\[1\] ""/, /three letters and a digit/],
    [
      "a region slug with a letter too many",
      { regions: ["nycc3"] },
      "regions",
      /regions\[0\] "nycc3" is not a region slug/,
      /three letters and a digit/,
    ],
    [
      "a region slug with two digits",
      { regions: ["nyc33"] },
      "regions",
      /regions\[0\] "nyc33" is not a region slug/,
      /three letters and a digit/,
    ],
    ["a name that is a number", { name: 7 }, "name", /got a number/, ALLOWED_NAME],
    ["an empty name", { name: "" }, "name", /not empty or only whitespace/, ALLOWED_NAME],
    ["a name of only whitespace", { name: "   " }, "name", /not empty or only whitespace/, ALLOWED_NAME],
    ["a name over the length limit", { name: "n".repeat(INPUT_LIMITS.nameCharacters + 1) }, "name", /256 characters long/, ALLOWED_NAME],
    ["a name with an ANSI escape", { name: "web\u001b[2J\u001b[31mPWNED" }, "name", /found U\+001B at character 4/, HIDDEN],
    ["a name made only of zero-width characters", { name: "\u200B\u200C\u200D" }, "name", /found U\+200B at character 1/, HIDDEN],
    ["a name with a right-to-left override", { name: "web\u202Eduorp" }, "name", /found U\+202E/, HIDDEN],
    ["a name with a C1 control (CSI)", { name: "web\u009b31m" }, "name", /found U\+009B/, HIDDEN],
    ["a name with an invisible tag character", { name: "web\u{E0041}" }, "name", /found U\+E0041/, HIDDEN],
    ["a description that is a number", { description: 1 }, "description", /got a number/, ALLOWED_DESCRIPTION],
    ["a description that is a list", { description: ["a"] }, "description", /got a list/, ALLOWED_DESCRIPTION],
    ["a description with an ANSI escape", { description: "ok\u001b[8mhidden" }, "description", /found U\+001B at character 3/, HIDDEN],
    [
      "a description with a left-to-right isolate",
      { description: "a\u2066b" },
      "description",
      /found U\+2066/,
      /other than line breaks and tabs/,
    ],
    [
      "a description over the length limit",
      { description: "d".repeat(INPUT_LIMITS.descriptionCharacters + 1) },
      "description",
      /1025 characters long/,
      ALLOWED_DESCRIPTION,
    ],
    [
      "an unknown distribution",
      { distribution: "Windows" },
      "distribution",
      /"Windows" is not one DigitalOcean knows/,
      ALLOWED_DISTRIBUTION,
    ],
    ["a distribution with a version", { distribution: "Ubuntu 24.04" }, "distribution", /silently store "Unknown"/, ALLOWED_DISTRIBUTION],
    ["an empty distribution", { distribution: "" }, "distribution", /"" is not one DigitalOcean knows/, ALLOWED_DISTRIBUTION],
    ["a distribution that is a number", { distribution: 20 }, "distribution", /got a number/, ALLOWED_DISTRIBUTION],
    ["tags given as one string", { tags: "web" }, "tags", /got a string/, ALLOWED_TAGS],
    [
      "100,000 tags",
      { tags: Array.from({ length: 100_000 }, (_, index) => `t${index}`) },
      "tags",
      /tags has 100000 entries/,
      /at most 50 are allowed/,
    ],
    ["a tag that is a number", { tags: ["web", 1] }, "tags", /tags\[1\] .*got a number/, ALLOWED_TAGS],
    ["a tag with a space", { tags: ["my tag"] }, "tags", /tags\[0\] "my tag" is not a valid tag name/, ALLOWED_TAGS],
    ["a tag with non-ASCII letters", { tags: ["здорово"] }, "tags", /tags\[0\] "здорово"/, ALLOWED_TAGS],
    ["an empty tag", { tags: [""] }, "tags", /tags\[0\] ""/, ALLOWED_TAGS],
    ["a tag over the length limit", { tags: ["t".repeat(INPUT_LIMITS.tagCharacters + 1)] }, "tags", /tags\[0\] "t+…"/, ALLOWED_TAGS],
    [
      "a tag with the import marker's reserved prefix",
      { tags: ["web", "pulumi-import:mine"] },
      "tags",
      /tags\[1\] "pulumi-import:mine" starts with "pulumi-import:", a prefix reserved/,
      /use another tag name/,
    ],
    [
      "a tag with the import marker's prefix in another case, which DigitalOcean treats as the same",
      { tags: ["Pulumi-Import:mine"] },
      "tags",
      /tags\[0\] "Pulumi-Import:mine" starts with "pulumi-import:"/,
      /reserved for the provider's import marker/,
    ],
    ["a create timeout of zero", { createTimeoutMinutes: 0 }, "createTimeoutMinutes", /createTimeoutMinutes is 0/, ALLOWED_TIMEOUT],
    [
      "a create timeout of 1e-300 minutes",
      { createTimeoutMinutes: 1e-300 },
      "createTimeoutMinutes",
      /createTimeoutMinutes is 1e-300/,
      ALLOWED_TIMEOUT,
    ],
    [
      "a transfer timeout under the floor",
      { transferTimeoutMinutes: 0.5 },
      "transferTimeoutMinutes",
      /transferTimeoutMinutes is 0.5/,
      ALLOWED_TIMEOUT,
    ],
    ["a negative create timeout", { createTimeoutMinutes: -5 }, "createTimeoutMinutes", /is -5/, ALLOWED_TIMEOUT],
    ["a create timeout of NaN", { createTimeoutMinutes: NaN }, "createTimeoutMinutes", /is NaN/, ALLOWED_TIMEOUT],
    ["an infinite create timeout", { createTimeoutMinutes: Infinity }, "createTimeoutMinutes", /is Infinity/, ALLOWED_TIMEOUT],
    ["a create timeout given as a string", { createTimeoutMinutes: "60" }, "createTimeoutMinutes", /got a string/, ALLOWED_TIMEOUT],
    [
      "a transfer timeout over a day",
      { transferTimeoutMinutes: 24 * 60 + 1 },
      "transferTimeoutMinutes",
      /transferTimeoutMinutes is 1441/,
      ALLOWED_TIMEOUT,
    ],
    ["a transfer timeout that is a boolean", { transferTimeoutMinutes: true }, "transferTimeoutMinutes", /got a boolean/, ALLOWED_TIMEOUT],
  ])("rejects %s", (_case, overrides, property, problem, allowed) => {
    const news: Record<string, unknown> = { ...minimal, ...overrides };
    for (const [key, value] of Object.entries(news)) if (value === undefined) delete news[key];
    const result = checkInputs(news);
    expect(result.failures).toEqual([{ property, reason: expect.stringMatching(problem) }]);
    expect(result.failures[0]?.reason).toMatch(allowed);
    expect(undefinedPaths(result.inputs)).toEqual([]);
  });

  test("rejects a missing name when there is no resource name to default to", () => {
    expect(check({}, minimal).failures).toEqual([
      { property: "name", reason: expect.stringMatching(/name is required.*1 to 255 characters/) },
    ]);
  });

  test("reports every failure, not only the first", () => {
    const result = checkInputs({ url: 1, regions: [], tags: ["a b", "c d"], distribution: "Windows", extra: true });
    expect(result.failures.map((failure) => failure.property)).toEqual(["url", "regions", "distribution", "tags", "tags", "extra"]);
  });

  test("returns an invalid value as given, next to the normalised valid ones", () => {
    const result = checkWith({ name: " web ", distribution: "Windows" });
    expect(result.inputs).toMatchObject({ name: "web", distribution: "Windows" });
  });
});

describe("check quotes a rejected value so that the message stays readable", () => {
  test("names DigitalOcean's region slugs, separated by commas, when a region is not a slug", () => {
    const [failure] = checkWith({ regions: ["New York"] }).failures;
    expect(failure?.reason).toContain(`(DigitalOcean's list: ${REGION_SLUGS.join(", ")})`);
  });

  test("quotes a value of up to 64 characters whole", () => {
    const value = "w".repeat(64);
    expect(checkWith({ distribution: value }).failures[0]?.reason).toContain(`distribution "${value}" is not`);
  });

  test("escapes control, bidirectional and zero-width characters in a quoted value", () => {
    const reason = checkWith({ distribution: "Ubu\u001b[31mntu\u202e\u200b" }).failures[0]?.reason ?? "";
    expect(reason).toContain(String.raw`distribution "Ubu\u001b[31mntu\u202e\u200b" is not`);
    for (const hidden of ["\u001b", "\u202e", "\u200b"]) expect(reason).not.toContain(hidden);
  });

  test("cuts a longer value to its first 64 characters and an ellipsis", () => {
    const value = `${"w".repeat(64)}TAIL`;
    expect(checkWith({ distribution: value }).failures[0]?.reason).toContain(`distribution "${"w".repeat(64)}…" is not`);
  });
});

describe("check rejects unknown property names", () => {
  const validNames = new RegExp(`Valid inputs: ${INPUT_PROPERTY_NAMES.join(", ")}$`);
  test.each([
    ["region", /Did you mean "regions"\?/],
    ["Tags", /Did you mean "tags"\?/],
    ["tag", /Did you mean "tags"\?/],
    ["nmae", /Did you mean "name"\?/],
    ["regoins", /Did you mean "regions"\?/],
    ["size", /not an input of CustomImage\. Valid/],
    ["fiel", /Did you mean "file"\?/],
    ["id", /not an input of CustomImage\. Valid/],
    ["os", /not an input of CustomImage\. Valid/],
    ["image_id", /not an input of CustomImage\. Valid/],
    ["imageId", /not an input of CustomImage\. Valid/],
    ["status", /not an input of CustomImage\. Valid/],
    ["createTimeout", /not an input of CustomImage\. Valid/],
    ["toString", /not an input of CustomImage\. Valid/],
    ["__proto__x", /not an input of CustomImage\. Valid/],
  ])("rejects %j, listing the valid names", (property, hint) => {
    const result = checkWith({ [property]: "x" });
    expect(result.failures).toEqual([{ property, reason: expect.stringMatching(hint) }]);
    expect(result.failures[0]?.reason).toMatch(validNames);
    expect(Object.hasOwn(result.inputs, property)).toBe(false);
  });
});

describe("check never prints a URL's secrets", () => {
  test.each([
    ["an ftp url with userinfo", "ftp://supersecret:supersecret@example.com/web.img"],
    ["an s3 url with a signature", "s3://bucket/web.img?X-Amz-Signature=supersecret"],
    ["a url with whitespace and a signature", "https://example.com/my image.img?X-Amz-Signature=supersecret"],
    ["a url with whitespace and userinfo", "https://supersecret:supersecret@example.com/ web.img"],
    ["an unparseable url with userinfo", "https://supersecret:supersecret@"],
    ["a url with a scheme-less userinfo", "supersecret:supersecret@example.com/web.img"],
    ["a url over the length limit", `https://supersecret@example.com/?sig=supersecret${"a".repeat(INPUT_LIMITS.urlCharacters)}`],
  ])("redacts %s", (_case, badUrl) => {
    const result = checkWith({ url: badUrl });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]?.reason).not.toContain("supersecret");
  });

  test("shows the scheme, host and path it rejected", () => {
    const result = checkWith({ url: "ftp://user:pw@example.com/images/web.img?token=t" });
    expect(result.failures[0]?.reason).toContain(`"ftp://example.com/images/web.img"`);
  });
});

describe("check of a resource's own credentials (token, apiEndpoint)", () => {
  test.each([
    [
      "an endpoint with a trailing slash, as the stack's is",
      { token: "t", apiEndpoint: "https://api.example.com/" },
      "https://api.example.com",
    ],
    ["a loopback endpoint on plain http (an emulator)", { token: "t", apiEndpoint: "http://127.0.0.1:8080" }, "http://127.0.0.1:8080"],
  ])("normalises %s", (_, credentials, apiEndpoint) => {
    const result = checkInputs({ url: "https://example.com/a.img", regions: ["nyc3"], name: "a", ...credentials });
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject({ token: "t", apiEndpoint });
  });

  test.each([
    [{ apiEndpoint: "https://api.example.com" }, "apiEndpoint", "apiEndpoint is given without token"],
    [{ token: "t", apiEndpoint: "api.example.com" }, "apiEndpoint", "apiEndpoint is not a URL"],
    [{ token: "t", apiEndpoint: "https://user:pw@api.example.com" }, "apiEndpoint", "must not carry a user name or password"],
    [{ token: "" }, "token", "not empty or only whitespace"],
    [{ token: ["dop_v1_x"] }, "token", "got a list"],
    [{ token: "dop_v1_a\u200bb" }, "token", "the value is not repeated here"],
  ])("fails %j on %s: %s", (credentials, property, reason) => {
    const result = checkInputs({ url: "https://example.com/a.img", regions: ["nyc3"], name: "a", ...credentials });
    expect(result.failures).toEqual([{ property, reason: expect.stringContaining(reason) }]);
    expect(JSON.stringify(result.failures)).not.toContain("dop_v1");
  });
});

describe("a resource's own token and apiEndpoint, a file instead of a url, and the import option", () => {
  const reasonFor = (result: ReturnType<typeof checkWith>, property: string) =>
    result.failures.find((failure) => failure.property === property)?.reason;

  test("keeps a token without its surrounding whitespace", () => {
    expect(checkWith({ token: "  dop_v1_abc  " }).inputs.token).toBe("dop_v1_abc");
  });

  test("says what a token must be when it is not a string", () => {
    expect(reasonFor(checkWith({ token: 42 }), "token")).toMatch(/^token must be a DigitalOcean API token \(a secret/);
  });

  test("says what apiEndpoint must be when it is not a string", () => {
    expect(reasonFor(checkWith({ token: "t", apiEndpoint: 42 }), "apiEndpoint")).toMatch(
      /^apiEndpoint must be an https URL such as https:\/\/api\.digitalocean\.com, got/,
    );
  });

  test("keeps apiEndpoint without surrounding whitespace or trailing slashes", () => {
    expect(checkWith({ token: "t", apiEndpoint: "  https://api.example.com/v2//  " }).inputs.apiEndpoint).toBe(
      "https://api.example.com/v2",
    );
  });

  test("takes an apiEndpoint on plain http to any host, which the provider weighs against the stack's allowance", () => {
    const result = checkWith({ token: "t", apiEndpoint: "http://images-api.internal:8080" });
    expect(result.failures).toEqual([]);
    expect(result.inputs.apiEndpoint).toBe("http://images-api.internal:8080");
  });

  test("refuses apiEndpoint without token and says the two ways out", () => {
    expect(reasonFor(checkWith({ apiEndpoint: "https://api.example.com" }), "apiEndpoint")).toMatch(
      /Give this resource's token too \(a secret\), or set the stack's endpoint with `pulumi config set digitalocean:apiEndpoint <url>`$/,
    );
  });

  test("asks for no url when a file is given", () => {
    const result = checkInputs({ file: "/images/web.qcow2", spaces: { bucket: "images", region: "nyc3" }, regions: ["nyc3"] });
    expect(reasonFor(result, "url")).toBeUndefined();
  });

  test("refuses an import option that is no image id, naming the option", () => {
    expect(reasonFor(checkWith({ __importId: "web" }), "import")).toMatch(
      /^the import resource option must be the id of a DigitalOcean custom image/,
    );
  });
});
