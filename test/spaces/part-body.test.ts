import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { errorType } from "../../src/spaces/multipart-upload";
import { PartReader } from "../../src/spaces/part-body";

const KIB = 1024;

describe("PartReader, the parts of a file read through two reused buffers", () => {
  let dir: string;
  let path: string;
  // 1 MiB + 5 random bytes: no chunk equals another, so a buffer reused too early shows.
  const bytes = randomBytes(1024 * KIB + 5);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "part-body-"));
    path = join(dir, "image.raw");
    writeFileSync(path, bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const expectedMd5 = (start: number, length: number) =>
    createHash("md5")
      .update(bytes.subarray(start, start + length))
      .digest("base64");

  /** Collects what `pipe` writes, calling back late so that a buffer reused too early would show. */
  function slowSink(): { sink: Writable; received: Buffer[] } {
    const received: Buffer[] = [];
    const sink = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _encoding, callback) {
        // Copied and called back 20 event-loop turns later: time for the file reads of the next chunks.
        let turns = 0;
        const later = () => {
          if (++turns < 20) return setImmediate(later);
          received.push(Buffer.from(chunk));
          callback();
        };
        setImmediate(later);
      },
    });
    return { sink, received };
  }

  it("gives each part's MD5 as S3's Content-MD5 header takes it, and pipes exactly its bytes", async () => {
    const handle = await open(path, "r");
    try {
      const reader = new PartReader(handle, path, 600 * KIB);
      for (const [start, length] of [
        [0, 600 * KIB],
        [600 * KIB, bytes.length - 600 * KIB],
      ] as const) {
        expect(await reader.md5(start, length)).toBe(expectedMd5(start, length));
        const { sink, received } = slowSink();
        const body = await reader.body(start, length);
        const finished = new Promise((resolve) => sink.on("finish", resolve));
        body.pipe(sink);
        await finished;
        expect(Buffer.concat(received).equals(bytes.subarray(start, start + length))).toBe(true);
      }
    } finally {
      await handle.close();
    }
  });

  it("gives the same bytes to a reader that does not pipe", async () => {
    const handle = await open(path, "r");
    try {
      const body = await new PartReader(handle, path, 600 * KIB).body(100, 700 * KIB);
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(bytes.subarray(100, 100 + 700 * KIB))).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it("says the file changed when it ends before the part", async () => {
    const handle = await open(path, "r");
    try {
      await expect(new PartReader(handle, path, 600 * KIB).md5(bytes.length - 10, 20)).rejects.toThrow(
        `${path} changed while it was uploaded: it ended ${bytes.length} bytes in`,
      );
    } finally {
      await handle.close();
    }
  });
});

describe("errorType, how a failed part is classed for the client's retry strategy", () => {
  it.each([
    ["a reset, no answer", "TRANSIENT", Object.assign(new Error("write ECONNRESET"), { code: "ECONNRESET" })],
    ["a 503 SlowDown", "THROTTLING", { name: "SlowDown", $metadata: { httpStatusCode: 503 } }],
    ["a 429", "THROTTLING", { name: "TooManyRequests", $metadata: { httpStatusCode: 429 } }],
    ["a 500", "SERVER_ERROR", { name: "InternalError", $metadata: { httpStatusCode: 500 } }],
    ["a 403", "CLIENT_ERROR", { name: "AccessDenied", $metadata: { httpStatusCode: 403 } }],
    ["a 400 BadDigest (the CRC32 did not match)", "CLIENT_ERROR", { name: "BadDigest", $metadata: { httpStatusCode: 400 } }],
  ])("%s is %s", (_what, expected, error) => {
    expect(errorType(error)).toBe(expected);
  });
});
