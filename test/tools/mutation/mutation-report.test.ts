import { changedLineRanges } from "../../../tools/mutation/changed-lines";
import {
  type EquivalentMutant,
  mergeRuns,
  originalText,
  recordedRun,
  type ReportedMutant,
  renderReport,
  scoreFile,
  type StrykerReport,
} from "../../../tools/mutation/mutation-report";

const FILE = "src/example.ts";
const SOURCE = [
  "export function pick(a: number, b: number) {",
  "  if (a > b) return a;",
  "  if (a > b) return a;",
  "  return b;",
  "}",
].join("\n");

const RUN = { date: "2026-01-01T00:00:00.000Z", seconds: 1 };

let nextId = 0;
function mutant(
  status: ReportedMutant["status"],
  line: number,
  startColumn: number,
  endColumn: number,
  replacement: string,
  mutatorName = "ConditionalExpression",
): ReportedMutant {
  return {
    id: String(nextId++),
    mutatorName,
    replacement,
    status,
    location: { start: { line, column: startColumn }, end: { line, column: endColumn } },
  };
}

function report(...mutants: ReportedMutant[]): StrykerReport {
  return { files: { [FILE]: { source: SOURCE, mutants } } };
}

const equivalent = (overrides: Partial<EquivalentMutant> = {}): EquivalentMutant => ({
  file: FILE,
  mutator: "ConditionalExpression",
  line: "if (a > b)   return a;",
  original: "a > b",
  replacement: "true",
  reason: "either branch returns the larger number",
  ...overrides,
});

describe("the mutation report", () => {
  test("reads the code a mutant replaced from the source, also across lines", () => {
    expect(originalText(SOURCE, { start: { line: 2, column: 7 }, end: { line: 2, column: 12 } })).toBe("a > b");
    expect(originalText(SOURCE, { start: { line: 4, column: 3 }, end: { line: 5, column: 2 } })).toBe("return b;\n}");
  });

  test.each([
    ["every mutant detected", [mutant("Killed", 2, 7, 12, "false"), mutant("Timeout", 4, 10, 11, "a")], [], 100, 100],
    [
      "a survivor and an uncovered mutant count against the score",
      [mutant("Killed", 2, 7, 12, "false"), mutant("Survived", 2, 7, 12, "true"), mutant("NoCoverage", 4, 10, 11, "a")],
      [],
      100 / 3,
      100 / 3,
    ],
    [
      "a listed equivalent is left out of the score, not out of Stryker's",
      [mutant("Killed", 2, 7, 12, "false"), mutant("Survived", 2, 7, 12, "true")],
      [equivalent()],
      100,
      50,
    ],
    [
      "mutants that do not compile are not counted",
      [mutant("Killed", 2, 7, 12, "false"), mutant("CompileError", 4, 10, 11, "a")],
      [],
      100,
      100,
    ],
  ])("scores %s", (_case, mutants, equivalents, score, strykerScore) => {
    const figures = scoreFile(FILE, [], RUN, report(...mutants), equivalents);
    expect(figures.score).toBeCloseTo(score);
    expect(figures.strykerScore).toBeCloseTo(strykerScore);
  });

  test("lets one listed entry stand for one mutant only, so the same code on two lines needs two entries", () => {
    const figures = scoreFile(FILE, [], RUN, report(mutant("Survived", 2, 7, 12, "true"), mutant("Survived", 3, 7, 12, "true")), [
      equivalent(),
    ]);
    expect(figures.equivalent).toHaveLength(1);
    expect(figures.undetected).toEqual([expect.objectContaining({ line: 3, original: "a > b", replacement: "true" })]);
  });

  test("does not match an entry of another mutator, replacement or line, and reports the entry as stale", () => {
    const survivor = mutant("Survived", 2, 7, 12, "true");
    for (const entry of [
      equivalent({ mutator: "EqualityOperator" }),
      equivalent({ replacement: "false" }),
      equivalent({ line: "return b;" }),
    ]) {
      const figures = scoreFile(FILE, [], RUN, report(survivor), [entry]);
      expect(figures.undetected).toHaveLength(1);
      expect(figures.stale).toEqual([entry]);
    }
  });

  test("fails naming the files it has when the report lacks the file measured", () => {
    expect(() => scoreFile("src/other.ts", [], RUN, report(), [])).toThrow(
      /no mutants of src\/other\.ts; files reported: src\/example\.ts/,
    );
  });

  test("keeps the figures of files not measured again, replaces those measured, in the order of the core files, and reads them back from the report", () => {
    const machine = { cpu: "cpu", cores: 2, memoryGiB: 4, os: "Linux", node: "v24" };
    const figures = (file: string, date: string) => ({
      ...scoreFile(FILE, [], { date, seconds: 1 }, report(mutant("Killed", 2, 7, 12, "true")), []),
      file,
    });
    const first = { command: "npm run mutation -- --write", machine, files: [figures("a.ts", "old"), figures("b.ts", "old")] };
    const recorded = recordedRun(renderReport(first));
    expect(recorded).toEqual(first);
    const merged = mergeRuns(
      recorded,
      { command: "npm run mutation -- --only b.ts --write", machine, files: [figures("b.ts", "new"), figures("c.ts", "new")] },
      ["c.ts", "a.ts", "b.ts"],
    );
    expect(merged.files.map((score) => [score.file, score.date])).toEqual([
      ["c.ts", "new"],
      ["a.ts", "old"],
      ["b.ts", "new"],
    ]);
    expect(merged.command).toBe("npm run mutation -- --only b.ts --write");
  });

  test("lists every undetected mutant and every equivalent with its reason, and marks a file below the goal", () => {
    const figures = scoreFile(
      FILE,
      ["test/example.test.ts"],
      RUN,
      report(mutant("Survived", 2, 7, 12, "true"), mutant("Survived", 4, 10, 11, "a", "Identifier")),
      [equivalent()],
    );
    const machine = { cpu: "cpu", cores: 2, memoryGiB: 4, os: "Linux", node: "v24" };
    const text = renderReport({ command: "npm run mutation", machine, files: [figures] });
    expect(text).toContain("| `src/example.ts` | 4 | Identifier | `b` | `a` | Survived |");
    expect(text).toContain("either branch returns the larger number");
    expect(text).toContain("✗ **below**");
  });
});

describe("the lines a change touched, for the quick run", () => {
  test.each([
    ["a hunk of several lines", "@@ -10,2 +12,5 @@ function f() {\n+a\n", [[12, 16]]],
    ["a hunk of one line, written without a count", "@@ -3 +3 @@\n-a\n+b\n", [[3, 3]]],
    ["a hunk that only removes lines", "@@ -7,2 +6,0 @@\n-a\n-b\n", []],
    [
      "several hunks",
      "@@ -1,0 +2,1 @@\n+a\n@@ -40,3 +41,2 @@ x\n+b\n",
      [
        [2, 2],
        [41, 42],
      ],
    ],
    ["no change", "", []],
  ])("reads %s", (_case, diff, ranges) => {
    expect(changedLineRanges(diff)).toEqual(ranges);
  });
});
