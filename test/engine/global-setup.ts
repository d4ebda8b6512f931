import { findPulumiCli, noCliReason } from "../../tools/engine/engine-cli";
import { installPrograms } from "../../tools/engine/install-programs";

/**
 * Finds the CLI and installs the programs once for every engine test file. Under CI=true a missing
 * CLI fails the run; elsewhere the suite is skipped, and says so.
 */
export default function globalSetup(): void {
  const rejected: string[] = [];
  const cli = findPulumiCli(process.env, rejected);
  if (!cli) {
    const reason = noCliReason(rejected);
    if (process.env.CI === "true") throw new Error(`test:engine under CI=true: ${reason}`);
    console.warn(`\ntest:engine SKIPPED: ${reason}`);
    process.env.ENGINE_SKIPPED = reason;
    return;
  }
  const started = Date.now();
  const programs = installPrograms();
  console.log(
    `\ntest:engine: pulumi ${cli.version} from ${cli.source} (${cli.path}); programs installed from ${programs.tarball} in ${Math.round((Date.now() - started) / 1000)} s`,
  );
  process.env.ENGINE_CLI = JSON.stringify(cli);
  process.env.ENGINE_PROGRAMS = JSON.stringify(programs);
}
