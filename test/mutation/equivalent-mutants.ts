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
];
