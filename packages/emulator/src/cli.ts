/**
 * The `digitalocean-images-emulator` bin (`npm run emulator -- <options>` in this repository): runs
 * the emulator until SIGINT or SIGTERM. `--help` lists the options (cli-options.ts).
 */
import { createWriteStream, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { CliUsageError, parseCli, usage } from "./cli-options";
import { startEmulator, type RequestLogEntry } from "./emulator";
import { emulatorReport, summaryLine } from "./report";
import { requestLogLine } from "./request-log";

// src/ in the repository and dist/ in the package are both one folder below package.json.
const VERSION = (JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;

/** Where `--log` lines go: stderr for `-`, else the file, appended to. */
function requestLog(target: string | undefined): ((entry: RequestLogEntry, realMs: number) => void) | undefined {
  if (target === undefined) return undefined;
  const out = target === "-" ? process.stderr : createWriteStream(target, { flags: "a" });
  // The time a program reads is the `date` header's: the system clock's (cli-options.ts sets `clientClock: "system"`).
  return (entry, realMs) => void out.write(`${requestLogLine(entry, new Date(Date.now() - realMs).toISOString(), realMs)}\n`);
}

async function main(): Promise<void> {
  const command = parseCli(process.argv.slice(2), process.env);
  if (command.kind === "help") return void process.stdout.write(usage(VERSION));
  if (command.kind === "version") return void process.stdout.write(`${VERSION}\n`);

  const { port } = command.options;
  const onRequest = requestLog(command.log);
  const emulator = await startEmulator({ ...command.options, ...(onRequest ? { onRequest } : {}) }).catch((error: unknown) => {
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
  const writeReport = () => {
    if (command.reportFile) writeFileSync(command.reportFile, `${JSON.stringify(emulatorReport(emulator), null, 2)}\n`);
  };
  // A CI job can take the report mid-run (`kill -USR2 <pid>`), or GET <url>/_emulator/report.
  process.on("SIGUSR2", () => {
    try {
      writeReport();
      console.log(`DigitalOcean emulator report written: ${summaryLine(emulatorReport(emulator).summary)}`);
    } catch (error) {
      console.error(`DigitalOcean emulator could not write its report: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const stop = () => {
    emulator
      .close()
      .then(() => {
        writeReport();
        console.log(`DigitalOcean emulator stopped: ${summaryLine(emulatorReport(emulator).summary)}`);
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
