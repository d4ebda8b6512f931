import { CreateMultipartUploadCommand, GetObjectCommand, ListMultipartUploadsCommand, UploadPartCommand } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { partBytesFor, uploadFile } from "../../src/spaces/multipart-upload";
import { loadS3Library, MissingS3LibraryError } from "../../src/spaces/s3-library";
import { useS3Bucket } from "../helpers/s3-bucket";

const MIB = 1 << 20;

describe("uploadFile, a multipart upload that resumes", () => {
  const storage = useS3Bucket("multipart-");
  const { bucket } = storage;
  const library = loadS3Library();

  /** A file of `size` bytes that differ part to part, and its SHA-256. */
  function file(name: string, size: number): { path: string; sha256: string; size: number } {
    const bytes = Buffer.alloc(size);
    for (let offset = 0; offset < size; offset += 4) bytes.writeUInt32LE((offset * 2654435761) >>> 0, Math.min(offset, size - 4));
    const path = join(storage.dir, name);
    writeFileSync(path, bytes);
    return { path, sha256: createHash("sha256").update(bytes).digest("hex"), size };
  }

  async function storedSha256(key: string): Promise<string> {
    const answer = await storage.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return createHash("sha256")
      .update(await answer.Body!.transformToByteArray())
      .digest("hex");
  }

  it("sends every part, several at once, and stores the file whole", async () => {
    const source = file("whole.raw", 12 * MIB + 5);
    const progress: number[] = [];
    const result = await uploadFile(library, { client: storage.s3, bucket, key: "whole" }, source.path, source.size, {
      partBytes: 5 * MIB,
      concurrency: 3,
      onProgress: ({ storedBytes }) => progress.push(storedBytes),
    });
    expect(result).toEqual({ outcome: "uploaded", sentParts: 3, resumedParts: 0 });
    expect(progress[0]).toBe(0);
    expect(progress.at(-1)).toBe(source.size);
    expect(await storedSha256("whole")).toBe(source.sha256);
  });

  it("after an upload killed half-way, sends only the parts not stored, and stores the file whole", async () => {
    const source = file("killed.raw", 16 * MIB);
    const killed = await uploadFile(library, { client: storage.s3, bucket, key: "killed" }, source.path, source.size, {
      partBytes: 5 * MIB,
      concurrency: 1,
      onProgress: ({ storedBytes }) => {
        if (storedBytes >= 10 * MIB) throw new Error("killed");
      },
    }).catch((error: unknown) => error);
    expect((killed as Error).message).toBe("killed");

    const resumed = await uploadFile(library, { client: storage.s3, bucket, key: "killed" }, source.path, source.size, {
      partBytes: 5 * MIB,
    });
    expect(resumed).toEqual({ outcome: "uploaded", sentParts: 2, resumedParts: 2 });
    expect(await storedSha256("killed")).toBe(source.sha256);
    const open = await storage.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: "killed" }));
    expect(open.Uploads ?? []).toEqual([]);
  });

  it("aborts an unfinished upload whose parts have another size, and starts again", async () => {
    const source = file("other-size.raw", 11 * MIB);
    const { UploadId } = await storage.s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: "other-size" }));
    await storage.s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: "other-size",
        UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(6 * MIB),
        ContentLength: 6 * MIB,
      }),
    );
    const result = await uploadFile(library, { client: storage.s3, bucket, key: "other-size" }, source.path, source.size, {
      partBytes: 5 * MIB,
    });
    expect(result).toEqual({ outcome: "uploaded", sentParts: 3, resumedParts: 0 });
    expect(await storedSha256("other-size")).toBe(source.sha256);
  });

  it("sends nothing when the object is already stored", async () => {
    const source = file("again.raw", 5 * MIB + 1);
    await uploadFile(library, { client: storage.s3, bucket, key: "again" }, source.path, source.size);
    expect(await uploadFile(library, { client: storage.s3, bucket, key: "again" }, source.path, source.size)).toEqual({
      outcome: "exists",
      sentParts: 0,
      resumedParts: 0,
    });
  });
});

describe("partBytesFor", () => {
  it("keeps parts within S3's limits: at least 5 MiB, at most 10,000 of them", () => {
    expect(partBytesFor(1, 1)).toBe(5 * MIB);
    expect(partBytesFor(2 ** 30)).toBe(16 * MIB);
    expect(partBytesFor(500 * 2 ** 30)).toBe(Math.ceil((500 * 2 ** 30) / 10_000));
  });
});

describe("loadS3Library", () => {
  it("names the packages to install when the S3 client is missing", () => {
    const missing = (name: string) => {
      throw Object.assign(new Error(`Cannot find module '${name}'`), { code: "MODULE_NOT_FOUND" });
    };
    expect(() => loadS3Library(missing)).toThrow(MissingS3LibraryError);
    expect(() => loadS3Library(missing)).toThrow(
      "A CustomImage with `file` uploads it to Spaces with the AWS SDK's S3 client, which is not installed (@aws-sdk/client-s3, @aws-sdk/s3-request-presigner not found). Install it next to pulumi-digitalocean-custom-image: npm install @aws-sdk/client-s3 @aws-sdk/s3-request-presigner",
    );
  });

  it("passes on an error other than a missing package", () => {
    expect(() =>
      loadS3Library(() => {
        throw new SyntaxError("broken package");
      }),
    ).toThrow("broken package");
  });
});
