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
