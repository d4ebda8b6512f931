import type { S3Client } from "@aws-sdk/client-s3";
import { open } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { PartReader } from "./part-body";
import type { S3Library } from "./s3-library";

/**
 * Uploads a file to one object in parts, several at once, resuming an upload that a killed
 * `pulumi up` left unfinished: the object key holds the file's SHA-256, so an unfinished multipart
 * upload of that key holds parts of these very bytes, and the parts it lists are not sent again.
 * Each part is streamed from the file, never held whole: memory is two 256 KiB buffers per part in
 * flight (part-body.ts) whatever the file's or the part's size.
 */
export interface UploadOptions {
  /** Bytes per part; S3 allows 5 MiB to 5 GiB and at most 10,000 parts, so a larger file gets larger parts. */
  partBytes?: number;
  /** Parts in flight at once. */
  concurrency?: number;
  /** Called after each part with the bytes stored so far (resumed parts included). */
  onProgress?: (progress: UploadProgress) => void;
}

export interface UploadProgress {
  storedBytes: number;
  totalBytes: number;
  /** Parts found already stored by an earlier, interrupted upload. */
  resumedParts: number;
}

export interface UploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
}

export interface UploadResult {
  /** `exists`: the object was already there (an earlier run stored it), nothing was sent. */
  outcome: "uploaded" | "exists";
  /** Parts sent by this call. */
  sentParts: number;
  /** Parts an interrupted earlier upload had stored. */
  resumedParts: number;
}

/** S3's limits (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html), which Spaces keeps. */
const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

/**
 * 16 MiB parts rather than 8: a part streams through two small buffers whatever its size, but each
 * request leaves the SDK's garbage behind, and the heap grew with their number (a 2 GiB upload
 * peaked 9 MiB higher with 8 MiB parts).
 */
export const UPLOAD_DEFAULTS = { partBytes: 16 * 1024 * 1024, concurrency: 4 } as const;

export function partBytesFor(size: number, wanted: number = UPLOAD_DEFAULTS.partBytes): number {
  const atLeast = Math.ceil(size / MAX_PARTS);
  return Math.max(MIN_PART_BYTES, wanted, atLeast);
}

export async function uploadFile(
  library: S3Library,
  target: UploadTarget,
  path: string,
  size: number,
  options: UploadOptions = {},
): Promise<UploadResult> {
  const { s3 } = library;
  const { client, bucket, key } = target;
  if (await objectExists(library, target, size)) return { outcome: "exists", sentParts: 0, resumedParts: 0 };

  const partBytes = partBytesFor(size, options.partBytes);
  const concurrency = Math.max(1, options.concurrency ?? UPLOAD_DEFAULTS.concurrency);
  const partCount = Math.max(1, Math.ceil(size / partBytes));
  const { uploadId, stored } = await resumableUpload(library, target, partBytes, partCount, size);

  const etags = new Map<number, string>(stored);
  let storedBytes = [...stored.keys()].reduce((sum, number) => sum + partLength(number, partBytes, size), 0);
  const report = () => options.onProgress?.({ storedBytes, totalBytes: size, resumedParts: stored.size });
  report();
  const pending = Array.from({ length: partCount }, (_, index) => index + 1).filter((number) => !etags.has(number));
  let sentParts = 0;
  const handle = await open(path, "r");
  try {
    // A failed part stops the others from starting more: the next run resumes from what was stored.
    let failed = false;
    const worker = async (): Promise<void> => {
      const reader = new PartReader(handle, path, partBytes);
      for (let number = pending.shift(); number !== undefined && !failed; number = pending.shift()) {
        const length = partLength(number, partBytes, size);
        const start = (number - 1) * partBytes;
        const contentMd5 = await reader.md5(start, length);
        const answer = await sendPart(client, async () => {
          const body = await reader.body(start, length);
          try {
            return await client.send(
              new s3.UploadPartCommand({
                Bucket: bucket,
                Key: key,
                UploadId: uploadId,
                PartNumber: number,
                Body: body,
                ContentLength: length,
                ContentMD5: contentMd5,
              }),
            );
          } finally {
            body.destroy();
          }
        });
        etags.set(number, answer.ETag ?? "");
        storedBytes += length;
        sentParts += 1;
        report();
      }
    };
    const workers = Array.from({ length: Math.min(concurrency, Math.max(1, pending.length)) }, () =>
      worker().catch((error: unknown) => {
        failed = true;
        throw error;
      }),
    );
    // Every worker settles before the file is closed; the first failure is the one reported.
    const settled = await Promise.allSettled(workers);
    const failure = settled.find((result) => result.status === "rejected");
    if (failure) throw failure.reason;
  } finally {
    await handle.close();
  }
  await client.send(
    new s3.CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId: uploadId,
      MultipartUpload: {
        Parts: [...etags.entries()].sort(([a], [b]) => a - b).map(([PartNumber, ETag]) => ({ PartNumber, ETag })),
      },
    }),
  );
  return { outcome: "uploaded", sentParts, resumedParts: stored.size };
}

/**
 * Sends one part, again on a failure the client's own retry strategy says to retry (with its
 * delay and its retry quota): the SDK does not retry a request whose body is a stream, since it
 * cannot read the stream twice (https://github.com/smithy-lang/smithy-typescript, `retryMiddleware`),
 * so each attempt streams the part anew. Sending a part again is safe: it replaces the part of
 * that number.
 */
async function sendPart<T>(client: S3Client, attempt: () => Promise<T>): Promise<T> {
  const strategy = await client.config.retryStrategy();
  if (!("acquireInitialRetryToken" in strategy)) return attempt();
  let token = await strategy.acquireInitialRetryToken("s3:UploadPart");
  for (;;) {
    try {
      const answer = await attempt();
      strategy.recordSuccess(token);
      return answer;
    } catch (error) {
      type ErrorInfo = Parameters<typeof strategy.refreshRetryTokenForRetry>[1];
      const info = { error: error as ErrorInfo["error"], errorType: errorType(error) };
      // Throws when the error is not one to retry, or the attempts are spent: the part's own error is the one to report.
      token = await strategy.refreshRetryTokenForRetry(token, info).catch(() => {
        throw error;
      });
      await sleep(token.getRetryDelay());
    }
  }
}

/**
 * How the SDK's retry strategy is told to class a failed part: a request that got no answer at
 * all (a reset, a timeout) is transient, since the part can be sent again whole. The error's own
 * `name` and `code` are no guide: the SDK rethrows a failed streaming request's error as is, or,
 * when it comes from another realm (a test's VM context), as a plain Error quoting it.
 */
export function errorType(error: unknown): "THROTTLING" | "SERVER_ERROR" | "TRANSIENT" | "CLIENT_ERROR" {
  const { $metadata, $retryable, name } = error as {
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
    name?: string;
  };
  const status = $metadata?.httpStatusCode;
  if (status === 429 || $retryable?.throttling || name === "SlowDown") return "THROTTLING";
  if (status === undefined) return "TRANSIENT";
  return status >= 500 ? "SERVER_ERROR" : "CLIENT_ERROR";
}

function partLength(number: number, partBytes: number, size: number): number {
  return Math.min(partBytes, size - (number - 1) * partBytes);
}

/** Whether the object is stored whole: the key holds the content's hash, so its size is enough to tell. */
export async function objectExists(library: S3Library, { client, bucket, key }: UploadTarget, size?: number): Promise<boolean> {
  try {
    const head = await client.send(new library.s3.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return size === undefined || head.ContentLength === size;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export function isNotFound(error: unknown): boolean {
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === "NotFound" || name === "NoSuchKey" || $metadata?.httpStatusCode === 404;
}

/**
 * The unfinished upload of this key whose stored parts all have this call's part size (any other
 * is aborted: its parts would not line up), with those parts, or a new upload.
 */
async function resumableUpload(
  library: S3Library,
  { client, bucket, key }: UploadTarget,
  partBytes: number,
  partCount: number,
  size: number,
): Promise<{ uploadId: string; stored: Map<number, string> }> {
  const { s3 } = library;
  const listing = await client.send(new s3.ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key }));
  for (const upload of (listing.Uploads ?? []).filter((upload) => upload.Key === key && upload.UploadId)) {
    const uploadId = upload.UploadId!;
    const stored = await listParts(library, { client, bucket, key }, uploadId);
    const fits = [...stored.values()].every(
      ({ number, bytes }) => number >= 1 && number <= partCount && bytes === partLength(number, partBytes, size),
    );
    if (fits) return { uploadId, stored: new Map([...stored.values()].map(({ number, etag }) => [number, etag])) };
    await client.send(new s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  }
  const created = await client.send(new s3.CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ACL: "private" }));
  return { uploadId: created.UploadId!, stored: new Map() };
}

async function listParts(
  library: S3Library,
  { client, bucket, key }: UploadTarget,
  uploadId: string,
): Promise<Map<number, { number: number; etag: string; bytes: number }>> {
  const parts = new Map<number, { number: number; etag: string; bytes: number }>();
  let marker: string | undefined;
  do {
    const page = await client.send(
      new library.s3.ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }),
    );
    for (const part of page.Parts ?? []) {
      if (part.PartNumber !== undefined && part.ETag)
        parts.set(part.PartNumber, { number: part.PartNumber, etag: part.ETag, bytes: part.Size ?? -1 });
    }
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker);
  return parts;
}
