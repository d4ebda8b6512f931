import { redactUrl } from "../../src/client/redact-urls";
import { sameImageSource } from "../../src/provider/presigned-url";

const object = "https://images.s3.us-east-1.amazonaws.com/releases/web.qcow2";
const space = "https://images.nyc3.digitaloceanspaces.com/releases/web.qcow2";

function sigV4(base: string, date: string, signature: string, extra = ""): string {
  return (
    `${base}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F${date.slice(0, 8)}%2Fus-east-1%2Fs3%2Faws4_request` +
    `&X-Amz-Date=${date}&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}${extra}`
  );
}

describe("sameImageSource", () => {
  test.each([
    ["identical strings", object, object],
    ["identical strings that are not URLs", "not a url", "not a url"],
    ["an AWS SigV4 URL signed again later", sigV4(object, "20250101T000000Z", "aaa"), sigV4(object, "20250102T120000Z", "bbb")],
    [
      "an AWS SigV4 URL signed again with a new session token",
      sigV4(object, "20250101T000000Z", "aaa", "&X-Amz-Security-Token=token1"),
      sigV4(object, "20250101T000000Z", "bbb", "&X-Amz-Security-Token=token2"),
    ],
    ["a DigitalOcean Spaces URL signed again", sigV4(space, "20250101T000000Z", "aaa"), sigV4(space, "20250301T000000Z", "ccc")],
    [
      "SigV4 parameter names in lower case",
      `${object}?x-amz-signature=aaa&x-amz-date=20250101T000000Z`,
      `${object}?x-amz-signature=bbb&x-amz-date=20250202T000000Z`,
    ],
    [
      "an AWS SigV2 URL signed again",
      `${object}?AWSAccessKeyId=AKIA1&Expires=1700000000&Signature=abc%3D`,
      `${object}?AWSAccessKeyId=AKIA2&Expires=1800000000&Signature=def%3D`,
    ],
    [
      "a Google Cloud Storage V4 URL signed again",
      "https://storage.googleapis.com/bucket/web.qcow2?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%2F20250101&X-Goog-Date=20250101T000000Z&X-Goog-Expires=900&X-Goog-SignedHeaders=host&X-Goog-Signature=aaa",
      "https://storage.googleapis.com/bucket/web.qcow2?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%2F20250105&X-Goog-Date=20250105T000000Z&X-Goog-Expires=600&X-Goog-SignedHeaders=host&X-Goog-Signature=bbb",
    ],
    [
      "a Google Cloud Storage V2 URL signed again",
      "https://storage.googleapis.com/bucket/web.qcow2?GoogleAccessId=sa%40p.iam&Expires=1700000000&Signature=aaa",
      "https://storage.googleapis.com/bucket/web.qcow2?GoogleAccessId=sa%40p.iam&Expires=1700009999&Signature=bbb",
    ],
    [
      "an Azure SAS URL signed again",
      "https://acct.blob.core.windows.net/images/web.vhd?sv=2022-11-02&sr=b&sp=r&st=2025-01-01T00:00:00Z&se=2025-01-02T00:00:00Z&spr=https&sig=aaa",
      "https://acct.blob.core.windows.net/images/web.vhd?sv=2023-01-03&sr=b&sp=r&se=2025-02-02T00:00:00Z&spr=https&skoid=x&sig=bbb",
    ],
    [
      "a CloudFront signed URL signed again",
      "https://d111.cloudfront.net/web.qcow2?Expires=1700000000&Signature=aaa&Key-Pair-Id=K1",
      "https://d111.cloudfront.net/web.qcow2?Expires=1800000000&Signature=bbb&Key-Pair-Id=K2",
    ],
    ["a presigned URL and the same object's public URL", sigV4(object, "20250101T000000Z", "aaa"), object],
    [
      "other query parameters in another order",
      sigV4(object, "20250101T000000Z", "aaa", "&versionId=7&x-id=GetObject"),
      `${object}?x-id=GetObject&versionId=7&X-Amz-Signature=bbb`,
    ],
    ["URLs differing only in userinfo", "https://alice:one@example.com/web.img", "https://alice:two@example.com/web.img"],
    ["URLs differing only in fragment", "https://example.com/web.img#a", "https://example.com/web.img"],
    ["host names in another case and an explicit default port", "https://EXAMPLE.com:443/web.img", "https://example.com/web.img"],
  ])("counts %s as the same image", (_case, a, b) => {
    expect(sameImageSource(a, b)).toBe(true);
    expect(sameImageSource(b, a)).toBe(true);
  });

  test.each([
    ["another path", sigV4(object, "20250101T000000Z", "aaa"), sigV4(`${object}.v2`, "20250101T000000Z", "aaa")],
    ["another host", sigV4(object, "20250101T000000Z", "aaa"), sigV4(space, "20250101T000000Z", "aaa")],
    ["another scheme", "http://example.com/web.img", "https://example.com/web.img"],
    ["another port", "https://example.com:8443/web.img", "https://example.com/web.img"],
    [
      "another object version in a presigned URL",
      sigV4(object, "20250101T000000Z", "aaa", "&versionId=1"),
      sigV4(object, "20250101T000000Z", "aaa", "&versionId=2"),
    ],
    [
      "another object generation in a Google Cloud Storage V4 URL",
      "https://storage.googleapis.com/bucket/web.qcow2?generation=1&X-Goog-Signature=aaa",
      "https://storage.googleapis.com/bucket/web.qcow2?generation=2&X-Goog-Signature=aaa",
    ],
    ["an ordinary query parameter", "https://example.com/download?file=web-1.img", "https://example.com/download?file=web-2.img"],
    [
      "Azure-looking parameters in an unsigned URL (no sig and sv)",
      "https://example.com/download?sp=web-1&se=1",
      "https://example.com/download?sp=web-2&se=1",
    ],
    [
      "Expires and Signature without a scheme's key parameter",
      "https://example.com/get?Expires=1&Signature=web-1",
      "https://example.com/get?Expires=1&Signature=web-2",
    ],
    [
      "SigV4-looking parameters in an unsigned URL (no X-Amz-Signature)",
      "https://example.com/get?X-Amz-Date=20250101T000000Z&X-Amz-Meta-Build=1",
      "https://example.com/get?X-Amz-Date=20250101T000000Z&X-Amz-Meta-Build=2",
    ],
    [
      "Google V4-looking parameters in an unsigned URL (no X-Goog-Signature)",
      "https://example.com/get?X-Goog-Generation=1",
      "https://example.com/get?X-Goog-Generation=2",
    ],
    ["a repeated query parameter", "https://example.com/get?part=1", "https://example.com/get?part=1&part=1"],
    ["strings that are not URLs", "not a url", "not a url either"],
    ["a URL and a string that is not one", "https://example.com/web.img", "example.com/web.img"],
  ])("counts %s as a different image", (_case, a, b) => {
    expect(sameImageSource(a, b)).toBe(false);
    expect(sameImageSource(b, a)).toBe(false);
  });
});

/** Each scheme's signed URL, with the parameters its signing adds, as README's table lists them. */
const SIGNED_PARAMETERS: [scheme: string, url: string, parameters: string[]][] = [
  ["AWS Signature V2", `${object}?AWSAccessKeyId=AKIA1&Signature=abc`, ["AWSAccessKeyId", "Signature", "Expires", "x-amz-security-token"]],
  [
    "Google Cloud Storage V2",
    "https://storage.googleapis.com/bucket/web.qcow2?GoogleAccessId=sa&Signature=abc",
    ["GoogleAccessId", "Signature", "Expires"],
  ],
  [
    "Azure SAS",
    "https://acct.blob.core.windows.net/images/web.vhd?sv=2022-11-02&sig=abc",
    [
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
  ],
  ["CloudFront", "https://d111.cloudfront.net/web.qcow2?Key-Pair-Id=K1&Signature=abc", ["Key-Pair-Id", "Signature", "Expires", "Policy"]],
];

describe("sameImageSource, parameter by parameter", () => {
  test.each(SIGNED_PARAMETERS.flatMap(([scheme, url, parameters]) => parameters.map((parameter) => [scheme, parameter, url] as const)))(
    "counts a %s URL whose %s changed as the same image",
    (_scheme, parameter, url) => {
      const signed = new URL(url);
      signed.searchParams.set(parameter, "one");
      const again = new URL(url);
      again.searchParams.set(parameter, "two");
      expect(sameImageSource(signed.href, again.href)).toBe(true);
    },
  );

  test.each(SIGNED_PARAMETERS.map(([scheme, url]) => [scheme, url]))(
    "counts a %s URL whose versionId changed as a different image",
    (_scheme, url) => {
      expect(sameImageSource(`${url}&versionId=1`, `${url}&versionId=2`)).toBe(false);
    },
  );
});

describe("redactUrl", () => {
  test.each([
    ["keeps scheme, host and path", "https://example.com/images/web.qcow2", "https://example.com/images/web.qcow2"],
    ["keeps the port", "http://example.com:8080/web.img", "http://example.com:8080/web.img"],
    ["drops a presigned query", sigV4(object, "20250101T000000Z", "secretsignature"), object],
    ["drops userinfo", "https://alice:hunter2@example.com/web.img", "https://example.com/web.img"],
    ["drops userinfo without a password", "https://alice@example.com/web.img", "https://example.com/web.img"],
    ["drops the fragment", "https://example.com/web.img#token=secret", "https://example.com/web.img"],
    ["keeps other schemes' shape", "ftp://bob:pw@files.example.com/web.img?x=1", "ftp://files.example.com/web.img"],
    ["drops what precedes an @ in a URL without an authority", "mailto:someone@example.com", "example.com"],
    ["cuts a string that is not a URL at its query", "ht tp://alice:pw@host/x?sig=secret", "ht tp://host/x"],
    ["drops userinfo from a URL without a scheme", "alice:pw@host/x?sig=secret", "host/x"],
    [
      "drops userinfo from a URL without a scheme whose path holds a //",
      "alice:pw@host/mirror//web.img?sig=secret",
      "host/mirror//web.img",
    ],
    [
      "keeps host and path of a Google Cloud Storage V2 URL, whose query holds an @ in GoogleAccessId as Google prints it",
      "https://storage.googleapis.com/bucket/web.qcow2?GoogleAccessId=sa@project.iam.gserviceaccount.com&Expires=1700000000&Signature=secret",
      "https://storage.googleapis.com/bucket/web.qcow2",
    ],
    ["drops userinfo whose password has an @", "bad url://alice:p@ss@host/x", "bad url://host/x"],
    ["drops userinfo whose password has a /", "https://user:SECRET/PW@e.com/a.img?sig=secret", "https://e.com/a.img"],
    [
      "keeps a zero-width character where it was written, which URL parsing would drop",
      "https://exa\u200bmple.com/a.img?sig=secret",
      "https://exa\u200bmple.com/a.img",
    ],
    ["keeps a space as written, not percent-encoded", "https://example.com/my image.img?sig=secret", "https://example.com/my image.img"],
    ["keeps an @ in the path", "not a url/a@b?sig=secret", "not a url/a@b"],
    [
      "hides host and path of a url cut by hand when an @ follows its ? (a GCS V2 url with a space in its path)",
      "https://example.com/my image.img?GoogleAccessId=sa@p.iam.gserviceaccount.com&Signature=secret",
      "https://[host and path hidden: an @ follows a ? or #]",
    ],
    [
      "hides host and path of a url cut by hand when an @ follows its #",
      "https://e.com/a b#x@y&sig=secret",
      "https://[host and path hidden: an @ follows a ? or #]",
    ],
    ["keeps a url without a host as written, not as URL parsing repairs it", "https:///a.img?sig=secret", "https:///a.img"],
    [
      "keeps a url with one slash after the scheme as written, also when its path holds another url",
      "https:/x.example/https://host/a.img?sig=secret",
      "https:/x.example/https://host/a.img",
    ],
  ])("%s", (_case, url, redacted) => {
    expect(redactUrl(url)).toBe(redacted);
  });

  test.each([
    sigV4(object, "20250101T000000Z", "supersecret", "&X-Amz-Security-Token=supersecret"),
    "https://supersecret:supersecret@example.com/web.img",
    "https://exa mple.com/web.img?sig=supersecret",
    "https://supersecret@",
    "supersecret:supersecret@example.com/web.img",
    "https://user:supersecret/supersecret@example.com/a.img",
    "https://user:8080/supersecret@example.com/a.img",
    "https://user:supersecret?supersecret@example.com/a.img",
    "https://user:supersecret#supersecret@example.com/a.img",
    "https://example.com/my image.img?GoogleAccessId=sa@p.iam.gserviceaccount.com&Signature=supersecret",
    "https://exa\u200bmple.com/web.img?GoogleAccessId=sa@p.iam.gserviceaccount.com&Signature=supersecret",
    "https://example.com/a@b/web.img?GoogleAccessId=sa@p.iam.gserviceaccount.com&Signature=supersecret",
    "https://storage.googleapis.com/bucket/web.qcow2?GoogleAccessId=sa@project.iam.gserviceaccount.com&Expires=1700000000&Signature=supersecret",
  ])("never prints a secret of %s", (url) => {
    expect(redactUrl(url)).not.toContain("supersecret");
  });
});
