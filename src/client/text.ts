/** Text from outside (a response body, a setting) for a message: at most `limit` characters, the cut said. */
export function boundedText(text: string, limit: number): string {
  const characters = [...text];
  return characters.length > limit ? `${characters.slice(0, limit).join("")}… (${characters.length - limit} more characters)` : text;
}

/** What a value is, for a message that must not repeat the value itself. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
