import { isDeepStrictEqual } from "node:util";

/**
 * The top-level properties that differ between two property maps, as Pulumi lists them after
 * `[diff: ...]`: `+key` added, `-key` removed, `~key` changed, sorted by name. The engine computes
 * this itself when a provider gives no detailed diff, which dynamic providers never do.
 */
export function propertyDiff(olds: Record<string, unknown>, news: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])].sort();
  return keys.flatMap((key) => {
    if (!(key in olds)) return [`+${key}`];
    if (!(key in news)) return [`-${key}`];
    return isDeepStrictEqual(olds[key], news[key]) ? [] : [`~${key}`];
  });
}
