import { parseArgs } from "node:util";
import type { EmulatorOptions } from "./emulator";

export const BIN = "digitalocean-images-emulator";

/** A command line the bin cannot run; the message names the flag and what it accepts. */
export class CliUsageError extends Error {
  readonly code = "EMULATOR_USAGE";
  constructor(message: string) {
    super(`${message}\nRun \`${BIN} --help\` for the options.`);
    this.name = "CliUsageError";
  }
}

export type CliCommand =
  | { kind: "help" }
  | { kind: "version" }
  | {
      kind: "run";
      options: EmulatorOptions & { port: number; tokens: string[] };
      /** Where to write the report (report.ts) as JSON when the emulator stops, and on SIGUSR2. */
      reportFile?: string;
      /** Where to write a line per request while it runs: a file (appended to), or `-` for stderr. */
      log?: string;
    };

/**
 * Every flag, with the environment variable that gives it when the flag is absent (the first
 * emulator CLI read only those) and what it means. `--help` prints this table.
 */
const FLAGS = {
  port: { type: "string", env: "EMULATOR_PORT", value: "<n>", help: "port on 127.0.0.1; 0 picks a free one, printed (default 0)" },
  token: {
    type: "string",
    multiple: true,
    env: "EMULATOR_TOKEN",
    value: "<token>",
    help: "a bearer token the emulator accepts, with every scope; repeat for more (default test-token)",
  },
  "time-factor": {
    type: "string",
    env: "EMULATOR_TIME_FACTOR",
    value: "<f>",
    help: "real ms per simulated ms: 0.01 runs imports, transfers and rate-limit windows 100 times faster (default 1)",
  },
  "import-seconds": { type: "string", value: "<s>", help: "simulated seconds from an import's POST to `available` (default 30)" },
  "transfer-seconds": { type: "string", value: "<s>", help: "simulated seconds a transfer to another region takes (default 20)" },
  "no-rate-limit": { type: "boolean", help: "no 250-a-minute and 5,000-an-hour limits, and no ratelimit-* headers" },
  "no-public-images": { type: "boolean", help: "no DigitalOcean distributions or 1-click images in listings" },
  "transfer-region": {
    type: "string",
    value: "<v>",
    help: "what a transfer action's region_slug names: destination (default), source or none (undocumented by DigitalOcean)",
  },
  "pending-images": {
    type: "string",
    value: "<v>",
    help: "listed (default): listings show NEW and pending images with their tags; unlisted: only once imported",
  },
  "error-message-url": {
    type: "string",
    value: "<v>",
    help: "path-only (default): a failed import's error_message shows the url without its query; full: whole",
  },
  "listing-pages": {
    type: "string",
    value: "<v>",
    help: "live (default): each page is cut from the account as it is then, so churn can skip an image; snapshot: as at page 1",
  },
  report: {
    type: "string",
    value: "<file>",
    help: "write the summary, every import, orphan, duplicate import and spec violation there as JSON when stopped, and on SIGUSR2 (URLs without query)",
  },
  log: {
    type: "string",
    value: "<file|->",
    help: "a line per request while it runs (time, method, path, status, real ms, request id), appended to the file; - for stderr",
  },
  help: { type: "boolean", short: "h", help: "print this help" },
  version: { type: "boolean", short: "v", help: "print the version" },
} as const satisfies Record<
  string,
  { type: "string" | "boolean"; multiple?: boolean; short?: string; env?: string; value?: string; help: string }
>;

export function usage(version: string): string {
  const rows = Object.entries(FLAGS).map(([name, flag]) => {
    const short = "short" in flag ? `-${flag.short}, ` : "    ";
    const left = `${short}--${name}${"value" in flag ? ` ${flag.value}` : ""}`;
    return `  ${left.padEnd(28)}${flag.help}${"env" in flag ? ` [env ${flag.env}]` : ""}`;
  });
  return [
    `${BIN} ${version}: DigitalOcean's images API v2 on 127.0.0.1, with state, validated against DigitalOcean's OpenAPI description.`,
    "",
    `Usage: ${BIN} [options]`,
    "",
    ...rows,
    "",
    "It prints `DigitalOcean emulator listening on <url>` when ready and runs until SIGINT or SIGTERM.",
    "While it runs, GET <url>/_emulator/report (or images, actions, requests, violations) answers what it saw, as JSON.",
    "Point a stack at it: pulumi config set digitalocean:apiEndpoint <url>, and give it one of its tokens.",
    "",
  ].join("\n");
}

/** A value that reads as a number (`99999`, `-1`, `1e3`, `Infinity`), short enough to repeat in a message. */
const NUMBER_LIKE = /^[-+]?(?:[0-9.eE+-]{1,20}|Infinity)$/;

/**
 * A number from a flag or its environment variable; `what` says what is allowed. A value is
 * repeated in the message only when it reads as a number: anything else may be a token pasted
 * into the wrong place (`--port=$TOKEN`), and the message goes to a terminal or a CI log.
 */
function numberOption(name: string, raw: string | undefined, allowed: (value: number) => boolean, what: string): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (Number.isFinite(value) && allowed(value)) return value;
  const given = NUMBER_LIKE.test(raw) ? JSON.stringify(raw) : `a value that is not a number (${raw.length} characters, not repeated here)`;
  throw new CliUsageError(`--${name} must be ${what}, got ${given}`);
}

/** One of `allowed`, from a flag; undefined when the flag is absent. */
function choice<T extends string>(name: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(raw))
    throw new CliUsageError(`--${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(raw)}`);
  return raw as T;
}

const positive = (value: number) => value > 0;
const nonNegative = (value: number) => value >= 0;

/** What the command line (and, for flags not given, the environment) asks for. Pure, so that tests call it directly. */
export function parseCli(args: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): CliCommand {
  let values;
  try {
    ({ values } = parseArgs({ args: [...args], options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    // node:util repeats a stray argument whole: it may be a token meant for --token.
    if ((error as NodeJS.ErrnoException).code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      throw new CliUsageError(
        "Unexpected argument: the emulator takes only options (the argument is not repeated here); a token goes after --token",
      );
    }
    throw new CliUsageError((error as Error).message);
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };

  const fromEnv = (name: "port" | "time-factor") => values[name] ?? env[FLAGS[name].env];
  const port =
    numberOption(
      "port",
      fromEnv("port"),
      (value) => Number.isInteger(value) && value >= 0 && value <= 65535,
      "an integer from 0 to 65535",
    ) ?? 0;
  const timeFactor = numberOption("time-factor", fromEnv("time-factor"), positive, "a positive number (0.01 runs 100 times faster)");
  const importSeconds = numberOption("import-seconds", values["import-seconds"], nonNegative, "a number of seconds, 0 or more");
  const transferSeconds = numberOption("transfer-seconds", values["transfer-seconds"], nonNegative, "a number of seconds, 0 or more");
  const tokens = values.token ?? (env.EMULATOR_TOKEN ? [env.EMULATOR_TOKEN] : ["test-token"]);
  const empty = tokens.find((token) => token.trim() === "");
  if (empty !== undefined) throw new CliUsageError("--token must not be empty");

  const options: EmulatorOptions & { port: number; tokens: string[] } = { port, tokens };
  // A program pointed at the command reads times on the system clock: it cannot share the emulator's.
  if (timeFactor !== undefined && timeFactor !== 1) Object.assign(options, { timeFactor, clientClock: "system" });
  if (importSeconds !== undefined) options.importDurationMs = importSeconds * 1000;
  if (transferSeconds !== undefined) options.transferDurationMs = transferSeconds * 1000;
  if (values["no-rate-limit"]) options.rateLimit = false;
  if (values["no-public-images"]) options.publicImages = false;
  const transferRegion = choice("transfer-region", values["transfer-region"], ["destination", "source", "none"] as const);
  if (transferRegion !== undefined) options.transferRegion = transferRegion;
  const pendingImages = choice("pending-images", values["pending-images"], ["listed", "unlisted"] as const);
  if (pendingImages !== undefined) options.pendingImages = pendingImages;
  const errorMessageUrl = choice("error-message-url", values["error-message-url"], ["path-only", "full"] as const);
  if (errorMessageUrl !== undefined) options.errorMessageUrl = errorMessageUrl;
  const listingPages = choice("listing-pages", values["listing-pages"], ["live", "snapshot"] as const);
  if (listingPages !== undefined) options.listingPages = listingPages;
  if (values.log === "") throw new CliUsageError("--log must name a file, or - for stderr");
  return {
    kind: "run",
    options,
    ...(values.report ? { reportFile: values.report } : {}),
    ...(values.log === undefined ? {} : { log: values.log }),
  };
}
