import { findPulumiCli, noCliReason } from "./engine-cli";
import { installPrograms } from "./install-programs";
import { compareScenario, comparisonReport, newDifferences, SCENARIOS, type StepComparison } from "./runner-vs-engine";

/** `npm run engine:compare`: the runner-vs-engine table (runner-vs-engine.ts) printed. */
async function main(): Promise<void> {
  const rejected: string[] = [];
  const cli = findPulumiCli(process.env, rejected);
  if (!cli) throw new Error(`engine:compare: ${noCliReason(rejected)}`);
  const programs = installPrograms();
  const comparisons: StepComparison[] = [];
  for (const scenario of SCENARIOS) comparisons.push(...(await compareScenario(scenario, cli, programs.dirs[scenario.program]!)));
  for (const line of comparisonReport(comparisons)) console.log(line);
  const fresh = newDifferences(comparisons);
  if (fresh.length > 0) {
    console.log(`\n${fresh.length} new difference(s), not in KNOWN_DIFFERENCES:`);
    for (const line of fresh) console.log(`- ${line}`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
