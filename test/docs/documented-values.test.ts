import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FULL_PLAN } from "../../tools/bench/bench-plan";
import { defaultImageWaiterOptions } from "../../src/client/image-waiter";
import { OPERATION_SCOPES } from "../../src/client/token-scopes";
import { IMAGE_FIELDS } from "../../src/client/wire";
import { REPO_ROOT } from "../../tools/shared/example-package";

/**
 * The figures the README, CONTRIBUTING.md and CHANGELOG.md state, held to their sources: the
 * waiter's defaults in the code, and the benchmark's report (docs/PERFORMANCE.md, written by
 * `npm run bench -- --write`). A new default or a new report that moves a figure fails here until
 * the prose says the same. Prose is matched across line breaks.
 */

const read = (file: string) => readFileSync(join(REPO_ROOT, file), "utf8").replace(/\s+/g, " ");
const readme = read("README.md");
const changelog = read("CHANGELOG.md");
const contributing = read("CONTRIBUTING.md");
const performance = readFileSync(join(REPO_ROOT, "docs", "PERFORMANCE.md"), "utf8");

/** The per-run figures of the goal row of docs/PERFORMANCE.md that starts with `goal`, and whether every run met it. */
function goalRow(goal: string): { figures: number[]; met: boolean } {
  const row = performance.split("\n").find((line) => line.startsWith(`| ${goal}`));
  if (!row) throw new Error(`docs/PERFORMANCE.md has no goal row starting "${goal}"`);
  const [, figures, verdict] = row.split(" | ");
  return {
    figures: figures!.split(" / ").map((figure) => Number.parseFloat(figure.replace(/,/g, ""))),
    met: /\*\*met\*\* in all/.test(verdict!),
  };
}

describe("the figures the documents state", () => {
  const { minIntervalMs, maxIntervalMs, growth, maxYieldIntervalMs } = defaultImageWaiterOptions;

  test("the waiter's schedule, as the code's defaults set it", () => {
    for (const text of [readme, changelog]) {
      expect(text).toContain(`first checked after ${minIntervalMs / 1000} s`);
      expect(text).toContain(`${growth} times the one before`);
    }
    expect(readme).toContain(`Never beyond ${maxYieldIntervalMs / 1000} s between rounds`);
    expect(changelog).toContain(`up to ${maxYieldIntervalMs / 1000} s apart`);
    expect(readme).toContain(`at most ${maxIntervalMs / 1000} s apart`);
    expect(readme).toMatch(new RegExp(`digitalocean-custom-image:pollIntervalSeconds\` \\| \\| ${maxIntervalMs / 1000} \\|`));
    expect(changelog).toContain(`up to \`pollIntervalSeconds\` (${maxIntervalMs / 1000} s by default)`);
  });

  test("the polling requests of 100 concurrent imports: the benchmark's goal, met in every run", () => {
    const busiest = goalRow("≤ 15 polling requests in the busiest minute");
    expect(busiest.met).toBe(true);
    expect(Math.max(...busiest.figures)).toBeLessThanOrEqual(15);
    expect(readme).toContain("at most 15 polling requests in any minute");
  });

  test("a lone import's requests against Terraform's, and an hour-long import's, as measured", () => {
    // The ratio as the real plugin measured it in real time (the anchor section, every run): the
    // replay's, on a scaled clock, grows with the machine's load.
    const lone = performance
      .split("\n")
      .filter((line) => /^\| one import of [^|]+ \| requests \|/.test(line))
      .flatMap((line) =>
        line
          .split("|")[5]!
          .split("/")
          .map((cell) => Number.parseFloat(cell)),
      );
    expect(lone.length).toBeGreaterThanOrEqual(3);
    expect(readme).toContain("a lone import costs about 2 to 2.5 times Terraform's requests");
    for (const figure of lone) expect(figure >= 1.95 && figure <= 2.55).toBe(true);
    const hour = goalRow("one image: an hour-long import in ≤ 300 requests");
    expect(readme).toContain("an hour-long one about 250 requests");
    for (const figure of hour.figures) expect(Math.abs(figure - 250)).toBeLessThan(25);
  });

  test("how often the benchmark runs each scenario", () => {
    expect(contributing).toContain(`Every scenario but the preview of 200 resources runs ${FULL_PLAN.repeat} times`);
    expect(FULL_PLAN.previewResources).toBe(200);
    expect(performance).toContain(`every scenario but 4 ran ${FULL_PLAN.repeat} times`);
  });

  test("the token scopes a stack needs: every scope of an operation the client calls", () => {
    const scopes = [...new Set(Object.values(OPERATION_SCOPES).flat())].sort();
    const listed = /with these custom scopes: (.*?) \(/.exec(readme)?.[1];
    expect(
      listed
        ?.match(/`[a-z]+:[a-z]+`/g)
        ?.map((scope) => scope.slice(1, -1))
        .sort(),
    ).toEqual(scopes);
  });

  test("the image fields lookups filter and sort on", () => {
    expect(readme).toContain(`A \`key\` must be one of ${IMAGE_FIELDS.map((field) => `\`${field}\``).join(", ")};`);
  });

  test("the install scripts docs/install-scripts.md reviews are the ones package.json denies", () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { allowScripts: Record<string, boolean> };
    const reviewed = [...readFileSync(join(REPO_ROOT, "docs", "install-scripts.md"), "utf8").matchAll(/^\| `([^`]+)` \|/gm)].map(
      (row) => row[1],
    );
    expect(reviewed.sort()).toEqual(Object.keys(manifest.allowScripts).sort());
    expect(Object.values(manifest.allowScripts).every((allowed) => allowed === false)).toBe(true);
    expect(readFileSync(join(REPO_ROOT, "docs", "install-scripts.md"), "utf8")).toContain(
      `${["Zero", "One", "Two", "Three", "Four", "Five", "Six"][reviewed.length]} of this repository's`,
    );
  });
});
