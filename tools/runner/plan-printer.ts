import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../provider-host/engine-values";
import type { Step, StepKind } from "./deployment";

/**
 * Pulumi-like text for the runner's steps, written line by line as they happen (the CLI redraws
 * a table instead): `+ create`, `~ update [diff: ~description]`, `+- replace [diff: ~url]`,
 * `- delete`, then the stack's outputs and a count per kind.
 */

const KINDS: Record<StepKind, { symbol: string; plan: string; doing: string; done: string }> = {
  create: { symbol: "+", plan: "create", doing: "creating", done: "created" },
  update: { symbol: "~", plan: "update", doing: "updating", done: "updated" },
  replace: { symbol: "+-", plan: "replace", doing: "replacing", done: "replaced" },
  delete: { symbol: "-", plan: "delete", doing: "deleting", done: "deleted" },
  same: { symbol: "", plan: "same", doing: "refreshing", done: "unchanged" },
  read: { symbol: ">", plan: "read", doing: "reading", done: "read" },
  discard: { symbol: "<", plan: "discard", doing: "discarding", done: "discarded" },
};

export type Operation = "preview" | "up" | "refresh" | "destroy";

const HEADERS: Record<Operation, string> = {
  preview: "Previewing update",
  up: "Updating",
  refresh: "Refreshing",
  destroy: "Destroying",
};

/** Real milliseconds as the CLI shows a step's duration. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)}s`;
}

export function headerLine(operation: Operation, stack: string): string {
  return `${HEADERS[operation]} (${stack}):`;
}

/** One line for a step in a phase; undefined for what Pulumi does not show (unchanged resources). */
export function stepLine(step: Step, phase: "instant" | "start" | "done" | "failed", preview: boolean): string | undefined {
  const kind = KINDS[step.kind];
  if (step.kind === "same" && phase !== "failed") return undefined;
  const label = {
    instant: preview ? kind.plan : kind.done,
    start: kind.doing,
    done: kind.done,
    failed: step.refused ? "**failed**" : `**${kind.doing} failed**`,
  }[phase];
  const details = [
    step.diffs.length > 0 ? `[diff: ${step.diffs.join(" ")}]` : "",
    step.resumes ? "[resuming after a partial failure]" : "",
    phase === "done" && step.kind === "replace" ? `(id ${step.id} → ${step.newId})` : "",
    phase === "done" && step.kind === "create" ? `(id ${step.newId})` : "",
    phase === "done" && step.durationMs !== undefined ? `(${seconds(step.durationMs)})` : "",
  ].filter(Boolean);
  return [` ${kind.symbol.padEnd(3)}${step.type.padEnd(46)} ${step.name.padEnd(24)}${label}`, ...details].join(" ").trimEnd();
}

/** `Resources:` and one count per kind, as the CLI ends a run. */
export function summaryLines(steps: Step[], preview: boolean): string[] {
  const counts = new Map<StepKind, number>();
  for (const step of steps) if (!step.error) counts.set(step.kind, (counts.get(step.kind) ?? 0) + 1);
  const lines = ["Resources:"];
  for (const [kind, count] of counts) {
    if (kind === "same") continue;
    const { symbol, plan, done } = KINDS[kind];
    lines.push(`    ${symbol.padEnd(2)}${count} ${preview ? `to ${plan}` : done}`);
  }
  if (counts.has("same")) lines.push(`    ${counts.get("same")} unchanged`);
  const failed = steps.filter((step) => step.error).length;
  if (failed > 0) lines.push(`    ${failed} failed`);
  return lines;
}

export function outputLines(outputs: Record<string, unknown>): string[] {
  const keys = Object.keys(outputs).sort();
  if (keys.length === 0) return [];
  const width = Math.max(...keys.map((key) => key.length));
  return ["Outputs:", ...keys.map((key) => `    ${key.padEnd(width)}: ${formatValue(outputs[key])}`)];
}

/** A value in the engine's wire form, with unknowns and secrets shown as the CLI shows them. */
export function formatValue(value: unknown): string {
  if (value === UNKNOWN) return "[unknown]";
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return "[secret]";
    return `{ ${Object.entries(record)
      .map(([key, element]) => `${key}: ${formatValue(element)}`)
      .join(", ")} }`;
  }
  return JSON.stringify(value) ?? "undefined";
}
