/** A fenced `ts` block of a Markdown document: its source, and the document's line its first line is on. */
export interface Snippet {
  document: string;
  line: number;
  source: string;
}

/** Every ```` ```ts ```` (or ```` ```typescript ````) block of `text`, also one indented in a list item. */
export function snippetsOf(document: string, text: string): Snippet[] {
  const lines = text.split("\n");
  const snippets: Snippet[] = [];
  for (let index = 0; index < lines.length; index++) {
    const opening = /^( *)```(?:ts|typescript)\s*$/.exec(lines[index]!);
    if (!opening) continue;
    const indent = opening[1]!.length;
    const first = index + 1;
    let end = first;
    while (end < lines.length && !/^ *```\s*$/.test(lines[end]!)) end++;
    const source = lines.slice(first, end).map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)));
    snippets.push({ document, line: first + 1, source: `${source.join("\n")}\n` });
    index = end;
  }
  return snippets;
}
