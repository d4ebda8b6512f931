import type { AnchorResults } from "../../../tools/bench/anchor-bench";
import type { AnchorUpFigures } from "../../../tools/bench/anchor-figures";
import { renderAnchorSection } from "../../../tools/bench/render-anchor";
import { storedResults } from "../../../tools/bench/render-report";

const up = (detection: number[], requests: number, upSeconds: number): AnchorUpFigures => ({
  images: detection.length,
  exit: 0,
  upSeconds,
  requests,
  writes: 1,
  detectionSeconds: detection,
  lookSeconds: detection.map((value) => value - 0.5),
  upEndSeconds: Math.max(...detection) + 0.3,
});

const RESULTS: AnchorResults = {
  plan: {
    repeat: 2,
    scenarios: [
      { key: "lone", label: "one import of 20 s", importsMs: [20_000], regions: ["nyc3"], transferMs: 0 },
      { key: "many", label: "2 concurrent imports", importsMs: [60_000, 90_000], regions: ["nyc3"], transferMs: 0 },
    ],
  },
  command: "npm run bench -- --anchor --write --repeat 2",
  date: "2026-12-06T09:00:00.000Z",
  cli: "v3.274.0",
  anchorVersion: "v4.76.0",
  runs: [
    {
      durationSeconds: 400,
      scenarios: {
        lone: { bridged: up([40], 4, 80), package: up([4], 8, 40) },
        many: { bridged: up([30, 50], 10, 200), package: up([2, 4], 20, 100) },
      },
    },
    {
      durationSeconds: 460,
      scenarios: {
        lone: { bridged: up([50], 4, 90), package: up([5], 8, 45) },
        many: { bridged: up([30, 50], 10, 200), package: up([2, 4], 20, 100) },
      },
    },
  ],
};

const rowOf = (lines: string[], scenario: string, figure: string) => lines.find((line) => line.startsWith(`| ${scenario} | ${figure} |`));

describe("the anchor section of docs/PERFORMANCE.md", () => {
  const lines = renderAnchorSection(RESULTS).join("\n").split("\n");

  test("shows every run of a figure side by side, this package first, and the ratio ours ÷ anchor per run", () => {
    expect(rowOf(lines, "one import of 20 s", "detection latency after DigitalOcean finished")).toBe(
      "| one import of 20 s | detection latency after DigitalOcean finished | 4.0 s / 5.0 s | 40.0 s / 50.0 s | 0.10× / 0.10× |",
    );
    expect(rowOf(lines, "one import of 20 s", "requests")).toBe("| one import of 20 s | requests | 8 / 8 | 4 / 4 | 2.00× / 2.00× |");
    expect(rowOf(lines, "one import of 20 s", "`pulumi up` wall time")).toBe(
      "| one import of 20 s | `pulumi up` wall time | 40.0 s / 45.0 s | 80.0 s / 90.0 s | 0.50× / 0.50× |",
    );
  });

  test("gives the mean and the worst detection of many images", () => {
    expect(rowOf(lines, "2 concurrent imports", "detection latency after DigitalOcean finished, mean of 2")).toContain(
      "| 3.0 s / 3.0 s | 40.0 s / 40.0 s |",
    );
    expect(rowOf(lines, "2 concurrent imports", "detection latency, worst of 2")).toContain("| 4.0 s / 4.0 s | 50.0 s / 50.0 s |");
  });

  test("names the command, the CLI, the plugin and how long each run took", () => {
    const text = lines.join("\n");
    expect(text).toContain("`npm run bench -- --anchor --write --repeat 2`");
    expect(text).toContain("Pulumi CLI v3.274.0");
    expect(text).toContain("`pulumi-resource-digitalocean` v4.76.0");
    expect(text).toContain("2 runs (6.7 min, 7.7 min)");
  });
});

describe("the figures a report keeps in its JSON appendix", () => {
  test("are read back from the report, for the run that rewrites it around them", () => {
    const report = [
      "# Performance",
      "",
      "text with ```json in it",
      "",
      "## Figures (JSON)",
      "",
      "```json",
      JSON.stringify({ anchor: RESULTS }, null, 2),
      "```",
      "",
    ].join("\n");
    expect(storedResults(report)?.anchor).toEqual(RESULTS);
  });

  test("are undefined for a report without an appendix", () => {
    expect(storedResults("# Performance\n\nno figures\n")).toBeUndefined();
  });
});
