/**
 * The `digitalocean-images-emulator` bin (`npm run emulator -- <options>` in this repository): runs
 * the emulator until SIGINT or SIGTERM. `--help` lists the options (cli-options.ts).
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CliUsageError, parseCli, usage } from "./cli-options";
import { startEmulator, type Emulator } from "./emulator";
import { emulatorReport } from "./report";

// src/ in the repository and dist/ in the package are both one folder below package.json.
const VERSION = (JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;

function summary(emulator: Emulator): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  return [
    count(emulator.requests.length, "request"),
    count(emulator.audit().length, "import"),
    count(emulator.duplicates().length, "duplicate import"),
    count(emulator.violations.length, "spec violation"),
  ].join(", ");
}

async function main(): Promise<void> {
  const command = parseCli(process.argv.slice(2), process.env);
  if (command.kind === "help") return void process.stdout.write(usage(VERSION));
  if (command.kind === "version") return void process.stdout.write(`${VERSION}\n`);

  const { port } = command.options;
  const emulator = await startEmulator(command.options).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    throw new CliUsageError(`--port ${port}: 127.0.0.1:${port} is already in use; choose another port, or 0 for a free one`);
  });
  const tokens = command.options.tokens;
  // A token given on the command line is not echoed: it may be a copy of a real one.
  const which =
    tokens.length === 1 && tokens[0] === "test-token"
      ? "token: test-token"
      : `${tokens.length} token${tokens.length === 1 ? "" : "s"} given`;
  console.log(`DigitalOcean emulator listening on ${emulator.url} (${which})`);
  const stop = () => {
    emulator
      .close()
      .then(() => {
        if (command.reportFile) {
          writeFileSync(command.reportFile, `${JSON.stringify(emulatorReport(emulator), null, 2)}\n`);
        }
        console.log(`DigitalOcean emulator stopped: ${summary(emulator)}`);
        process.exit(0);
      })
      .catch((error: unknown) => {
        console.error(`DigitalOcean emulator could not stop cleanly: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(error instanceof CliUsageError ? 2 : 1);
});
