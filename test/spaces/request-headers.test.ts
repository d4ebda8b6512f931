import { CreateMultipartUploadCommand, GetObjectCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { join } from "node:path";
import { deleteObject, openSession, uploadAndPresign, type FileInputs } from "../../src/spaces/file-import";
import { SpacesError } from "../../src/spaces/spaces-error";
import { isPart, startFaultProxy, type Verdict } from "../../tools/s3-server/fault-proxy";
import { useS3Bucket } from "../helpers/s3-bucket";

const MIB = 1 << 20;

interface Seen {
  operation: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** The S3 operation a request is, from its method and query. */
function operation({ method, url = "" }: IncomingMessage): string {
  const query = new URL(url, "http://proxy").searchParams;
  if (method === "PUT" && query.has("partNumber")) return "UploadPart";
  if (method === "POST" && query.has("uploads")) return "CreateMultipartUpload";
  if (method === "POST" && query.has("uploadId")) return "CompleteMultipartUpload";
  if (method === "GET" && query.has("uploads")) return "ListMultipartUploads";
  if (method === "GET" && query.has("uploadId")) return "ListParts";
  if (method === "DELETE" && query.has("uploadId")) return "AbortMultipartUpload";
  if (method === "DELETE") return "DeleteObject";
  if (method === "HEAD") return "HeadObject";
  return `${method} ${url}`;
}

/** Every header name a request of each operation carried, and the values that tell how its body was sent and checked. */
function shape(seen: Seen[]): Record<string, string[]> {
  const shapes: Record<string, Set<string>> = {};
  for (const { operation: name, headers } of seen) {
    const set = (shapes[name] ??= new Set());
    for (const header of Object.keys(headers)) set.add(header);
    set.add(
      `x-amz-content-sha256: ${/^[0-9a-f]{64}$/.test(String(headers["x-amz-content-sha256"])) ? "<sha256 of the body>" : headers["x-amz-content-sha256"]}`,
    );
  }
  return Object.fromEntries(Object.entries(shapes).map(([name, set]) => [name, [...set].sort()]));
}

/** The headers of every signed request. */
const SIGNED = [
  "amz-sdk-invocation-id",
  "amz-sdk-request",
  "authorization",
  "connection",
  "host",
  "user-agent",
  "x-amz-date",
  "x-amz-user-agent",
];
/** A request whose body, if any, is hashed into its signature. */
const HASHED = [...SIGNED, "x-amz-content-sha256", "x-amz-content-sha256: <sha256 of the body>"];
const sorted = (...names: string[]) => [...HASHED, ...names].sort();

describe("the requests of an upload carry only headers every S3-compatible service takes", () => {
  const storage = useS3Bucket("request-headers-");
  const { bucket } = storage;
  const log = { info: () => {}, warn: () => {} };
  let files = 0;

  function file(mib: number): FileInputs & { bytes: Buffer } {
    files += 1;
    const bytes = Buffer.alloc(mib * MIB);
    for (let offset = 0; offset < bytes.length; offset += 4096) bytes.writeUInt32LE(files * 100_000 + offset / 4096, offset);
    const path = join(storage.dir, `image-${files}.raw`);
    writeFileSync(path, bytes);
    const fileSha256 = createHash("sha256").update(bytes).digest("hex");
    return { file: path, fileSha256, spaces: { bucket, region: "nyc3" }, bytes };
  }

  /** A provider session whose requests go through a proxy that records them, and does to each what `decide` says. */
  async function recorded(inputs: FileInputs, decide: (request: IncomingMessage) => Verdict = () => "pass") {
    const seen: Seen[] = [];
    const proxy = await startFaultProxy(storage.server.endpoint, (request) => {
      seen.push({ operation: operation(request), url: request.url ?? "", headers: { ...request.headers } });
      return decide(request);
    });
    const session = openSession(inputs, {
      "digitalocean:spacesAccessId": storage.server.credentials.accessKeyId,
      "digitalocean:spacesSecretKey": storage.server.credentials.secretAccessKey,
      "digitalocean:spacesEndpoint": proxy.url,
    });
    return { seen, session, proxy };
  }

  it("sends each part with its Content-MD5 as an unsigned payload, and no flexible checksum anywhere, the presigned url included", async () => {
    const inputs = file(20);
    const { seen, session, proxy } = await recorded(inputs);
    try {
      // An unfinished upload of the key with 5 MiB parts, which the upload lists and aborts.
      const stale = await storage.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: session.key }));
      await storage.s3.send(
        new UploadPartCommand({ Bucket: bucket, Key: session.key, UploadId: stale.UploadId, PartNumber: 1, Body: Buffer.alloc(5 * MIB) }),
      );

      const url = await uploadAndPresign(session, inputs, inputs.bytes.length, log);
      await deleteObject(session, log, "the spec is over");

      const forbidden = seen.flatMap(({ operation: name, headers }) =>
        Object.entries(headers)
          .filter(
            ([header, value]) =>
              header.startsWith("x-amz-checksum") ||
              header === "x-amz-sdk-checksum-algorithm" ||
              header === "x-amz-trailer" ||
              header === "x-amz-decoded-content-length" ||
              (header === "content-encoding" && String(value).includes("aws-chunked")) ||
              (header === "x-amz-content-sha256" && String(value).startsWith("STREAMING")),
          )
          .map(([header, value]) => `${name}: ${header}: ${value}`),
      );
      expect(forbidden).toEqual([]);

      expect(shape(seen)).toEqual({
        ListMultipartUploads: sorted(),
        ListParts: sorted(),
        AbortMultipartUpload: sorted(),
        CreateMultipartUpload: sorted("content-length", "x-amz-acl"),
        // `expect: 100-continue`: the SDK waits for the server's go-ahead before sending a body over 2 MiB.
        UploadPart: [
          ...SIGNED,
          "content-length",
          "content-md5",
          "content-type",
          "expect",
          "x-amz-content-sha256",
          "x-amz-content-sha256: UNSIGNED-PAYLOAD",
        ].sort(),
        CompleteMultipartUpload: sorted("content-length", "content-type"),
        HeadObject: sorted(),
        DeleteObject: sorted(),
      });

      // Each part's Content-MD5 is that of its bytes: 16 MiB, then 4.
      const parts = seen.filter(({ operation: name }) => name === "UploadPart");
      expect(
        parts
          .map(({ url: partUrl, headers }) => [new URL(partUrl, "http://proxy").searchParams.get("partNumber"), headers["content-md5"]])
          .sort(),
      ).toEqual([
        [
          "1",
          createHash("md5")
            .update(inputs.bytes.subarray(0, 16 * MIB))
            .digest("base64"),
        ],
        [
          "2",
          createHash("md5")
            .update(inputs.bytes.subarray(16 * MIB))
            .digest("base64"),
        ],
      ]);

      // The presigned GET names no checksum: exactly SigV4's query parameters.
      expect([...new URL(url).searchParams.keys()].sort()).toEqual([
        "X-Amz-Algorithm",
        "X-Amz-Content-Sha256",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders",
        "x-id",
      ]);
      expect(new URL(url).searchParams.get("X-Amz-Content-Sha256")).toBe("UNSIGNED-PAYLOAD");
      expect(new URL(url).searchParams.get("X-Amz-SignedHeaders")).toBe("host");
    } finally {
      session.client.destroy();
      await proxy.close();
    }
  });

  it("refuses a part whose bytes changed on the way (S3Proxy checks Content-MD5: BadDigest), says so, and the next run resumes", async () => {
    const inputs = file(20);
    let corrupted = 0;
    const first = await recorded(inputs, (request) => (isPart(request) && corrupted++ === 0 ? "corrupt" : "pass"));
    try {
      const failure = await uploadAndPresign(first.session, inputs, inputs.bytes.length, log).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SpacesError);
      expect(failure).toMatchObject({ code: "spaces_bad_digest" });
      expect((failure as Error).message).toMatch(
        /failed: Spaces refused a part whose bytes did not match their Content-MD5 \(BadDigest\): they changed on the way; run `pulumi up` again/,
      );
      expect(first.proxy.answered.filter((line) => line.startsWith("400 PUT"))).toHaveLength(1);
    } finally {
      first.session.client.destroy();
      await first.proxy.close();
    }

    const second = await recorded(inputs);
    try {
      const url = await uploadAndPresign(second.session, inputs, inputs.bytes.length, log);
      expect(url).toContain("X-Amz-Signature=");
      const stored = await storage.s3.send(new GetObjectCommand({ Bucket: bucket, Key: second.session.key }));
      expect(
        createHash("sha256")
          .update(await stored.Body!.transformToByteArray())
          .digest("hex"),
      ).toBe(inputs.fileSha256);
    } finally {
      second.session.client.destroy();
      await second.proxy.close();
    }
  });
});
