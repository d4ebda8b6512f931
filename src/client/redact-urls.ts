import { redactUrl } from "../provider/presigned-url";

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
