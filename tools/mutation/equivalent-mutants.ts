import type { EquivalentMutant } from "./mutation-report";

/**
 * Mutants that survive because the program behaves the same with them, each with why. The report
 * (docs/MUTATION.md) leaves them out of the score and lists them; an entry that matches no
 * surviving mutant any more is reported as stale.
 */
export const EQUIVALENT_MUTANTS: readonly EquivalentMutant[] = [
  {
    file: "src/provider/check.ts",
    mutator: "ConditionalExpression",
    line: "if (given === UNKNOWN) return given;",
    original: "given === UNKNOWN",
    replacement: "false",
    reason: "the unknown-value placeholder is a trimmed 36-character string, so the name checks that follow return it unchanged too",
  },
  {
    file: "src/provider/check.ts",
    mutator: "ConditionalExpression",
    line: "if (value === undefined || value === UNKNOWN) return value;",
    original: "value === UNKNOWN",
    replacement: "false",
    reason:
      "in checkDescription the unknown-value placeholder is a string under the length limit, so the checks that follow return it unchanged too",
  },
  {
    file: "src/provider/check.ts",
    mutator: "ConditionalExpression",
    line: "if (value === undefined || value === UNKNOWN) return value;",
    original: "value === UNKNOWN",
    replacement: "false",
    reason:
      "in checkToken the unknown-value placeholder is a non-empty string without whitespace or hidden characters, so the checks that follow return it unchanged too",
  },
  {
    file: "src/provider/check.ts",
    mutator: "MethodExpression",
    line: 'const url = checkedEndpoint(value.trim(), "apiEndpoint", true);',
    original: "value.trim()",
    replacement: "value",
    reason: "URL parsing drops leading and trailing spaces itself, so the endpoint parses to the same origin and path",
  },
  {
    file: "src/provider/import-marker.ts",
    mutator: "MethodExpression",
    line: "listing = client.images.list({ private: true }).then((images) => images.filter((image) => image.tags.some(isImportMarker)));",
    original: "images.filter((image) => image.tags.some(isImportMarker))",
    replacement: "images",
    reason:
      "adoption looks for the create's own marker among the images anyway; the filter only keeps the listing held for the process small",
  },
  {
    file: "src/provider/import-marker.ts",
    mutator: "StringLiteral",
    line: 'const identity = JSON.stringify([inputs.__importScope ?? "", inputs.name, imageSourceId(inputs.url), inputs.regions[0]]);',
    original: '""',
    replacement: '"Stryker was here!"',
    reason:
      "only a create without a scope reads it, and every CustomImage that imports has one (CustomImage.get, which has none, never imports); any constant that is no scope gives such a create the same marker in every run",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "ArrowFunction",
    line: "() => false,",
    original: "() => false",
    replacement: "() => undefined",
    reason: "the result only decides a condition, where undefined is false as well",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "StringLiteral",
    line: 'if (error instanceof ValidationError && /already deleted/i.test(error.apiMessage ?? "")) return;',
    original: '""',
    replacement: '"Stryker was here!"',
    reason: 'neither text says "already deleted": a refusal without DigitalOcean\'s message is not taken for one either way',
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "ConditionalExpression",
    line: '(action) => action.type === "transfer" && action.status === "in-progress",',
    original: 'action.type === "transfer"',
    replacement: "true",
    reason:
      "a custom image's only action that is ever in progress is a transfer: a convert (meant for backups and snapshots) completes at once, as the emulator models",
  },
  {
    file: "src/client/image-waiter.ts",
    mutator: "ConditionalExpression",
    line: "if (stretch <= 1) return scheduled;",
    original: "stretch <= 1",
    replacement: "false",
    reason:
      "with a stretch of 1 or less the formula that follows gives the scheduled interval too: the max with it is never shorter, the min never longer",
  },
  {
    file: "src/client/image-waiter.ts",
    mutator: "EqualityOperator",
    line: "if (stretch <= 1) return scheduled;",
    original: "stretch <= 1",
    replacement: "stretch < 1",
    reason: "as above: a stretch of exactly 1 gives the scheduled interval through the formula as well",
  },
  {
    file: "src/client/image-waiter.ts",
    mutator: "ConditionalExpression",
    line: "const elapsed = lastRound === undefined ? [] : waits.map((wait) => from - wait.startedAt);",
    original: "lastRound === undefined",
    replacement: "false",
    reason:
      "before the first round every wait has waited 0 ms or less, which the schedule reads as new: the shortest interval, as for no waits (a round costs at most one request per wait)",
  },
  {
    file: "src/client/image-waiter.ts",
    mutator: "ConditionalExpression",
    line: "const images = this.images.size === 0 ? 0 : Math.min(this.images.size, this.listingPages);",
    original: "this.images.size === 0",
    replacement: "false",
    reason: "with no image waits Math.min(0, listingPages) is 0 as well",
  },
  {
    file: "src/client/image-waiter.ts",
    mutator: "ConditionalExpression",
    line: "if (waits.length === 0) return;",
    original: "waits.length === 0",
    replacement: "false",
    reason: "checking no waits sends no request and records nothing either",
  },
  {
    file: "src/client/rate-budget.ts",
    mutator: "ConditionalExpression",
    line: "const byRate = load.ratePerMinute > ceiling ? (load.ratePerMinute / ceiling) ** 2 : 1;",
    original: "load.ratePerMinute > ceiling",
    replacement: "true",
    reason: "under a positive ceiling the square is below 1, which Math.max(1, …) lifts to 1 as the condition would",
  },
  {
    file: "src/client/rate-budget.ts",
    mutator: "EqualityOperator",
    line: "const byRate = load.ratePerMinute > ceiling ? (load.ratePerMinute / ceiling) ** 2 : 1;",
    original: "load.ratePerMinute > ceiling",
    replacement: "load.ratePerMinute >= ceiling",
    reason: "at the ceiling the square is exactly 1",
  },
  {
    file: "src/client/rate-budget.ts",
    mutator: "ConditionalExpression",
    line: "else if (spending > left) byLeft = (spending / left) ** 2;",
    original: "spending > left",
    replacement: "true",
    reason:
      "here more than the reserve is left, so spending no more than that gives a square of at most 1, which Math.max(1, …) lifts to 1",
  },
  {
    file: "src/client/rate-budget.ts",
    mutator: "EqualityOperator",
    line: "else if (spending > left) byLeft = (spending / left) ** 2;",
    original: "spending > left",
    replacement: "spending >= left",
    reason: "spending exactly what is left gives a square of exactly 1",
  },
  {
    file: "src/client/rate-budget.ts",
    mutator: "ConditionalExpression",
    line: "this.samples = firstKept < 0 ? [] : this.samples.slice(firstKept);",
    original: "firstKept < 0",
    replacement: "false",
    reason:
      "with every answer older than the window, slice(-1) keeps the last one alone, and one answer gives no rate; the next answer's pruning drops it",
  },
  {
    file: "src/client/rate-budget.ts",
    mutator: "CallExpression",
    line: "this.pruneSamples(now);",
    original: "this.pruneSamples(now);",
    replacement: ";",
    reason: "in observe: pollStretch, the only reader of the answers, prunes them first; pruning on each answer only bounds the list",
  },
  {
    file: "src/client/rate-budget.ts",
    mutator: "ArithmeticOperator",
    line: "this.remaining = hourFloor + 1;",
    original: "hourFloor + 1",
    replacement: "hourFloor - 1",
    reason:
      "the probe's own acquire brings the count to the reserve or below either way, and any count there holds the others alike until an answer comes",
  },
  {
    file: "src/client/rate-budget.ts",
    mutator: "CallExpression",
    line: "this.prune(now);",
    original: "this.prune(now);",
    replacement: ";",
    reason:
      "the wait reads the minute's cap-th most recent request, which older entries left in the list do not change; pruning there only bounds the list",
  },
];
