import { describeEngine, engineSetup } from "../../tools/engine/engine-suite";
import { compareScenario, comparisonReport, newDifferences, SCENARIOS } from "../../tools/engine/runner-vs-engine";

describeEngine("the runner measured against the real CLI", () => {
  it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    "%s: the runner and the CLI take the same steps, show the same diffs and outputs, send the same writes, but for the known differences",
    async (_name, scenario) => {
      const { cli, programs } = engineSetup();
      const comparisons = await compareScenario(scenario, cli, programs.dirs[scenario.program]!);
      console.log(comparisonReport(comparisons).join("\n"));
      expect(newDifferences(comparisons)).toEqual([]);
    },
  );
});
