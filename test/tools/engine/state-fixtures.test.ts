import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CliResult, StackExport } from "../../../tools/engine/engine-stack";
import { exampleConfig, exampleDir, REPO_ROOT } from "../../../tools/shared/example-package";
import { customImages } from "../../../tools/engine/engine-stack";
import {
  disturbing,
  fillPlaceholders,
  leftovers,
  listStateFixtures,
  plannedChanges,
  providerConfigPlan,
  scrubState,
  STATE_FIXTURES_DIR,
  upgradePlan,
  withPlaceholders,
} from "../../../tools/engine/state-fixtures";

const VALUES = {
  "digitalocean:apiEndpoint": "http://127.0.0.1:41234",
  "digitalocean-custom-image:clock": "0.001,1795979209726.1,1795979209726.2",
};

describe("placeholders for the emulator's config values", () => {
  test.each<[string, unknown, unknown]>([
    ["a string equal to a value", "http://127.0.0.1:41234", "{{digitalocean:apiEndpoint}}"],
    [
      "nested in objects and arrays",
      { inputs: { a: ["0.001,1795979209726.1,1795979209726.2", 7, null] } },
      { inputs: { a: ["{{digitalocean-custom-image:clock}}", 7, null] } },
    ],
    ["a string that only contains a value is left alone", "see http://127.0.0.1:41234/v2", "see http://127.0.0.1:41234/v2"],
  ])("replaces %s, and filling them in gives the value back", (_name, value, expected) => {
    expect(withPlaceholders(value, VALUES)).toEqual(expected);
    expect(fillPlaceholders(expected, VALUES)).toEqual(value);
  });

  test("filling in a placeholder without a value names it", () => {
    expect(() => fillPlaceholders({ endpoint: "{{digitalocean:apiEndpoint}}" }, {})).toThrow(
      "the state has the placeholder {{digitalocean:apiEndpoint}}, and no value was given for digitalocean:apiEndpoint",
    );
  });

  test("scrubbing drops each resource's stackTrace and keeps everything else", () => {
    const state = {
      version: 3,
      deployment: {
        resources: [
          {
            urn: "urn:a",
            type: "t",
            sourcePosition: "project:///index.ts#1,1",
            stackTrace: [{ sourcePosition: "project:///../../../work/x.ts#1,1" }],
            inputs: { e: VALUES["digitalocean:apiEndpoint"] },
          },
        ],
      },
    } as unknown as StackExport;
    expect(scrubState(state, VALUES).deployment.resources).toEqual([
      { urn: "urn:a", type: "t", sourcePosition: "project:///index.ts#1,1", inputs: { e: "{{digitalocean:apiEndpoint}}" } },
    ]);
  });
});

describe("plans", () => {
  test("plannedChanges lists every step but same, with the resource's name", () => {
    const step = (op: string, urn: string) => ({ resourcePreEvent: { metadata: { op, urn, type: "t" } } });
    const result = {
      events: [
        step("same", "urn:pulumi:dev::p::pulumi:providers:pulumi-nodejs::default"),
        step("update", "urn:pulumi:dev::p::pulumi-nodejs:dynamic/digitalocean:CustomImage::basic"),
        { summaryEvent: {} },
      ],
    } as unknown as CliResult;
    expect(plannedChanges(result)).toEqual(["update basic"]);
  });

  test.each<[string[], string[]]>([
    [[], []],
    [["update basic", "refresh basic"], []],
    [
      ["create-replacement basic", "replace basic", "delete-replaced basic"],
      ["create-replacement basic", "replace basic", "delete-replaced basic"],
    ],
    [
      ["create basic", "delete default"],
      ["create basic", "delete default"],
    ],
  ])("disturbing(%j) is %j", (plan, expected) => {
    expect(disturbing(plan)).toEqual(expected);
  });

  const resource = (type: string, name: string) => ({
    urn: `urn:pulumi:dev::p::pulumi-nodejs:dynamic/digitalocean:${type}::${name}`,
    type: `pulumi-nodejs:dynamic/digitalocean:${type}`,
  });
  const state = (...resources: ReturnType<typeof resource>[]) => ({ version: 3, deployment: { resources } }) as unknown as StackExport;
  test.each<[string, StackExport, string[], string[]]>([
    ["an image without a scope at rest gets one", state(resource("CustomImage", "basic")), [], ["create basic-scope"]],
    [
      "an image left mid-way gets one before its update",
      state(resource("CustomImage", "a"), resource("CustomImage", "b")),
      ["update b"],
      ["create a-scope", "create b-scope", "update b"],
    ],
    [
      "an image that has one plans what its version planned",
      state(resource("CustomImageScope", "basic-scope"), resource("CustomImage", "basic")),
      [],
      [],
    ],
  ])("upgradePlan: %s", (_what, written, plan, expected) => {
    expect(upgradePlan(written, plan)).toEqual(expected);
  });

  const withProvider = (inputs: Record<string, unknown>) =>
    ({
      version: 3,
      deployment: {
        resources: [{ urn: "urn:pulumi:dev::p::pulumi:providers:pulumi-nodejs::default", type: "pulumi:providers:pulumi-nodejs", inputs }],
      },
    }) as unknown as StackExport;
  test.each<[string, StackExport, Record<string, string>, string[]]>([
    ["the same keys plan nothing", withProvider({ "a:token": "x", "p:imageUrl": "u" }), { "a:token": "y", "p:imageUrl": "u" }, []],
    [
      "fewer keys plan nothing (a key removed is no new input)",
      withProvider({ "a:token": "x", "p:imageUrl": "u" }),
      { "a:token": "x" },
      [],
    ],
    [
      "a key the stack did not have updates the default provider",
      withProvider({ "a:token": "x" }),
      { "a:token": "x", "p:imageUrl": "u" },
      ["update default"],
    ],
    ["a state without a default provider plans nothing for it", state(resource("CustomImage", "basic")), { "p:imageUrl": "u" }, []],
  ])("providerConfigPlan: %s", (_what, written, config, expected) => {
    expect(providerConfigPlan(written, config)).toEqual(expected);
  });
});

describe("the committed state fixtures", () => {
  const fixtures = listStateFixtures();
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

  test("the package's version has its folder (npm run fixtures:state writes it)", () => {
    expect(fixtures.filter((fixture) => fixture.id.startsWith(`${version}/`)).length).toBeGreaterThan(0);
  });

  test.each(fixtures.map((fixture) => [fixture.id, fixture] as const))(
    "%s is scrubbed, names an example that exists, and records no disturbing plan",
    (_id, fixture) => {
      const text = readFileSync(join(fixture.dir, "state.json"), "utf8") + readFileSync(join(fixture.dir, "fixture.json"), "utf8");
      expect(leftovers(text, ["test-token", "127.0.0.1", "/tmp/", "/home/", "/root/", "/work/", REPO_ROOT, "stackTrace"])).toEqual([]);
      expect(text).toContain("{{digitalocean:apiEndpoint}}");
      expect(existsSync(join(exampleDir(fixture.program), "Pulumi.yaml"))).toBe(true);
      expect(disturbing([...fixture.plan, ...fixture.planAfterRefresh])).toEqual([]);
      expect(fixture.images.map(({ image }) => String(image.id))).toEqual(customImages(fixture.state).map((image) => image.id));
      expect(fixture.state.deployment.resources?.every((resource) => resource.urn.startsWith(`urn:pulumi:${fixture.stack}::`))).toBe(true);
    },
  );

  // The harnesses give an example the url it defaulted to when these fixtures were written
  // (exampleConfig): another url would replace every image the upgrade check imports.
  test.each(fixtures.map((fixture) => [fixture.id, fixture] as const))(
    "%s: the url its program is given is the one its images were imported from",
    (_id, fixture) => {
      const config = { ...exampleConfig(fixture.program).config, ...fixture.config };
      const url = Object.entries(config).find(([key]) => key.endsWith(":imageUrl"))?.[1];
      expect(fixture.images.map((image) => image.url)).toEqual(fixture.images.map(() => url));
    },
  );

  test("fixtures live in version folders", () => {
    expect(
      fixtures.every((fixture) => fixture.dir.startsWith(STATE_FIXTURES_DIR) && /^\d+\.\d+\.\d+[^/]*\/[a-z0-9-]+$/.test(fixture.id)),
    ).toBe(true);
  });
});
