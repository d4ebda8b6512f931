import { check } from "../../src/provider/check";
import type { Image } from "../../src/client/wire";
import { changedInputs, diff } from "../../src/provider/diff";
import { toOutputs } from "../../src/provider/lifecycle";
import { UNKNOWN } from "../../src/provider/types";

const url = "https://images.example.com/releases/web.qcow2";
const provider = "exports.handler = () => require('pulumi-digitalocean-custom-image/provider');";

function signed(base: string, date: string, signature: string): string {
  return `${base}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F${date.slice(0, 8)}&X-Amz-Date=${date}&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}`;
}

/** What `check` returns for a program's inputs: `diff` always receives checked inputs. */
function checked(news: Record<string, unknown>): Record<string, unknown> {
  const result = check({}, { __provider: provider, ...news }, { resourceName: "web" });
  expect(result.failures).toEqual([]);
  return result.inputs;
}

/** What DigitalOcean computes, present in every output. */
const computed = {
  imageId: 7555620,
  status: "available",
  errorMessage: "",
  sizeGigabytes: 2.34,
  minDiskSize: 20,
  createdAt: "2025-05-04T22:23:02Z",
  slug: null,
  type: "custom",
  public: false,
};

const program = {
  url,
  regions: ["nyc3", "ams3", "sgp1"],
  name: "web",
  description: "Web servers",
  distribution: "Ubuntu",
  tags: ["web", "prod"],
};

/** The outputs `create` returns: the checked inputs as given plus what DigitalOcean computed. */
function afterCreate(news: Record<string, unknown> = program): Record<string, unknown> {
  return { ...checked(news), ...computed };
}

/** The outputs `read` returns on refresh: DigitalOcean's live values, with url and timeouts carried over. */
const afterRefresh = {
  ...afterCreate(),
  regions: ["ams3", "sgp1", "nyc3"],
  tags: ["PROD", "web"],
};

/**
 * The outputs `read` returns on refresh when the image is live in `regions` (in DigitalOcean's
 * order): built by the provider's own `toOutputs` from the stored outputs, as `read` builds them.
 */
function refreshedIn(regions: string[]): Record<string, unknown> {
  const { imageId: _imageId, ...stored } = afterCreate();
  const live: Image = {
    ...computed,
    id: computed.imageId,
    name: "web",
    description: "Web servers",
    distribution: "Ubuntu",
    tags: ["PROD", "web"],
    regions,
  };
  return toOutputs(stored, live) as unknown as Record<string, unknown>;
}

const minimalProgram = { url, regions: ["nyc3"] };
const minimalAfterRefresh = {
  ...afterCreate(minimalProgram),
  description: "",
  tags: null,
  distribution: "Unknown OS",
};

const noChange = { changes: false, replaces: [], deleteBeforeReplace: false };

function without(record: Record<string, unknown>, ...keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}

describe("diff reports no change", () => {
  test.each([
    ["after create with the same inputs", afterCreate(), program],
    ["after create with minimal inputs", afterCreate(minimalProgram), minimalProgram],
    [
      "after create with every input given",
      afterCreate({ ...program, createTimeoutMinutes: 5, transferTimeoutMinutes: 7 }),
      { ...program, createTimeoutMinutes: 5, transferTimeoutMinutes: 7 },
    ],
    [
      "after create with inputs that check normalised",
      afterCreate({ ...program, name: " web ", distribution: "ubuntu", tags: ["web", "WEB", "prod"] }),
      { ...program, name: "web ", distribution: "UBUNTU", tags: ["web", "prod", "Web"] },
    ],
    [
      "after create with distribution Unknown OS",
      afterCreate({ ...program, distribution: "Unknown OS" }),
      { ...program, distribution: "unknown os" },
    ],
    ["after a refresh that lists regions in DigitalOcean's order and tags in their canonical spelling", afterRefresh, program],
    ['after a refresh that reports no description as "", no tags as null and Unknown OS', minimalAfterRefresh, minimalProgram],
    ["after a refresh that reports no tags as []", { ...minimalAfterRefresh, tags: [] }, minimalProgram],
    [
      "when the program lists regions in another order, the first one included",
      afterCreate(),
      { ...program, regions: ["sgp1", "nyc3", "ams3"] },
    ],
    ["when the program lists tags in another order", afterCreate(), { ...program, tags: ["prod", "web"] }],
    ["when the program spells a tag in another case", afterCreate(), { ...program, tags: ["WEB", "prod"] }],
    ['when a description absent from the state is given as ""', without(afterCreate(), "description"), { ...program, description: "" }],
    [
      'when a description of "" in the state is absent from the program',
      { ...afterCreate(), description: "" },
      without(program, "description"),
    ],
    ["when tags absent from the state are given as []", without(afterCreate(), "tags"), { ...program, tags: [] }],
    [
      "when state from an older version has no timeouts and the program uses the defaults",
      without(afterCreate(), "createTimeoutMinutes", "transferTimeoutMinutes"),
      program,
    ],
    [
      "when state from an older version has no distribution and the program uses the default",
      without(afterCreate(minimalProgram), "distribution"),
      minimalProgram,
    ],
    [
      "when the presigned url was signed again",
      afterCreate({ ...program, url: signed(url, "20250101T000000Z", "aaa") }),
      { ...program, url: signed(url, "20250301T120000Z", "bbb") },
    ],
    [
      "when a public url becomes a presigned url of the same object",
      afterCreate(),
      { ...program, url: signed(url, "20250101T000000Z", "aaa") },
    ],
    ["when only computed outputs changed", { ...afterCreate(), status: "retired", imageId: 1, slug: "x", sizeGigabytes: 9 }, program],
    ["when the serialized provider changed", { ...afterCreate(), __provider: "old provider" }, program],
    [
      "after a refresh of an image transferred to another region outside Pulumi (kept, not reported)",
      refreshedIn(["ams3", "lon1", "sgp1", "nyc3"]),
      program,
    ],
  ])("%s", (_case, olds, news) => {
    expect(diff("7555620", olds, checked(news))).toEqual(noChange);
  });
});

describe("diff reports an update in place", () => {
  test.each([
    ["a new name", afterCreate(), { ...program, name: "web-2" }, ["name"]],
    ["a new description", afterCreate(), { ...program, description: "Web servers, v2" }, ["description"]],
    ['a description cleared with ""', afterCreate(), { ...program, description: "" }, ["description"]],
    ["a description removed from the program", afterCreate(), without(program, "description"), ["description"]],
    ["a description added", afterCreate(minimalProgram), { ...minimalProgram, description: "new" }, ["description"]],
    ["a description changed outside Pulumi", { ...afterRefresh, description: "edited in the control panel" }, program, ["description"]],
    ["a new distribution", afterCreate(), { ...program, distribution: "Debian" }, ["distribution"]],
    ["a distribution set where it was Unknown OS", minimalAfterRefresh, { ...minimalProgram, distribution: "Debian" }, ["distribution"]],
    ["a distribution removed from the program", afterCreate(), without(program, "distribution"), ["distribution"]],
    ["a tag added", afterCreate(), { ...program, tags: ["web", "prod", "eu"] }, ["tags"]],
    ["a tag removed", afterCreate(), { ...program, tags: ["web"] }, ["tags"]],
    ["a tag replaced by another", afterCreate(), { ...program, tags: ["web", "staging"] }, ["tags"]],
    ["every tag removed", afterCreate(), without(program, "tags"), ["tags"]],
    ["tags added where DigitalOcean reported none", minimalAfterRefresh, { ...minimalProgram, tags: ["web"] }, ["tags"]],
    ["a tag removed outside Pulumi", { ...afterRefresh, tags: ["web"] }, program, ["tags"]],
    ["a new create timeout", afterCreate(), { ...program, createTimeoutMinutes: 120 }, ["createTimeoutMinutes"]],
    ["a new transfer timeout", afterCreate(), { ...program, transferTimeoutMinutes: 5 }, ["transferTimeoutMinutes"]],
    ["a timeout back to its default", afterCreate({ ...program, createTimeoutMinutes: 5 }), program, ["createTimeoutMinutes"]],
    ["a region added at the end", afterCreate(), { ...program, regions: ["nyc3", "ams3", "sgp1", "fra1"] }, ["regions"]],
    ["a region added in the middle", afterCreate(), { ...program, regions: ["nyc3", "fra1", "ams3", "sgp1"] }, ["regions"]],
    ["a new first region, the old ones kept", afterCreate(), { ...program, regions: ["fra1", "nyc3", "ams3", "sgp1"] }, ["regions"]],
    ["a region added after a refresh", afterRefresh, { ...program, regions: ["nyc3", "ams3", "sgp1", "fra1"] }, ["regions"]],
    [
      "a region the image lost outside Pulumi, which the update transfers back",
      { ...afterRefresh, regions: ["sgp1", "nyc3"] },
      program,
      ["regions"],
    ],
    ["the first region lost outside Pulumi", { ...afterRefresh, regions: ["ams3", "sgp1"] }, program, ["regions"]],
    [
      "a region transferred outside Pulumi, then added to the program",
      refreshedIn(["ams3", "lon1", "sgp1", "nyc3"]),
      { ...program, regions: [...program.regions, "lon1"] },
      ["regions"],
    ],
    [
      "several inputs at once",
      afterCreate(),
      { ...program, name: "web-2", tags: ["web"], regions: [...program.regions, "fra1"] },
      ["regions", "name", "tags"],
    ],
    ["state from an older version without a url", without(afterCreate(), "url"), program, ["url"]],
    ["state from an older version without regions", without(afterCreate(), "regions"), program, ["regions"]],
    ["state from an older version without a name", without(afterCreate(), "name"), program, ["name"]],
    ["state edited by hand to hold regions as one string", { ...afterCreate(), regions: "nyc3" }, program, ["regions"]],
    ["state edited by hand to hold a distribution that is not a string", { ...afterCreate(), distribution: 7 }, program, ["distribution"]],
    ["state edited by hand to hold tags as one string", { ...afterCreate(), tags: "web" }, program, ["tags"]],
    [
      "state edited by hand to hold a tag that is not a string",
      { ...afterCreate(), tags: ["web", 42] },
      { ...program, tags: ["web", "42"] },
      ["tags"],
    ],
    ["an unknown name", afterCreate(), { ...program, name: UNKNOWN }, ["name"]],
    ["an unknown description", afterCreate(), { ...program, description: UNKNOWN }, ["description"]],
    ["an unknown distribution", afterCreate(), { ...program, distribution: UNKNOWN }, ["distribution"]],
    ["unknown tags", afterCreate(), { ...program, tags: UNKNOWN }, ["tags"]],
    ["an unknown tag among known ones", afterCreate(), { ...program, tags: ["web", UNKNOWN] }, ["tags"]],
    ["an unknown create timeout", afterCreate(), { ...program, createTimeoutMinutes: UNKNOWN }, ["createTimeoutMinutes"]],
    ["an unknown transfer timeout", afterCreate(), { ...program, transferTimeoutMinutes: UNKNOWN }, ["transferTimeoutMinutes"]],
  ])("for %s", (_case, olds, news, changes) => {
    const inputs = checked(news);
    expect(diff("7555620", olds, inputs)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(changedInputs(olds, inputs)).toEqual({ changes, replaces: [] });
  });
});

describe("diff reports an update that resumes an unfinished import, with no input changed", () => {
  // The state a create whose wait ran out records, and what `read` reports for it after a refresh
  // (which clears the partial failure that otherwise makes the engine call update).
  const importingIn = (status: string) => ({
    ...afterCreate(minimalProgram),
    status,
    regions: ["nyc3"],
    sizeGigabytes: null,
    minDiskSize: null,
  });
  test.each([
    ["status NEW (DigitalOcean has not started the download)", importingIn("NEW"), minimalProgram],
    ["status pending", importingIn("pending"), minimalProgram],
    ["status pending, the program adding a region", importingIn("pending"), { ...minimalProgram, regions: ["nyc3", "ams3"] }],
  ])("for %s", (_case, olds, news) => {
    expect(diff("7555620", olds, checked(news))).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  test("and none once the image is available, or for an image DigitalOcean has retired", () => {
    expect(diff("7555620", { ...afterCreate(minimalProgram), status: "available" }, checked(minimalProgram))).toEqual(noChange);
    expect(diff("7555620", { ...afterCreate(minimalProgram), status: "retired" }, checked(minimalProgram))).toEqual(noChange);
  });
});

describe("diff reports a replacement", () => {
  test.each([
    ["a url with another path", afterCreate(), { ...program, url: `${url}.v2` }, ["url"], ["url"]],
    ["a url on another host", afterCreate(), { ...program, url: "https://mirror.example.com/releases/web.qcow2" }, ["url"], ["url"]],
    ["a url with another scheme", afterCreate(), { ...program, url: url.replace("https:", "http:") }, ["url"], ["url"]],
    [
      "a url with another ordinary query",
      afterCreate({ ...program, url: `${url}?v=1` }),
      { ...program, url: `${url}?v=2` },
      ["url"],
      ["url"],
    ],
    [
      "a presigned url of another object",
      afterCreate({ ...program, url: signed(url, "20250101T000000Z", "a") }),
      { ...program, url: signed(`${url}.v2`, "20250101T000000Z", "a") },
      ["url"],
      ["url"],
    ],
    ["a region removed", afterCreate(), { ...program, regions: ["nyc3", "ams3"] }, ["regions"], ["regions"]],
    ["the first region removed", afterCreate(), { ...program, regions: ["ams3", "sgp1"] }, ["regions"], ["regions"]],
    [
      "the only region replaced by another",
      afterCreate(minimalProgram),
      { ...minimalProgram, regions: ["sfo3"] },
      ["regions"],
      ["regions"],
    ],
    ["the first region replaced by a new one", afterCreate(), { ...program, regions: ["fra1", "ams3", "sgp1"] }, ["regions"], ["regions"]],
    ["a region removed, after a refresh", afterRefresh, { ...program, regions: ["sgp1", "nyc3"] }, ["regions"], ["regions"]],
    [
      "a region the program listed removed, while the image is also in a region transferred outside Pulumi",
      refreshedIn(["ams3", "lon1", "sgp1", "nyc3"]),
      { ...program, regions: ["nyc3", "ams3"] },
      ["regions"],
      ["regions"],
    ],
    ["an unknown url", afterCreate(), { ...program, url: UNKNOWN }, ["url"], ["url"]],
    ["unknown regions", afterCreate(), { ...program, regions: UNKNOWN }, ["regions"], ["regions"]],
    [
      "an unknown region among known ones",
      afterCreate(),
      { ...program, regions: ["nyc3", "ams3", "sgp1", UNKNOWN] },
      ["regions"],
      ["regions"],
    ],
    ["a new url and a new name", afterCreate(), { ...program, url: `${url}.v2`, name: "web-2" }, ["url", "name"], ["url"]],
    [
      "a new url and a removed region",
      afterCreate(),
      { ...program, url: `${url}.v2`, regions: ["nyc3"] },
      ["url", "regions"],
      ["url", "regions"],
    ],
  ])("for %s", (_case, olds, news, changes, replaces) => {
    const inputs = checked(news);
    expect(diff("7555620", olds, inputs)).toEqual({ changes: true, replaces, deleteBeforeReplace: false });
    expect(changedInputs(olds, inputs)).toEqual({ changes, replaces });
  });
});

describe("diff reads only inputs", () => {
  test("ignores keys that are neither inputs nor outputs it knows", () => {
    expect(diff("1", { ...afterCreate(), somethingNew: 1 }, { ...checked(program), __provider: "other" })).toEqual(noChange);
  });

  test("does not change the objects it was given", () => {
    const olds = afterRefresh;
    const news = checked(program);
    const [oldsCopy, newsCopy] = [structuredClone(olds), structuredClone(news)];
    diff("1", olds, news);
    expect([olds, news]).toEqual([oldsCopy, newsCopy]);
  });
});

describe("the inputs of a second account and of a file", () => {
  const base = { url, regions: ["nyc3"], name: "web" };
  test.each<[string, Record<string, unknown>, Record<string, unknown>, string[], string[]]>([
    [
      "the same token and apiEndpoint change nothing",
      { token: "t1", apiEndpoint: "https://a.example" },
      { token: "t1", apiEndpoint: "https://a.example" },
      [],
      [],
    ],
    ["a rotated token is an update", { token: "t1" }, { token: "t2" }, ["token"], []],
    [
      "another apiEndpoint is an update",
      { token: "t", apiEndpoint: "https://a.example" },
      { token: "t", apiEndpoint: "https://b.example" },
      ["apiEndpoint"],
      [],
    ],
    [
      "the same bytes at another path, with no url either side, change nothing",
      { url: undefined, file: "/a/web.img", fileSha256: "ab" },
      { url: undefined, file: "/b/web.img", fileSha256: "ab" },
      [],
      [],
    ],
    ["new bytes replace", { url: undefined, fileSha256: "ab" }, { url: undefined, fileSha256: "cd" }, ["fileSha256"], ["fileSha256"]],
  ])("%s", (_case, olds, news, changes, replaces) => {
    expect(changedInputs({ ...base, ...olds }, { ...base, ...news })).toEqual({ changes, replaces });
  });
});
