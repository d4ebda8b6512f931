import { type Machine, markdownTable } from "../shared/report";
import { GOAL_PERCENT } from "./core-files";

/** A mutant as Stryker's JSON report (mutation-testing-report-schema) describes it. */
export interface ReportedMutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  status: "Killed" | "Survived" | "NoCoverage" | "Timeout" | "CompileError" | "RuntimeError" | "Ignored" | "Pending";
  /** Lines and columns are 1-based; `end` is exclusive. */
  location: { start: { line: number; column: number }; end: { line: number; column: number } };
}

/** The part of Stryker's JSON report read here: one entry per mutated file. */
export interface StrykerReport {
  files: Record<string, { source: string; mutants: ReportedMutant[] }>;
}

/** A mutant that no test can tell from the original, because the program behaves the same. */
export interface EquivalentMutant {
  file: string;
  mutator: string;
  /** The source line where the mutant starts, whitespace collapsed: tells apart equal code in two places. */
  line: string;
  /** The code Stryker replaced, whitespace collapsed. */
  original: string;
  replacement: string;
  /** One line: why no behaviour differs. */
  reason: string;
}

/** A mutant that no test detected, located for a reader. */
export interface Undetected {
  line: number;
  /** The source line, whitespace collapsed. */
  lineText: string;
  mutator: string;
  original: string;
  replacement: string;
  status: "Survived" | "NoCoverage";
}

export interface FileScore {
  file: string;
  tests: string[];
  /** ISO 8601, when this file's run started. */
  date: string;
  seconds: number;
  mutants: number;
  killed: number;
  timedOut: number;
  survived: number;
  noCoverage: number;
  /** Mutants that do not compile (the TypeScript checker) or crash every test: not counted. */
  invalid: number;
  equivalent: EquivalentMutant[];
  /** Undetected and not listed as equivalent. */
  undetected: Undetected[];
  /** Listed entries of this file that matched no undetected mutant: killed now, or the code moved. */
  stale: EquivalentMutant[];
  /** Detected ÷ (detected + undetected not equivalent), in percent. */
  score: number;
  /** Stryker's own score: equivalents count as survivors. */
  strykerScore: number;
}

/** The figures of every core file, each from its latest run (`--only <file> --write` replaces one). */
export interface MutationRun {
  command: string;
  machine: Machine;
  files: FileScore[];
}

/** The run recorded in a report `renderReport` wrote, to replace some files' figures in it. */
export function recordedRun(report: string): MutationRun | undefined {
  const data = /\n## Data\n\n```json\n([\s\S]*?)\n```/.exec(report)?.[1];
  return data === undefined ? undefined : (JSON.parse(data) as MutationRun);
}

/** `recorded` with the files of `latest` replaced or added, in the order of `order`. */
export function mergeRuns(recorded: MutationRun | undefined, latest: MutationRun, order: readonly string[]): MutationRun {
  const byFile = new Map((recorded?.files ?? []).map((score) => [score.file, score]));
  for (const score of latest.files) byFile.set(score.file, score);
  const position = (file: string) => (order.includes(file) ? order.indexOf(file) : order.length);
  return {
    ...latest,
    files: [...byFile.values()].filter((score) => order.includes(score.file)).sort((a, b) => position(a.file) - position(b.file)),
  };
}

const collapse = (text: string) => text.replace(/\s+/g, " ").trim();

/** The source text a mutant replaced. */
export function originalText(source: string, location: ReportedMutant["location"]): string {
  const lines = source.split("\n");
  const { start, end } = location;
  if (start.line === end.line) return lines[start.line - 1]!.slice(start.column - 1, end.column - 1);
  return [
    lines[start.line - 1]!.slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    lines[end.line - 1]!.slice(0, end.column - 1),
  ].join("\n");
}

function sameMutant(entry: EquivalentMutant, file: string, mutant: Undetected): boolean {
  return (
    entry.file === file &&
    entry.mutator === mutant.mutator &&
    collapse(entry.line) === mutant.lineText &&
    collapse(entry.original) === mutant.original &&
    collapse(entry.replacement) === mutant.replacement
  );
}

/** One file's figures from Stryker's report, with the listed equivalents set apart. */
export function scoreFile(
  file: string,
  tests: string[],
  run: { date: string; seconds: number },
  report: StrykerReport,
  equivalents: readonly EquivalentMutant[],
): FileScore {
  const entry = report.files[file];
  if (!entry)
    throw new Error(`Stryker's report has no mutants of ${file}; files reported: ${Object.keys(report.files).join(", ") || "none"}`);
  const count = (...statuses: ReportedMutant["status"][]) => entry.mutants.filter((mutant) => statuses.includes(mutant.status)).length;
  const undetectedAll: Undetected[] = entry.mutants
    .filter(
      (mutant): mutant is ReportedMutant & { status: Undetected["status"] } =>
        mutant.status === "Survived" || mutant.status === "NoCoverage",
    )
    .map((mutant) => ({
      line: mutant.location.start.line,
      lineText: collapse(entry.source.split("\n")[mutant.location.start.line - 1] ?? ""),
      mutator: mutant.mutatorName,
      original: collapse(originalText(entry.source, mutant.location)),
      replacement: collapse(mutant.replacement ?? ""),
      status: mutant.status,
    }))
    .sort((a, b) => a.line - b.line);
  const listed = equivalents.filter((equivalent) => equivalent.file === file);
  const matched = new Set<EquivalentMutant>();
  // An entry stands for one mutant: the same code twice on one line needs two entries.
  const undetected = undetectedAll.filter((mutant) => {
    const equivalent = listed.find((candidate) => !matched.has(candidate) && sameMutant(candidate, file, mutant));
    if (equivalent) matched.add(equivalent);
    return !equivalent;
  });
  const killed = count("Killed");
  const timedOut = count("Timeout");
  const detected = killed + timedOut;
  const percent = (part: number, whole: number) => (whole === 0 ? 100 : (100 * part) / whole);
  return {
    file,
    tests,
    date: run.date,
    seconds: run.seconds,
    mutants: entry.mutants.length,
    killed,
    timedOut,
    survived: count("Survived"),
    noCoverage: count("NoCoverage"),
    invalid: count("CompileError", "RuntimeError"),
    equivalent: [...matched],
    undetected,
    stale: listed.filter((equivalent) => !matched.has(equivalent)),
    score: percent(detected, detected + undetected.length),
    strykerScore: percent(detected, detected + undetectedAll.length),
  };
}

export const meetsGoal = (score: FileScore) => score.score >= GOAL_PERCENT;

const percent = (value: number) => `${value.toFixed(1)} %`;
const code = (text: string, limit = 120) => {
  const short = text.length > limit ? `${text.slice(0, limit)}…` : text;
  return `\`${short.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
};
const seconds = (value: number) => (value >= 120 ? `${(value / 60).toFixed(1)} min` : `${value.toFixed(0)} s`);

export function renderReport(run: MutationRun): string {
  const { machine } = run;
  const sections = [
    "# Mutation testing",
    "",
    "<!-- Generated by `npm run mutation -- --write` (tools/mutation/mutation.ts); the next run rewrites this file. -->",
    "",
    "Tests that pass say little unless they fail when the code is wrong. StrykerJS changes the core files one small way at a time " +
      "(a condition negated, a constant emptied, a branch removed: a *mutant*) and runs each file's own tests against every change; " +
      "a mutant that no test notices is behaviour nobody pins. Each file is measured against the tests listed beside it only, " +
      "with coverage analysis per test (a mutant runs the tests that reach it).",
    "",
    "The provider host, reliability and engine suites run the built `dist/` in child processes, which Stryker's mutants never reach. " +
      "What only they checked (for example that `read` reports an image gone on a 404 and on nothing else) is stated again by tests " +
      "that call the provider in Jest's process, against the emulator; those are the tests listed here.",
    "",
    `A mutant no test can detect because the program behaves the same is *equivalent*: it is listed with its reason in ` +
      "`tools/mutation/equivalent-mutants.ts` and left out of the score. The goal is " +
      `${GOAL_PERCENT} % on every file; \`npm run mutation\` fails below it. \`.ci/run\` runs \`npm run mutation -- --quick\`, ` +
      "which measures the mutants of the core lines changed since `main` (or, when none is, of presigned-url.ts and retry-policy.ts), so that its cost grows with the change.",
    "",
    "## Run",
    "",
    `- Command: \`npm run mutation -- --write\` (last written by \`${run.command}\`; \`--only <file> --write\` measures one file again and keeps the others' figures)`,
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB memory, ${machine.os}`,
    `- Node: ${machine.node}`,
    `- Every file took ${seconds(run.files.reduce((sum, score) => sum + score.seconds, 0))} in all, one after another; each file's own time and date are in the table`,
    "",
    "## Scores",
    "",
    markdownTable(
      [
        "file",
        "mutants",
        "killed",
        "timed out",
        "survived",
        "no coverage",
        "equivalent",
        "score",
        "Stryker's score",
        "goal",
        "time",
        "measured",
      ],
      run.files.map((score) => [
        `\`${score.file}\``,
        String(score.mutants - score.invalid),
        String(score.killed),
        String(score.timedOut),
        String(score.survived),
        String(score.noCoverage),
        String(score.equivalent.length),
        `**${percent(score.score)}**`,
        percent(score.strykerScore),
        meetsGoal(score) ? "✓" : "✗ **below**",
        seconds(score.seconds),
        score.date.slice(0, 16).replace("T", " "),
      ]),
    ),
    "",
    "Score: (killed + timed out) ÷ (killed + timed out + survived + no coverage − equivalent). Stryker's score counts equivalents as survivors. " +
      "Mutants that do not compile (Stryker's TypeScript checker) are not counted.",
    "",
    "Tests run against each file's mutants:",
    "",
    ...run.files.map((score) => `- \`${score.file}\`: ${score.tests.map((test) => `\`${test}\``).join(", ")}`),
    "",
    "## Undetected mutants",
    "",
  ];
  const undetected = run.files.flatMap((score) => score.undetected.map((mutant) => ({ file: score.file, ...mutant })));
  sections.push(
    undetected.length === 0
      ? "None: every mutant is killed or listed as equivalent."
      : markdownTable(
          ["file", "line", "mutator", "original", "replacement", "status"],
          undetected.map((mutant) => [
            `\`${mutant.file}\``,
            String(mutant.line),
            mutant.mutator,
            code(mutant.original),
            code(mutant.replacement),
            mutant.status,
          ]),
        ),
    "",
    "## Equivalent mutants",
    "",
  );
  const equivalents = run.files.flatMap((score) => score.equivalent);
  sections.push(
    equivalents.length === 0
      ? "None."
      : markdownTable(
          ["file", "mutator", "original", "replacement", "why no behaviour differs"],
          equivalents.map((entry) => [
            `\`${entry.file}\``,
            entry.mutator,
            code(entry.original),
            code(entry.replacement),
            entry.reason.replace(/\|/g, "\\|"),
          ]),
        ),
  );
  const stale = run.files.flatMap((score) => score.stale);
  if (stale.length > 0) {
    sections.push(
      "",
      "## Stale entries",
      "",
      "Listed as equivalent, but no undetected mutant matches them (a test kills them now, or the code changed): remove them from the list.",
      "",
      ...stale.map((entry) => `- \`${entry.file}\` ${entry.mutator}: ${code(entry.original)} → ${code(entry.replacement)}`),
    );
  }
  sections.push("", "## Data", "", "```json", JSON.stringify(run, null, 1), "```", "");
  return sections.join("\n");
}
