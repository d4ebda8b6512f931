import { defaultRetryPolicy } from "../../src/client/retry-policy";
import { type Machine, markdownTable, rounded } from "../shared/report";
import type { BadInputResults } from "./bad-inputs";
import type { CrashResults } from "./crashes";
import type { DriftResults } from "./drift";
import type { Expectation } from "./expectations";
import { type CellResult, type FaultMatrixResults, type Variant, VARIANTS } from "./fault-matrix";
import type { LoadFigures } from "./load";
import type { SecretsResults } from "./secrets";
import { replayCommand, type SoakResults, soakFigures } from "./soak";
import { SIZES } from "./soak-sequence";
import type { UploadFaultRow } from "./upload-faults";

export const SUITES = ["faults", "inputs", "secrets", "crashes", "load", "drift", "soak"] as const;
export type SuiteName = (typeof SUITES)[number];

export interface ReliabilityResults {
  command: string;
  /** ISO 8601, when the run started. */
  date: string;
  machine: Machine;
  /** Real seconds the whole run took. */
  durationSeconds: number;
  suites: {
    faults?: FaultMatrixResults;
    inputs?: BadInputResults;
    secrets?: SecretsResults;
    crashes?: CrashResults;
    load?: LoadFigures;
    drift?: DriftResults;
    soak?: SoakResults;
  };
  expectations?: { suite: SuiteName; total: number; failed: Expectation[] }[];
}

const TITLES: Record<SuiteName, string> = {
  faults: "1. Fault matrix",
  inputs: "2. Bad inputs",
  secrets: "3. Secrets",
  crashes: "4. Partial failures and crashes",
  load: "5. Load",
  drift: "6. Drift",
  soak: "7. Randomized soak",
};

// ---- formatting ------------------------------------------------------------------------------

const fixed = (value: number, digits: number) => value.toFixed(digits);
const count = (value: number) => Math.round(value).toLocaleString("en-US");
const seconds = (value: number) => (Math.abs(value) >= 120 ? `${fixed(value / 60, 1)} min` : `${fixed(value, 1)} s`);
/** Text safe inside a markdown table cell. */
const cell = (text: string, limit = 400) => {
  const short = text.length > limit ? `${text.slice(0, limit)}…` : text;
  return short.replace(/\|/g, "\\|").replace(/\n/g, " ");
};
const verdict = (ok: boolean) => (ok ? "✓" : "✗ **failed**");

// ---- 1. fault matrix -------------------------------------------------------------------------

function matrixCell(result: CellResult | undefined): string {
  if (!result) return "—";
  const mark = result.problems.length > 0 ? " ⚠" : "";
  if (result.ok) return `✓${mark}`;
  return `✗ ${result.errorKind}${result.partial ? " · recorded" : ""}${mark}`;
}

function faultSection(results: FaultMatrixResults): string[] {
  const lookup = (op: string, fault: string, variant: Variant) =>
    results.cells.find((result) => result.op === op && result.fault === fault && result.variant === variant);
  const tables = VARIANTS.flatMap((variant) => [
    `**${variant === "once" ? "The fault once" : "The fault on every attempt"}** (${variant === "once" ? "the next matching request only: a transient fault" : "every matching request until the step ends: retries run out"})`,
    "",
    markdownTable(
      ["operation \\ fault", ...results.faults.map((fault) => fault.label)],
      results.operations.map((op) => [op.label, ...results.faults.map((fault) => matrixCell(lookup(op.key, fault.key, variant)))]),
    ),
    "",
  ]);
  const flagged = results.cells.filter((result) => result.problems.length > 0);
  // One message per operation (its 503 on every attempt), and one of each kind no other row shows.
  const examples = new Map<string, CellResult>();
  for (const op of results.operations) {
    const failures = results.cells.filter((result) => result.op === op.key && !result.ok && result.message);
    const example = failures.find((result) => result.fault === "503") ?? failures[0];
    if (example) examples.set(`${op.label}: ${example.errorKind}`, example);
  }
  for (const result of results.cells) {
    const shown = [...examples.values()].some((example) => example.errorKind === result.errorKind);
    if (!result.ok && result.message && !shown)
      examples.set(`${results.operations.find((op) => op.key === result.op)?.label}: ${result.errorKind}`, result);
  }
  return [
    `${results.cells.length} cells (${results.operations.length} operations × ${results.faults.length} faults, the 404 on the waits only, × 2 variants), ${count(results.requests)} requests to the emulator, ${fixed(results.realSeconds, 1)} s. ` +
      "A cell deploys what its operation needs, injects the fault on that operation's requests only, and runs the engine's step (`up`, `refresh` or `destroy`) through the SDK's host. " +
      "`✓`: the step succeeded. `✗ kind`: it failed with that error (`· recorded`: as a partial failure, the image recorded in the state with its id). " +
      "Every cell then checks that the error names the operation and the image, that the emulator's audit shows no orphan and no duplicate and the state names only live images, " +
      "that the next step without the fault succeeds and leaves the state equal to the image, and that destroy leaves nothing. `⚠`: an expectation of the cell failed (listed below). " +
      `\`late\`: the request waits past the client's timeout (${results.requestTimeoutMs} real ms here) and is then carried out, as behind a congested proxy; \`reset after acting\`: carried out, then the connection is reset.`,
    "",
    ...tables,
    ...(flagged.length > 0
      ? [
          "**Cells with a failed expectation**",
          "",
          markdownTable(
            ["cell", "failed expectations"],
            flagged.map((result) => [`${result.op} × ${result.fault} (${result.variant})`, cell(result.problems.join("; "), 600)]),
          ),
          "",
        ]
      : ["Every cell met every expectation.", ""]),
    isolationLine(results),
    "",
    ...uploadRows(results),
    ...notFoundNote(results),
    "**Error messages as the user reads them** (one per operation, and one of each other kind)",
    "",
    markdownTable(
      ["operation: kind", "cell", "message"],
      [...examples].map(([key, example]) => [key, `${example.fault} (${example.variant})`, cell(example.message ?? "", 500)]),
    ),
    "",
  ];
}

/** What each upload row must show, beside what every row checks. */
const UPLOAD_EXPECTED: Record<UploadFaultRow["variant"], string> = {
  once: "absorbed: the `up` succeeds",
  persistent: "the `up` fails saying which upload to which bucket failed and how; the next sends no part again",
  kill: "the engine sees the host die after a part was stored; the next `up` sends only the parts not stored",
};

/** The rows of a CustomImage with `file`, whose faults are on the upload to Spaces. */
function uploadRows(results: FaultMatrixResults): string[] {
  if (!results.uploads?.length) return [];
  return [
    "**The upload of a `file`** to a local S3-compatible server (tools/s3-server/) behind a fault proxy, through the host, the emulator downloading the object from its presigned url. " +
      "Each row runs `up` under the fault, then `up` without it, then destroy, and checks that DigitalOcean holds one image, that the state names only live images and destroy leaves nothing, and that no object or unfinished multipart upload is left in the bucket.",
    "",
    markdownTable(
      ["fault", "expected", "first `up`", "parts stored / sent by the next `up`", "next `up`", "expectations"],
      results.uploads.map((row) => [
        `${row.label} (${row.variant === "kill" ? "once" : row.variant})`,
        UPLOAD_EXPECTED[row.variant],
        row.ok ? "✓" : `✗ ${cell(row.message ?? "", 300)}`,
        `${row.storedBefore} of ${row.parts} / ${row.sentAfter}`,
        row.recovered ? "✓" : "✗",
        row.problems.length === 0 ? "✓ all met" : `✗ ${cell(row.problems.join("; "), 400)}`,
      ]),
    ),
    "",
  ];
}

/** What a single 404 during the import wait does, when it fails the create. */
function notFoundNote(results: FaultMatrixResults): string[] {
  const once = results.cells.find((result) => result.op === "import-wait" && result.fault === "404" && result.variant === "once");
  if (!once || once.ok) return [];
  const deleted = /deleted outside Pulumi/.test(once.message ?? "");
  return [
    `**A single 404 during the import wait** ends the create: ${deleted ? "the provider takes the image for deleted outside Pulumi, deletes it for good, and" : "it"} fails with \`${cell(once.message ?? "", 300)}\`. ` +
      "Nothing is orphaned, and the next `up` imports again, but one transient 404 costs the whole import.",
    "",
  ];
}

function isolationLine(results: FaultMatrixResults): string {
  const { isolation } = results;
  const held = isolation.createSeconds > isolation.baselineSeconds + 30;
  const attempts = defaultRetryPolicy.limit + 1;
  const attemptsSeconds = (isolation.requestTimeoutMs / 1000) * attempts;
  return (
    `**Isolation between images.** One host, image B's transfer polls hanging (${isolation.hits} hung requests), image A imported meanwhile (${isolation.importSeconds} s import): A's create took **${seconds(isolation.createSeconds)}** simulated, against ${seconds(isolation.baselineSeconds)} with nothing hanging. ` +
    (held
      ? `${verdict(false)}: the shared waiter starts its next tick only when the slowest check of the last one has returned, so one hanging request (here ${isolation.requestTimeoutMs} ms real per attempt, ${fixed(attemptsSeconds, 1)} s real for the ${attempts} attempts) holds up the polling of every other image in the host. With the defaults (30 s request timeout, ${defaultRetryPolicy.limit} retries) one hanging poll stalls every wait of the deployment for about ${fixed((30 * attempts) / 60, 0)} minutes per tick.`
      : "✓: the hanging polls did not hold the other image's wait up.")
  );
}

// ---- 2. bad inputs ---------------------------------------------------------------------------

function inputsSection(results: BadInputResults): string[] {
  return [
    `${results.rows.length} invalid programs, each checked as \`pulumi preview\` checks a new resource (Check through the host). Requests the emulator recorded: **${results.requests}**. ${fixed(results.realSeconds, 1)} s.`,
    "",
    markdownTable(
      ["#", "input", "property", "rejected", "message (what check answers)"],
      results.rows.map((row, index) => [
        String(index + 1),
        cell(row.what),
        `\`${row.property}\``,
        row.ok ? "✓" : row.rejected ? "✗ message" : "✗ **accepted**",
        cell(row.message, 300),
      ]),
    ),
    "",
    "Repeats. The issue lists duplicate tags among the inputs to refuse; the provider removes repeats instead, as its README documents (with a warning for regions, silently for tags):",
    "",
    markdownTable(
      ["input", "what check makes of it", "warning"],
      results.normalised.map((row) => [row.what, cell(row.result), cell(row.warning ?? "none")]),
    ),
    "",
    "URLs DigitalOcean cannot reach (it downloads from its own network) are accepted, since a program may point at a server of its own for a test, with a warning:",
    "",
    markdownTable(
      ["url", "", "warning"],
      (results.unreachable ?? []).map((row) => [
        row.what,
        `\`${row.url}\``,
        row.ok ? cell(row.warning, 300) : `✗ ${cell(row.warning || "no warning", 300)}`,
      ]),
    ),
    "",
  ];
}

// ---- 3. secrets ------------------------------------------------------------------------------

function secretsSection(results: SecretsResults): string[] {
  const places = results.tokens[0] ? (Object.keys(results.tokens[0].found) as (keyof (typeof results.tokens)[number]["found"])[]) : [];
  return [
    "A canary token (`dop_v1_canary_…`, 32 random hex digits) given one way at a time, then a lifecycle with every kind of error: create with a transfer, refresh, update, an import DigitalOcean fails, a transfer DigitalOcean fails (partial failure), a delete failing with 500 after every retry, and the delete again. " +
      "Each place is searched for the token and for its random part. `absent`: not found.",
    "",
    markdownTable(
      ["token given through", "requests, all `Authorization: Bearer <canary>`", "errors seen", ...places],
      results.tokens.map((row) => [
        row.mechanism,
        `${row.requests} ${row.usedInAuthorization ? "✓" : "✗"}`,
        String(row.errors),
        ...places.map((place) => (row.found[place] ? "✗ **FOUND**" : "absent")),
      ]),
    ),
    "",
    `A token DigitalOcean refuses: \`${cell(results.refused.message, 300)}\` (token in the message: ${results.refused.messageHasToken ? "**yes**" : "no"}, in the logs: ${results.refused.logsHaveToken ? "**yes**" : "no"}).`,
    "",
    "URLs carrying a secret, used where the provider prints a URL (a check failure, an import POST failing after every retry, an import DigitalOcean ends as failed, a successful import's progress lines):",
    "",
    markdownTable(
      ["URL", "secret", "messages and log lines naming the URL's host", "of which print the secret", "as printed"],
      results.urls.map((row) => [
        row.kind,
        row.secret,
        String(row.mentions),
        row.leaks === 0 ? "0 ✓" : `${row.leaks} ✗`,
        cell(row.example, 250),
      ]),
    ),
    "",
    "Hostile answers survived. The provider's API endpoint answers every request of an `up` with the answer below (a canary token configured); the last row is a client of the emulator. " +
      "`sent`: MiB the hostile side wrote before the other side hung up; `host peak`: the provider host's peak resident memory (VmHWM).",
    "",
    markdownTable(
      ["answer", "requests", "sent", "host peak", "still answers", "what the engine shows", "verdict"],
      (results.hostile ?? []).map((row) => [
        row.answer,
        String(row.requests),
        `${row.transferredMiB} MiB`,
        row.hostPeakMiB === undefined ? "–" : `${row.hostPeakMiB} MiB`,
        row.survived ? "yes" : "**no**",
        cell(row.result, 300),
        row.ok ? "✓" : "✗",
      ]),
    ),
    "",
  ];
}

// ---- 4. crashes ------------------------------------------------------------------------------

function crashesSection(results: CrashResults): string[] {
  const window = results.window;
  return [
    `Each scenario runs on its own emulator; "killed" is SIGKILL of the dynamic-provider host in the middle of the engine's call, after which a new host is started as the next \`pulumi\` command would. ${fixed(results.realSeconds, 1)} s.`,
    "",
    markdownTable(
      ["scenario", "result", "verdict"],
      results.scenarios.map((scenario) => [
        scenario.scenario,
        cell(scenario.result),
        scenario.documented ? "documented window" : verdict(scenario.ok),
      ]),
    ),
    "",
    ...results.scenarios.flatMap((scenario) => [`- **${scenario.scenario}**`, ...scenario.steps.map((step) => `  - ${cell(step, 700)}`)]),
    "",
    "**The remaining window.** The import POST carries the marker tag, so from the moment DigitalOcean accepts it the image can be found and adopted by the next create of the same resource (same stack and resource name, image name, URL up to a presigned signature, and first region): " +
      `that covers the whole import and every transfer (in the creates measured below, imports of ${window.importSeconds} simulated seconds, ${seconds(window.protectedSeconds.p50)} from the POST to the marker's removal at the median). ` +
      "Create removes the marker as it ends; from the moment DigitalOcean carries out that removal until the engine has create's answer (and writes its checkpoint), a crash leaves an image that no state names and no marker finds. " +
      `Measured over ${window.creates} creates one after another (time factor ${window.scale}): **${fixed(window.unprotectedRealMs.p50, 1)} ms** real at the median, ${fixed(window.unprotectedRealMs.p95, 1)} ms at p95, ${fixed(window.unprotectedRealMs.max, 1)} ms at most, ` +
      `against a loopback emulator; the requests inside it: ${window.requestsInWindow.map((route) => `\`${route}\``).join(", ")}. ` +
      "Against DigitalOcean that is one API round trip plus the gRPC answer. The scenario above holds the window open and shows its consequence. " +
      "An image also escapes the marker when the program itself changes the image's name, URL or first region (or the resource's name) before the next `up`, since the marker is a hash of those: the image then carries a `pulumi-import:` tag that nothing adopts.",
    "",
  ];
}

// ---- 5. load ---------------------------------------------------------------------------------

function loadSection(load: LoadFigures): string[] {
  const routes = (byRoute: Record<string, number>) =>
    Object.entries(byRoute)
      .sort((a, b) => b[1] - a[1])
      .map(([route, n]) => `${route}: ${n}`)
      .join("; ");
  return [
    `${load.images} images created concurrently through one host (one \`up\`), imports of 1 to 3 simulated minutes, each then transferred to a second region (1 simulated minute), against an emulator enforcing ${load.limits.perMinute} requests a minute and ${count(load.limits.perHour)} an hour per token; then all destroyed concurrently. Time factor ${load.scale}. ${fixed(load.realSeconds, 1)} s.`,
    "",
    markdownTable(
      ["figure", "value"],
      [
        ["creates failed", `${load.create.failures} of ${load.images}`],
        ["destroys failed", `${load.destroy.failures} of ${load.images}`],
        [
          "wall time of the creates (first sent → last answered)",
          `${seconds(load.create.wallSeconds)} simulated (${fixed(load.create.realSeconds, 1)} s real)`,
        ],
        ["wall time of the destroys", `${seconds(load.destroy.wallSeconds)} simulated (${fixed(load.destroy.realSeconds, 1)} s real)`],
        [
          "requests: creates / destroys / total",
          `${count(load.create.requests)} / ${count(load.destroy.requests)} / ${count(load.requests)}`,
        ],
        [`requests in the busiest minute (limit ${load.limits.perMinute})`, count(load.peakPerMinute)],
        [`requests in the busiest hour (limit ${count(load.limits.perHour)})`, count(load.peakPerHour)],
        ["429s sent by the emulator (rate limit exceeded)", count(load.rateLimitedAtEmulator)],
        ["retries the provider logged after a 429", count(load.retriedAfter429)],
        ["429s reaching the user", `**${count(load.rateLimitedReachingUser)}**`],
        ["orphaned images / duplicates", `${load.orphans} / ${load.duplicates}`],
        [
          "unprotected window per create under this load (real ms, p50 / p95 / max)",
          `${fixed(load.unprotectedRealMs.p50, 1)} / ${fixed(load.unprotectedRealMs.p95, 1)} / ${fixed(load.unprotectedRealMs.max, 1)}`,
        ],
        ["create requests by route", cell(routes(load.create.byRoute), 600)],
        ["destroy requests by route", cell(routes(load.destroy.byRoute), 600)],
      ],
    ),
    "",
  ];
}

// ---- 6. drift --------------------------------------------------------------------------------

function driftSection(results: DriftResults): string[] {
  return [
    `An image deployed with regions nyc3 and ams3, description, distribution Unknown and tags \`drift\`, \`pulumi\`; then changed through the emulator behind the provider's back; then \`refresh\`, \`preview\`, \`up\`, and a second \`preview\` that must propose nothing. ${fixed(results.realSeconds, 1)} s.`,
    "",
    markdownTable(
      ["changed outside Pulumi", "refresh shows", "next preview", "next up", "verdict"],
      results.rows.map((row) => [row.drift, cell(row.refresh), row.preview, cell(row.up), verdict(row.ok)]),
    ),
    "",
  ];
}

// ---- 7. soak ---------------------------------------------------------------------------------

function soakSection(results: SoakResults): string[] {
  const figures = soakFigures(results);
  const size = SIZES[results.size];
  const failing = results.sequences.filter((report) => report.violations.length > 0);
  return [
    `fast-check generated ${figures.sequences} sequences (size \`${results.size}\`: ${size.minSteps} to ${size.maxSteps} steps) from seed **${results.seed}**, over two stacks (\`dev\`, \`prod\`) of one program sharing one token and one emulator, each declaring one to three resources whose image names and URLs overlap. ` +
      "A step is an `up` (possibly after a change of url, name, description, tags or regions), a `refresh` or a `destroy` of one stack, with faults of every kind the fault matrix injects (plus a burst-limit 429 with DigitalOcean's documented headers) on random routes, and possibly, in the middle of it, the host killed, DigitalOcean's clock jumping, or the stack's newest image deleted; or a rename, retag or delete outside Pulumi; or a clock jump. " +
      "After every step: no live image outside the states (but those carrying an import marker, which the next `up` adopts), no resource importing twice, each stack's state naming only its own resources' images, a resource an `up` created or updated equal to its image, and the step within a bound of simulated time. " +
      "After the last, the faults gone and DigitalOcean given an hour to finish: a refresh and one `up` of each stack (and one more to resume an import that outlasts its create timeout) converge, the next preview shows no change, and destroy leaves nothing. " +
      `\`npm run soak -- --size long\` runs the long size; \`npm run soak -- --seed S --path P\` replays one sequence, \`--shrink\` shrinks it. ${fixed(results.realSeconds, 1)} s.`,
    "",
    markdownTable(
      ["figure", "value"],
      [
        ["sequences / steps", `${figures.sequences} / ${figures.steps}`],
        ["requests that got an injected fault", count(figures.faults)],
        [
          "… by kind",
          Object.entries(figures.faultsByKind)
            .map(([kind, hits]) => `${kind}: ${hits}`)
            .join(", "),
        ],
        [
          "hosts killed in the middle of an operation / clock jumps / changes outside Pulumi",
          `${figures.hostKills} / ${figures.clockJumps} / ${figures.outOfBand}`,
        ],
        ["requests to the emulator", count(figures.requests)],
        ["violations", figures.violations === 0 ? "0 ✓" : `**${figures.violations}** ✗ in ${failing.length} sequences`],
        ["images a killed host left (the documented window)", String(figures.documented)],
      ],
    ),
    "",
    ...(failing.length > 0
      ? [
          markdownTable(
            ["replay", "first violation"],
            failing.map((report) => [`\`${replayCommand(results, report.path)}\``, cell(report.violations[0] ?? "", 600)]),
          ),
          "",
        ]
      : []),
  ];
}

// ---- JSON ------------------------------------------------------------------------------------

/**
 * The figures, without what the tables print in full: each matrix cell as `ok`, `error:<kind>` or
 * `recorded:<kind>` (a partial failure), `!` when an expectation of the cell failed, and the
 * number of requests that got the fault.
 */
function forJson(results: ReliabilityResults): unknown {
  const { suites } = results;
  const faults = suites.faults && {
    ...suites.faults,
    cells: Object.fromEntries(
      VARIANTS.map((variant) => [
        variant,
        Object.fromEntries(
          suites.faults!.operations.map((op) => [
            op.key,
            Object.fromEntries(
              suites
                .faults!.cells.filter((result) => result.op === op.key && result.variant === variant)
                .map((result) => [
                  result.fault,
                  `${result.ok ? "ok" : `${result.partial ? "recorded" : "error"}:${result.errorKind}`}${result.problems.length > 0 ? "!" : ""} (${result.hits})`,
                ]),
            ),
          ]),
        ),
      ]),
    ),
  };
  return {
    ...results,
    suites: {
      ...suites,
      ...(faults ? { faults } : {}),
      ...(suites.inputs
        ? {
            inputs: {
              ...suites.inputs,
              rows: suites.inputs.rows.map((row) => `${row.property}: ${row.what}: ${row.ok ? "ok" : "FAILED"}`),
            },
          }
        : {}),
      ...(suites.secrets ? { secrets: { ...suites.secrets, urls: suites.secrets.urls.map(({ example: _example, ...row }) => row) } } : {}),
      ...(suites.crashes
        ? { crashes: { ...suites.crashes, scenarios: suites.crashes.scenarios.map(({ steps: _steps, ...scenario }) => scenario) } }
        : {}),
      ...(suites.soak
        ? { soak: { size: suites.soak.size, seed: suites.soak.seed, realSeconds: suites.soak.realSeconds, ...soakFigures(suites.soak) } }
        : {}),
    },
    expectations: (results.expectations ?? []).map((suite) => ({ suite: suite.suite, total: suite.total, failed: suite.failed.length })),
  };
}

// ---- the document ----------------------------------------------------------------------------

export function renderReport(results: ReliabilityResults): string {
  const { machine: host, suites } = results;
  const expectations = results.expectations ?? [];
  const failed = expectations.flatMap((suite) => suite.failed);
  const total = expectations.reduce((sum, suite) => sum + suite.total, 0);
  const sections: [SuiteName, string[] | undefined][] = [
    ["faults", suites.faults && faultSection(suites.faults)],
    ["inputs", suites.inputs && inputsSection(suites.inputs)],
    ["secrets", suites.secrets && secretsSection(suites.secrets)],
    ["crashes", suites.crashes && crashesSection(suites.crashes)],
    ["load", suites.load && loadSection(suites.load)],
    ["drift", suites.drift && driftSection(suites.drift)],
    ["soak", suites.soak && soakSection(suites.soak)],
  ];
  return [
    "# Reliability",
    "",
    `<!-- Generated by \`${results.command}\` (tools/reliability/reliability.ts); the next run rewrites this file. -->`,
    "",
    "Users trust an IaC provider with their cloud account: under faults, rate limits and bad input it must keep working, never lose track of an image, never create one twice, and never leak the token. " +
      "These suites run the built provider through Pulumi's own dynamic-provider host, driven over gRPC as the engine drives it (tools/provider-host/provider-host.ts), " +
      "against the DigitalOcean emulator (packages/emulator), whose fault injection produces the failures and whose audit of every image ever created is the ground truth. " +
      "Simulated time runs on a clock shared by the emulator and the provider, so that imports of minutes take milliseconds.",
    "",
    "## Run",
    "",
    `- Command: \`${results.command}\` (\`.ci/run\` runs \`npm run reliability\`)`,
    `- Date: ${results.date}`,
    `- Machine: ${host.cpu}, ${host.cores} cores, ${fixed(host.memoryGiB, 1)} GiB memory, ${host.os}`,
    `- Node: ${host.node}`,
    `- The run took ${fixed(results.durationSeconds, 0)} s`,
    "",
    "## Summary",
    "",
    markdownTable(
      ["suite", "expectations", "failed"],
      expectations.map((suite) => [
        TITLES[suite.suite],
        String(suite.total),
        suite.failed.length === 0 ? "0 ✓" : `**${suite.failed.length}** ✗`,
      ]),
    ),
    "",
    failed.length === 0 ? `All ${total} expectations were met.` : `**${failed.length} of ${total} expectations failed:**`,
    "",
    ...failed.map(
      (expectation) =>
        `- [${expectation.suite}] ${cell(expectation.what, 300)}${expectation.detail ? `: ${cell(expectation.detail, 500)}` : ""}`,
    ),
    ...(failed.length > 0 ? [""] : []),
    ...sections.flatMap(([suite, lines]) => (lines ? [`## ${TITLES[suite]}`, "", ...lines] : [])),
    "## Figures (JSON)",
    "",
    "```json",
    JSON.stringify(rounded(forJson(results)), null, 2),
    "```",
    "",
  ]
    .filter((line, index, lines) => !(line === "" && lines[index - 1] === ""))
    .join("\n");
}
