import type { Emulator } from "pulumi-digitalocean-custom-image-emulator";
import {
  type KnownDifference,
  newDifferences,
  normaliseOutputs,
  normaliseRequests,
  type StepComparison,
} from "../../../tools/engine/runner-vs-engine";

const emulatorWith = (requests: [string, string][]) =>
  ({ requests: requests.map(([method, path]) => ({ method, path })) }) as unknown as Emulator;

describe("comparing the runner with the engine", () => {
  test.each<[string, [string, string][], string]>([
    ["no request", [], "—"],
    [
      "reads are left out, ids and tags normalised",
      [
        ["GET", "/v2/images"],
        ["POST", "/v2/images"],
        ["GET", "/v2/images/7"],
        ["DELETE", "/v2/tags/pulumi-import%3Aabc"],
      ],
      "POST /v2/images → DELETE /v2/tags/{tag}",
    ],
    [
      "consecutive repeats collapse into one starred line",
      [
        ["POST", "/v2/images/7/actions"],
        ["GET", "/v2/images/7/actions"],
        ["POST", "/v2/images/7/actions"],
        ["POST", "/v2/images/7/actions"],
        ["DELETE", "/v2/images/7"],
      ],
      "POST /v2/images/{id}/actions* → DELETE /v2/images/{id}",
    ],
  ])("writes in order: %s", (_name, requests, expected) => {
    expect(normaliseRequests(emulatorWith(requests), 0)).toBe(expected);
  });

  test("outputs ignore the image id and the order of arrays", () => {
    expect(normaliseOutputs({ regions: ["nyc3", "fra1"], imageId: 12, status: "available" })).toBe(
      'imageId=<id> regions=["fra1","nyc3"] status="available"',
    );
    expect(normaliseOutputs({})).toBe("{}");
  });

  test("a difference fails only when it is not listed as known for that scenario, step and aspect", () => {
    const side = { steps: "update basic", diff: "—", outputs: "{}", requests: "—" };
    const comparison: StepComparison = {
      scenario: "basic",
      step: "up",
      runner: { ...side, diff: "basic: name" },
      cli: side,
      differs: ["diff"],
    };
    const known: KnownDifference[] = [{ scenario: "basic", step: "up", aspect: "diff", reason: "drift" }];
    expect(newDifferences([comparison], known)).toEqual([]);
    expect(newDifferences([comparison], [{ ...known[0]!, step: "preview" }])).toEqual(["basic / up / diff: runner basic: name ≠ CLI —"]);
  });
});
