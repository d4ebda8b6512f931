/**
 * DigitalOcean's importer downloads the image itself: "Importing a custom image by URL fails if
 * the image is served by a CDN that doesn't support HEAD requests"
 * (https://docs.digitalocean.com/products/custom-images/details/limits/), so it sends a HEAD, then
 * a GET. `fetchImport` does the same for a url on this machine's loopback, so that a test's own
 * server (an S3-compatible one checking presigned signatures) decides whether the import succeeds:
 * a wrong or expired signature, or an object deleted before the download, fails it.
 */

/** How a download failed, worded as the rest of `Failed to download image from URL: <url> (…).` */
export type DownloadFailure = string;

export interface FetchOptions {
  /** Real milliseconds for each of the two requests, body included; default 60 s. */
  timeoutMs?: number;
}

/**
 * Downloads `url` (HEAD, then GET with the body read to its end) and returns why the download
 * failed, or undefined when it succeeded. Never throws.
 *
 * A HEAD answered 403 goes on to the GET: a presigned url is signed for one method, GET, and
 * S3-compatible servers (Spaces among them) refuse it for HEAD with 403, yet DigitalOcean imports
 * from presigned Spaces urls. The GET's answer then decides. A HEAD answered 405 or 501 is a server
 * without HEAD, which fails the import as DigitalOcean documents.
 */
export async function fetchImport(url: string, options: FetchOptions = {}): Promise<DownloadFailure | undefined> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const host = new URL(url).host;
  try {
    const head = await fetch(url, { method: "HEAD", redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
    if (head.status === 405 || head.status === 501) return "the server does not support HEAD requests";
    if (!head.ok && head.status !== 403) return answered(head.status, undefined);
    const get = await fetch(url, { redirect: "follow", signal: AbortSignal.timeout(timeoutMs) });
    if (!get.ok) return answered(get.status, await errorCode(get));
    const bytes = await drain(get);
    if (bytes === 0) return "the server sent an empty file";
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    if ((error as Error).name === "TimeoutError") return `the download from ${host} timed out`;
    return `could not connect to host ${host}${cause ? `: ${cause}` : ""}`;
  }
}

function answered(status: number, code: string | undefined): DownloadFailure {
  return `the server answered HTTP ${status}${code ? ` ${code}` : ""}`;
}

/** An S3-compatible server's error `<Code>` (NoSuchKey, SignatureDoesNotMatch, AccessDenied), which DigitalOcean's message would not hide. */
async function errorCode(response: Response): Promise<string | undefined> {
  const text = (await response.text()).slice(0, 4096);
  return /<Code>([A-Za-z]{1,64})<\/Code>/.exec(text)?.[1];
}

async function drain(response: Response): Promise<number> {
  let bytes = 0;
  if (!response.body) return bytes;
  for await (const chunk of response.body) bytes += (chunk as Uint8Array).byteLength;
  return bytes;
}
