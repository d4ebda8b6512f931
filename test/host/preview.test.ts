import { UNKNOWN } from "../../tools/provider-host/engine-values";
import { type Deployed, type HostFixture, IN_PLACE, replacing, startHostAndEmulator, URN } from "./host-fixture";

/**
 * `pulumi preview` with inputs not known yet: the engine sends them to Check and Diff as its
 * unknown sentinel, whole or inside arrays. Check passes them through, Diff assumes the worst
 * for what replaces the image, and nothing calls DigitalOcean.
 *
 * Preview changes nothing, so one host and one deployed image serve every test of this file.
 */

let fixture: HostFixture;
let deployed: Deployed;

beforeAll(async () => {
  fixture = await startHostAndEmulator();
  deployed = await fixture.create({ regions: ["nyc3", "ams3"] });
});

afterAll(async () => {
  try {
    expect(fixture.emulator.violations).toEqual([]);
  } finally {
    await fixture?.close();
  }
});

describe("an update previewed with unknown inputs", () => {
  const replacement = (...replaces: string[]) => ["a replacement", replacing(...replaces)] as const;
  const update = ["an update", IN_PLACE] as const;
  test.each([
    ["url", ...replacement("url"), { url: UNKNOWN }],
    ["regions, as a whole", ...replacement("regions"), { regions: UNKNOWN }],
    ["regions, one element", ...replacement("regions"), { regions: ["nyc3", UNKNOWN] }],
    ["name", ...update, { name: UNKNOWN }],
    ["description", ...update, { description: UNKNOWN }],
    ["distribution", ...update, { distribution: UNKNOWN }],
    ["tags, as a whole", ...update, { tags: UNKNOWN }],
    ["tags, one element", ...update, { tags: ["pulumi", UNKNOWN] }],
    ["createTimeoutMinutes", ...update, { createTimeoutMinutes: UNKNOWN }],
    ["url, regions and name together", ...replacement("url", "regions"), { url: UNKNOWN, regions: UNKNOWN, name: UNKNOWN }],
  ])(
    "unknown %s: Check passes it through untouched, Diff proposes %s, and no API is called",
    async (_property, _proposal, expected, unknowns: Record<string, unknown>) => {
      const { result, requests } = await fixture.requestsDuring(() =>
        fixture.preview(deployed, { regions: ["nyc3", "ams3"], ...unknowns }),
      );

      expect(result.checked).toMatchObject(unknowns);
      expect(result.diff).toEqual(expected);
      expect(requests).toEqual([]);
    },
  );
});

describe("a new resource previewed with unknown inputs", () => {
  test("Check passes every unknown through without a failure and calls no API", async () => {
    const unknowns = {
      url: UNKNOWN,
      regions: [UNKNOWN],
      name: UNKNOWN,
      description: UNKNOWN,
      distribution: UNKNOWN,
      tags: [UNKNOWN, "pulumi"],
    };

    const { result, requests } = await fixture.requestsDuring(async () => fixture.host.check(URN, {}, await fixture.inputs(unknowns)));

    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject(unknowns);
    expect(requests).toEqual([]);
  });

  test("Check still validates the inputs that are known", async () => {
    const { result, requests } = await fixture.requestsDuring(async () =>
      fixture.host.check(URN, {}, await fixture.inputs({ url: UNKNOWN, regions: [UNKNOWN, "NYC 3"], distribution: "Windows" })),
    );

    expect(result.failures.map((failure) => failure.property)).toEqual(["regions", "distribution"]);
    expect(result.failures[0]!.reason).toMatch(/^regions\[1\] "NYC 3" is not a region slug/);
    expect(requests).toEqual([]);
  });
});

describe("a preview without a DigitalOcean token", () => {
  test("checks and diffs a new resource and a change on a host configured with no token at all", async () => {
    const tokenless = await startHostAndEmulator({ config: { "digitalocean:token": undefined } });
    try {
      const { result, requests } = await tokenless.requestsDuring(async () => ({
        checked: await tokenless.host.check(URN, {}, await tokenless.inputs({ regions: ["nyc3"] })),
        changed: await tokenless.preview(deployed, { regions: ["nyc3", "ams3"], description: "changed" }),
      }));

      expect(tokenless.config).not.toHaveProperty("digitalocean:token");
      expect(result.checked.failures).toEqual([]);
      expect(result.changed.diff).toEqual(IN_PLACE);
      expect(requests).toEqual([]);
    } finally {
      await tokenless.close();
    }
  });
});
