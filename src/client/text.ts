/**
 * Text from outside (a response body, a setting) for a message: at most `limit` characters, the cut
 * said. Reads at most `limit` characters of `text`, so that a huge answer costs no more than a short
 * one; the count of what was left out is in UTF-16 code units (characters for the ASCII that
 * DigitalOcean sends).
 */
export function boundedText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = 0;
  for (let taken = 0; taken < limit && end < text.length; taken++) end += text.codePointAt(end)! > 0xffff ? 2 : 1;
  return end >= text.length ? text : `${text.slice(0, end)}… (${text.length - end} more characters)`;
}

/**
 * The shortest token that is taken out of server text. A shorter one (a test's `t`) would match
 * ordinary words; DigitalOcean's tokens are 71 characters (`dop_v1_` and 64 hex digits).
 */
const MIN_SCRUBBED_SECRET_LENGTH = 8;

/**
 * `text` with every occurrence of `secret` replaced: for text a server sent (an error message, a
 * status line), which may echo the Authorization header it received.
 */
export function withoutSecret(text: string, secret: string): string {
  return secret.length < MIN_SCRUBBED_SECRET_LENGTH ? text : text.replaceAll(secret, "[token]");
}

/**
 * Characters that change what a terminal or a web page shows without being seen themselves:
 * controls (an ANSI escape starts with ESC, U+001B), format characters (bidirectional controls
 * such as U+202E, zero-width characters such as U+200B, the invisible tag characters U+E0000 on)
 * and the line and paragraph separators U+2028 and U+2029.
 */
const HIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** The first hidden character of `text` (see `HIDDEN_CHARACTERS`) not in `allowed`, as `U+202E`, and its position counted in characters from 1. */
export function hiddenCharacter(text: string, allowed = ""): { codePoint: string; position: number } | undefined {
  let position = 0;
  for (const character of text) {
    position++;
    if (!allowed.includes(character) && character.match(HIDDEN_CHARACTERS)) {
      return { codePoint: `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`, position };
    }
  }
  return undefined;
}

/**
 * `text` in double quotes for a message or a log line, every hidden character escaped (`\u202e`):
 * a name shows as it was written, and cannot recolour, reorder or hide the rest of the line.
 */
export function quoteText(text: string): string {
  return JSON.stringify(text).replace(HIDDEN_CHARACTERS, (character) => {
    const code = character.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** What a value is, for a message that must not repeat the value itself. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
