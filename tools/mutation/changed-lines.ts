/** Lines of a file, first to last, both included (1-based). */
export type LineRange = [first: number, last: number];

/**
 * The line ranges of the new file that a `git diff --unified=0` of one file adds or changes, from
 * its hunk headers (`@@ -12,3 +12,5 @@`: five lines from line 12). A hunk that only removes lines
 * (`+12,0`) adds none.
 */
export function changedLineRanges(diff: string): LineRange[] {
  const ranges: LineRange[] = [];
  for (const [, start, count] of diff.matchAll(/^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm)) {
    const lines = count === undefined ? 1 : Number(count);
    if (lines > 0) ranges.push([Number(start), Number(start) + lines - 1]);
  }
  return ranges;
}
