/**
 * Whether the text itself has an authority (`scheme://host`). WHATWG URL parsing repairs
 * `https:///a.img`, `https:/a.img` and `https:\\a.img` into `https://a.img/`, but DigitalOcean is
 * sent the text as written, so the parsed host is not the one it would download from.
 */
export function hasAuthority(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/\\?#]/i.test(url);
}

/**
 * Characters URL parsing drops or rewrites (whitespace, controls, and format characters such as
 * U+200B, which IDNA maps away: `https://exa\u200Bmple.com` parses with host example.com). A URL
 * holding one is printed as written, so that a message shows the text DigitalOcean would be sent.
 */
const ALTERED_BY_PARSING = /[\s\p{Cc}\p{Cf}]/u;

/**
 * A URL safe to print in messages and logs: scheme, host and path only. Userinfo (`user:pass@`)
 * and the query string (where presigned URLs carry their signature and sometimes a session token)
 * are dropped, and so is the fragment. A string that does not parse, that parsing would alter, or whose path holds an `@`
 * (`https://user:8080/PW@e.com` parses with host `user:8080`), is cut by hand: after `//`,
 * everything up to the last `@` is taken for userinfo, since a password may hold `/`, `?` or `#`
 * (`https://user:SECRET/PW@e.com`). Cutting too much of such a string is the safe mistake.
 */
export function redactUrl(url: string): string {
  const parsed = URL.parse(url);
  const parsedAsWritten = parsed && hasAuthority(url) && !parsed.pathname.includes("@") && !ALTERED_BY_PARSING.test(url);
  if (parsedAsWritten) return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  const authority = /^[^/]*\/\//.exec(url);
  // Without a `//`, only text before the first `/` is userinfo.
  if (!authority) return url.replace(/^[^/]*@/, "").split(/[?#]/, 1)[0]!;
  // After a `//`, userinfo may hold any character, so it runs to the last `@`. When that text
  // holds a `?` or `#`, the `@` may as well sit in the query (a GCS V2 url's GoogleAccessId), and
  // what follows it be the query's tail with the signature: nothing after the `//` is printed.
  const rest = url.slice(authority[0].length);
  const at = rest.lastIndexOf("@");
  if (/[?#]/.test(rest.slice(0, Math.max(at, 0)))) return `${authority[0]}${HIDDEN_AUTHORITY}`;
  return `${authority[0]}${rest.slice(at + 1).split(/[?#]/, 1)[0]!}`;
}

/** What a hand-cut URL prints in place of a host and path it cannot tell from a query's tail. */
const HIDDEN_AUTHORITY = "[host and path hidden: an @ follows a ? or #]";

/**
 * `text` from DigitalOcean (an `error_message`, an error body's `message`) with every http(s) URL
 * in it cut to scheme, host and path, as `redactUrl` prints the provider's own. DigitalOcean does
 * not document whether its messages quote the import url (digitalocean-openapi/SOURCE.md); a
 * presigned url carries its signature, sometimes a session token, in the query, and the text ends
 * up in `pulumi up` output, logs and the stack's state.
 */
export function redactUrlsIn(text: string): string {
  // Punctuation that ends a sentence after the url is kept: "... from https://host/a.img?sig=x." keeps its full stop.
  return text.replace(/\bhttps?:\/\/[^\s"'<>()[\]{}]+?(?=[.,;:!?]*(?:[\s"'<>()[\]{}]|$))/gi, (url) => redactUrl(url));
}
