import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3_CLIENT_CHECKSUMS } from "../../src/spaces/s3-library";
import { startS3Server, type S3Server } from "../../tools/s3-server/s3-server";

/** A spec file's local S3-compatible server with one bucket, and a folder for its image files; `s3` is built as the provider builds its client. */
export interface S3Bucket {
  server: S3Server;
  s3: S3Client;
  bucket: string;
  dir: string;
}

/** Starts the server, the bucket and the folder before the file's tests, and removes them after. */
export function useS3Bucket(folderPrefix: string): S3Bucket {
  const context = { bucket: "images-staging" } as S3Bucket;
  beforeAll(async () => {
    context.server = await startS3Server();
    const { endpoint, credentials } = context.server;
    context.s3 = new S3Client({ endpoint, region: "nyc3", forcePathStyle: true, credentials, ...S3_CLIENT_CHECKSUMS });
    await context.s3.send(new CreateBucketCommand({ Bucket: context.bucket }));
    context.dir = mkdtempSync(join(tmpdir(), folderPrefix));
  }, 90_000);
  afterAll(async () => {
    context.s3?.destroy();
    await context.server?.close();
    if (context.dir) rmSync(context.dir, { recursive: true, force: true });
  });
  return context;
}
