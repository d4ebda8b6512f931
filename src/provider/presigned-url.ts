/**
 * Image URLs are often presigned: object stores put a signature and an expiry in the query string,
 * and a program that signs its URL on every run sends a different string every time. These helpers
 * tell such a re-signed URL apart from a different image, and print URLs without their secrets.
 */

/** One way of signing a URL: the query parameters that carry credentials, expiry and signature. */
interface SigningScheme {
  /** Lower-cased parameter names that are all present when a URL is signed this way. */
  readonly markers: readonly string[];
  /** Lower-cased names of the parameters the signing adds. */
  readonly params?: readonly string[];
  /** The lower-cased prefix of every parameter the signing adds. */
  readonly prefix?: string;
}

/**
 * A scheme's parameters are ignored only when its markers are present, so that an ordinary URL
 * whose query happens to contain `sp` or `Expires` still counts every parameter.
 */
const SIGNING_SCHEMES: readonly SigningScheme[] = [
  {
    // AWS Signature Version 4 (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html),
    // also what DigitalOcean Spaces presigns with (https://docs.digitalocean.com/products/spaces/how-to/use-aws-sdks/).
    markers: ["x-amz-signature"],
    prefix: "x-amz-",
  },
  {
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#RESTAuthenticationQueryStringAuth
    markers: ["awsaccesskeyid", "signature"],
    params: ["awsaccesskeyid", "signature", "expires", "x-amz-security-token"],
  },
  {
    // https://cloud.google.com/storage/docs/authentication/signatures
    markers: ["x-goog-signature"],
    prefix: "x-goog-",
  },
  {
    // https://cloud.google.com/storage/docs/access-control/signed-urls-v2
    markers: ["googleaccessid", "signature"],
    params: ["googleaccessid", "signature", "expires"],
  },
  {
    // Service, account and user delegation SAS tokens (https://learn.microsoft.com/en-us/rest/api/storageservices/create-service-sas).
    markers: ["sig", "sv"],
    params: [
      "sv",
      "ss",
      "srt",
      "sr",
      "sp",
      "st",
      "se",
      "sip",
      "spr",
      "si",
      "sig",
      "sdd",
      "ses",
      "skoid",
      "sktid",
      "skt",
      "ske",
      "sks",
      "skv",
      "saoid",
      "suoid",
      "scid",
      "sduoid",
    ],
  },
  {
    // https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-canned-policy.html
    markers: ["key-pair-id", "signature"],
    params: ["key-pair-id", "signature", "expires", "policy"],
  },
];

function signs(scheme: SigningScheme, lowerCaseName: string): boolean {
  return (scheme.params?.includes(lowerCaseName) ?? false) || (scheme.prefix !== undefined && lowerCaseName.startsWith(scheme.prefix));
}

/** The parts of a URL that name what is downloaded, as one comparable string. */
function imageSourceKey(url: URL): string {
  const names = new Set([...url.searchParams.keys()].map((name) => name.toLowerCase()));
  const schemes = SIGNING_SCHEMES.filter((scheme) => scheme.markers.every((marker) => names.has(marker)));
  const remaining = [...url.searchParams]
    .filter(([name]) => !schemes.some((scheme) => signs(scheme, name.toLowerCase())))
    .map(([name, value]) => JSON.stringify([name, value]))
    // A signer may emit the parameters in any order (SigV4 sorts them); the server does not care.
    .sort();
  // Credentials in the userinfo rotate like signatures, and the fragment is never sent to the server.
  return JSON.stringify([url.protocol, url.host, url.pathname, remaining]);
}

/**
 * Whether the text itself has an authority (`scheme://host`). WHATWG URL parsing repairs
 * `https:///a.img`, `https:/a.img` and `https:\\a.img` into `https://a.img/`, but DigitalOcean is
 * sent the text as written, so the parsed host is not the one it would download from.
 */
export function hasAuthority(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/\\?#]/i.test(url);
}

/**
 * Whether two URLs download the same image: equal, or different only in userinfo, fragment,
 * query parameter order or the parameters of a presigned URL (AWS SigV4 and SigV2, DigitalOcean
 * Spaces, Google Cloud Storage V4 and V2, Azure SAS, CloudFront).
 */
export function sameImageSource(a: string, b: string): boolean {
  if (a === b) return true;
  const urlA = URL.parse(a);
  const urlB = URL.parse(b);
  if (!urlA || !urlB) return false;
  return imageSourceKey(urlA) === imageSourceKey(urlB);
}

/** What `sameImageSource` compares: equal for two URLs of the same image. */
export function imageSourceId(url: string): string {
  const parsed = URL.parse(url);
  return parsed ? imageSourceKey(parsed) : url;
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
