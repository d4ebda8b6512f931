import { markdownTable } from "../shared/report";
import type { AnchorResults } from "./anchor-bench";
import type { AnchorUpFigures } from "./anchor-figures";

/**
 * docs/PERFORMANCE.md's leading section: `npm run bench -- --anchor`'s figures, every run side by
 * side (`run 1 / run 2 / …`), this package against the anchor, with the ratio ours ÷ anchor.
 */

const fixed = (value: number, digits: number) => value.toFixed(digits);
const seconds = (value: number) => `${fixed(value, 1)} s`;
const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const max = (values: readonly number[]) => Math.max(...values);

interface Figure {
  label: string;
  pick: (up: AnchorUpFigures) => number;
  format: (value: number) => string;
}

/** The figures of a scenario: one image's detection, or the mean and worst of many. */
function figures(images: number): Figure[] {
  const detection: Figure[] =
    images === 1
      ? [
          { label: "detection latency after DigitalOcean finished", pick: (up) => max(up.detectionSeconds), format: seconds },
          { label: "of which until the first look (the poll schedule)", pick: (up) => max(up.lookSeconds), format: seconds },
        ]
      : [
          {
            label: `detection latency after DigitalOcean finished, mean of ${images}`,
            pick: (up) => mean(up.detectionSeconds),
            format: seconds,
          },
          { label: `detection latency, worst of ${images}`, pick: (up) => max(up.detectionSeconds), format: seconds },
          { label: `of which until the first look, mean of ${images}`, pick: (up) => mean(up.lookSeconds), format: seconds },
        ];
  return [
    ...detection,
    { label: "`pulumi up` end after the last image finished", pick: (up) => up.upEndSeconds, format: seconds },
    { label: "requests", pick: (up) => up.requests, format: (value) => fixed(value, 0) },
    { label: "of which writes", pick: (up) => up.writes, format: (value) => fixed(value, 0) },
    { label: "`pulumi up` wall time", pick: (up) => up.upSeconds, format: seconds },
  ];
}

const ratio = (ours: number, anchor: number) => (anchor === 0 ? "—" : `${fixed(ours / anchor, 2)}×`);

/** The section, as markdown lines (the report adds them at its top). */
export function renderAnchorSection(results: AnchorResults): string[] {
  const { runs, plan } = results;
  const rows: string[][] = [];
  for (const scenario of plan.scenarios) {
    const ups = runs.map((run) => run.scenarios[scenario.key]);
    if (ups.some((up) => up === undefined)) continue;
    for (const figure of figures(scenario.importsMs.length)) {
      const ours = ups.map((up) => figure.pick(up!.package));
      const anchor = ups.map((up) => figure.pick(up!.bridged));
      rows.push([
        scenario.label,
        figure.label,
        ours.map(figure.format).join(" / "),
        anchor.map(figure.format).join(" / "),
        ours.map((value, index) => ratio(value, anchor[index]!)).join(" / "),
      ]);
    }
  }
  const durations = runs.map((run) => `${fixed(run.durationSeconds / 60, 1)} min`).join(", ");
  return [
    "## Against the real anchor, in real time",
    "",
    `Measured by \`${results.command}\` (tools/bench/anchor-bench.ts) on ${results.date.slice(0, 10)}: every scenario as a user runs it, a plain \`pulumi up\` through the real Pulumi CLI ${results.cli} and its Node.js language host, ` +
      `once with \`@pulumi/digitalocean\`'s \`CustomImage\` (the anchor: the plugin \`pulumi-resource-digitalocean\` ${results.anchorVersion}, built from source by \`npm run engine:install -- --anchor\`) and once with this package, ` +
      "each stack against its own emulator at time factor 1 (the anchor's waits are Go timers, so nothing is scaled). " +
      "Detection latency runs from the moment the emulator finished the image (its import's end, or its last transfer's) to the CLI printing it `created`; the first look is the first request after that moment that could see it; " +
      "requests come from the emulator's request log. The stacks of a run start one at a time, each once the previous one has sent its import, and then wait side by side on the shared 2-core machine. " +
      `${runs.length} run${runs.length === 1 ? "" : "s"} (${durations}); each cell is run 1 / run 2 / …, the ratio this package ÷ the anchor.`,
    "",
    markdownTable(["scenario", "figure", "this package", "anchor (`@pulumi/digitalocean`)", "ratio"], rows),
    "",
  ];
}
