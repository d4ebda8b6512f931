import type { PulumiCli } from "./engine-cli";
import { describeEngine } from "./engine-suite";
import type { InstalledPrograms } from "./install-programs";
import { compareScenario, comparisonReport, newDifferences, SCENARIOS } from "./runner-vs-engine";

const cli = JSON.parse(process.env.ENGINE_CLI ?? "null") as PulumiCli;
const programs = JSON.parse(process.env.ENGINE_PROGRAMS ?? "null") as InstalledPrograms;

describeEngine("the runner measured against the real CLI", () => {
  it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    "%s: the runner and the CLI take the same steps, show the same diffs and outputs, send the same requests, but for the known differences",
    async (_name, scenario) => {
      const comparisons = await compareScenario(scenario, cli, programs.dirs[scenario.program]!);
      console.log(comparisonReport(comparisons).join("\n"));
      expect(newDifferences(comparisons)).toEqual([]);
    },
  );
});
