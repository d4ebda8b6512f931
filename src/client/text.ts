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

/** What a value is, for a message that must not repeat the value itself. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
