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
    reason: "in checkDescription the unknown-value placeholder is a string under the length limit, so the checks that follow return it unchanged too",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "MethodExpression",
    line: "listing = client.images.list({ private: true }).then((images) => images.filter((image) => image.tags.some(isImportMarker)));",
    original: "images.filter((image) => image.tags.some(isImportMarker))",
    replacement: "images",
    reason: "adoption looks for the create's own marker among the images anyway; the filter only keeps the listing held for the process small",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "ConditionalExpression",
    line: "const left = (await imagesWithMarkers(client)).find((image) => image.tags.includes(marker) && !client.claimed.has(image.id) && image.status !== \"deleted\");",
    original: "image.status !== \"deleted\"",
    replacement: "true",
    reason: "DigitalOcean's listing (and the emulator, which follows it) leaves deleted images out; the check guards against one that would not",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "StringLiteral",
    line: "const left = (await imagesWithMarkers(client)).find((image) => image.tags.includes(marker) && !client.claimed.has(image.id) && image.status !== \"deleted\");",
    original: "\"deleted\"",
    replacement: "\"\"",
    reason: "as above: no listed image is deleted, so no listed image's status is \"\" either",
  },
  {
    file: "src/client/rate-budget.ts",
    mutator: "ArithmeticOperator",
    line: "this.remaining = hourFloor + 1;",
    original: "hourFloor + 1",
    replacement: "hourFloor - 1",
    reason: "the probe's own acquire brings the count to the reserve or below either way, and any count there holds the others alike until an answer comes",
  },
  {
    file: "src/client/rate-budget.ts",
    mutator: "CallExpression",
    line: "this.prune(now);",
    original: "this.prune(now);",
    replacement: ";",
    reason: "the wait reads the minute's cap-th most recent request, which older entries left in the list do not change; pruning there only bounds the list",
  },
];
