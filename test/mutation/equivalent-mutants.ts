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
    mutator: "ConditionalExpression",
    line: "for (const [key, value] of Object.entries(outputs)) if (value === undefined) delete outputs[key];",
    original: "value === undefined",
    replacement: "false",
    reason: "inputs reach the provider through check and gRPC, which leave no key undefined, and imageFromWire fills every image field: no output is undefined to delete",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "ConditionalExpression",
    line: "const copies = (await runtime.client.images.list({ tagName: marker })).filter((copy) => copy.id !== imageId && !runtime.client.claimed.has(copy.id));",
    original: "copy.id !== imageId",
    replacement: "true",
    reason: "the create's own image is always in client.claimed (createCustom and adoption add it), so the claimed check alone leaves it out",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "ArrowFunction",
    line: "if (gone && (recorded || (await deleteImage(runtime, current.id).then(() => true, () => false)))) {",
    original: "() => false",
    replacement: "() => undefined",
    reason: "the result only decides a condition, where undefined is false as well",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "StringLiteral",
    line: "if (error instanceof ValidationError && /already deleted/i.test(error.apiMessage ?? \"\")) return;",
    original: "\"\"",
    replacement: "\"Stryker was here!\"",
    reason: "neither text says \"already deleted\": a refusal without DigitalOcean's message is not taken for one either way",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "ConditionalExpression",
    line: "const transfers = (await runtime.client.imageActions.list(id)).filter((action) => action.type === \"transfer\" && action.status === \"in-progress\");",
    original: "action.type === \"transfer\"",
    replacement: "true",
    reason: "a custom image's only action that is ever in progress is a transfer: a convert (meant for backups and snapshots) completes at once, as the emulator models",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "ConditionalExpression",
    line: "if (!error.message.startsWith(what)) error.message = `${what}: ${error.message}`;",
    original: "!error.message.startsWith(what)",
    replacement: "true",
    reason: "no error reaches withContext twice with one `what` (each caller prefixes an error of its own; a shared listing's error is copied first), so the guard never finds the prefix",
  },
  {
    file: "src/provider/lifecycle.ts",
    mutator: "MethodExpression",
    line: "if (!error.message.startsWith(what)) error.message = `${what}: ${error.message}`;",
    original: "error.message.startsWith(what)",
    replacement: "error.message.endsWith(what)",
    reason: "as above: no message reaching withContext starts or ends with what the provider was doing",
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
