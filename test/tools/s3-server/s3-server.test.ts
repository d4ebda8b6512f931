import { CreateBucketCommand, GetObjectCommand, ListBucketsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { startS3Server, type S3Server } from "../../../tools/s3-server/s3-server";

// The server the upload is tested against must refuse what Spaces refuses, or a test of a wrong
// key or an expired url would pass against a server that checks nothing.
describe("the S3 test server (S3Proxy)", () => {
  let server: S3Server;
  let s3: S3Client;
  const bucket = "images-staging";

  function client(secretAccessKey: string, accessKeyId = server.credentials.accessKeyId): S3Client {
    return new S3Client({ endpoint: server.endpoint, region: "nyc3", forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  }

  beforeAll(async () => {
    server = await startS3Server();
    s3 = client(server.credentials.secretAccessKey);
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: "disk.img", Body: "image bytes" }));
  }, 90_000);

  afterAll(async () => {
    s3?.destroy();
    await server?.close();
  });

  function presign(signer: S3Client, options: { expiresIn: number; signingDate?: Date }): Promise<string> {
    return getSignedUrl(signer, new GetObjectCommand({ Bucket: bucket, Key: "disk.img" }), options);
  }

  async function get(url: string): Promise<{ status: number; text: string }> {
    const response = await fetch(url);
    return { status: response.status, text: await response.text() };
  }

  it("serves an object by a presigned GET url", async () => {
    expect(await get(await presign(s3, { expiresIn: 600 }))).toEqual({ status: 200, text: "image bytes" });
  });

  it("refuses a presigned url whose signature was changed", async () => {
    const url = new URL(await presign(s3, { expiresIn: 600 }));
    const signature = url.searchParams.get("X-Amz-Signature") ?? "";
    url.searchParams.set("X-Amz-Signature", `${signature[0] === "0" ? "1" : "0"}${signature.slice(1)}`);
    const answer = await get(url.href);
    expect(answer.status).toBe(403);
    expect(answer.text).toContain("<Code>SignatureDoesNotMatch</Code>");
  });

  it("refuses a presigned url signed with a wrong secret key", async () => {
    const answer = await get(await presign(client("not-the-secret"), { expiresIn: 600 }));
    expect(answer.status).toBe(403);
    expect(answer.text).toContain("<Code>SignatureDoesNotMatch</Code>");
  });

  it("refuses a presigned url whose expiry was lengthened after signing", async () => {
    const url = new URL(await presign(s3, { expiresIn: 60 }));
    url.searchParams.set("X-Amz-Expires", "604800");
    expect((await get(url.href)).status).toBe(403);
  });

  it("refuses an expired presigned url", async () => {
    // Signed an hour ago for a minute: no waiting needed.
    const answer = await get(await presign(s3, { expiresIn: 60, signingDate: new Date(Date.now() - 3_600_000) }));
    expect(answer.status).toBe(403);
    expect(answer.text).toContain("<Code>AccessDenied</Code><Message>Request has expired</Message>");
  });

  it("refuses a request signed with a wrong secret key or an unknown access key", async () => {
    await expect(client("not-the-secret").send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: "SignatureDoesNotMatch" });
    await expect(client(server.credentials.secretAccessKey, "unknown-id").send(new ListBucketsCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 403 },
    });
  });
});
