import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { Readable } from "node:stream";

/** Bytes read from the file at a time. */
const CHUNK_BYTES = 256 * 1024;

/**
 * Reads the parts of one file for one upload worker, through two buffers of 256 KiB that it
 * reuses for every part: its MD5, then its body. A worker's parts hold 512 KiB whatever
 * their size, and make no garbage: a stream that allocates a chunk per read (as
 * `fs.createReadStream` does) leaves tens of MiB of them for V8, which collects them only once
 * they add up, to a C allocator that does not give all of it back.
 */
export class PartReader {
  private readonly slots: [Buffer, Buffer];
  /** The last body's writing, which must end before the buffers are used again. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly handle: FileHandle,
    private readonly path: string,
    partBytes: number,
  ) {
    const bytes = Math.min(CHUNK_BYTES, Math.max(1, partBytes));
    this.slots = [Buffer.allocUnsafe(bytes), Buffer.allocUnsafe(bytes)];
  }

  /**
   * The part's MD5, base64 as S3's `Content-MD5` header takes it: the server checks the bytes it
   * received against it (BadDigest otherwise). Every S3-compatible service has long taken this
   * header, unlike the newer `x-amz-checksum-*` ones (see `S3_CLIENT_CHECKSUMS` in file-import.ts).
   */
  async md5(start: number, length: number): Promise<string> {
    await this.writing;
    const hash = createHash("md5");
    for (let done = 0; done < length;) {
      const chunk = await this.fill(this.slots[0], start + done, Math.min(this.slots[0].length, length - done));
      hash.update(chunk);
      done += chunk.length;
    }
    return hash.digest("base64");
  }

  /** The part as a request body; the next call waits until this body's writing has ended. */
  async body(start: number, length: number): Promise<PartBody> {
    await this.writing;
    const body = new PartBody(length, (offset, chunkLength, slot) =>
      this.fill(this.slots[slot]!, start + offset, Math.min(chunkLength, this.slots[slot]!.length)),
    );
    this.writing = body.written;
    return body;
  }

  /** `length` bytes of the file from `position` into the start of `slot`. */
  private async fill(slot: Buffer, position: number, length: number): Promise<Buffer> {
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(slot, filled, length - filled, position + filled);
      if (bytesRead === 0) throw new Error(`${this.path} changed while it was uploaded: it ended ${position + filled} bytes in`);
      filled += bytesRead;
    }
    return slot.subarray(0, length);
  }
}

type Fill = (offset: number, length: number, slot: 0 | 1) => Promise<Buffer>;

/**
 * One part as the body of an UploadPart request. The SDK's HTTP handler pipes it into the
 * request: `pipe` writes each chunk from one of the reader's two buffers, and fills a buffer
 * again only once the request has called back for what was written from it (it has gone to the
 * socket). Read any other way, it copies each chunk, like any file stream.
 */
export class PartBody extends Readable {
  private offset = 0;
  private piped = false;
  private settle!: () => void;
  /** Settles once `pipe` has written the last chunk or given up, or when the body closes unpiped. */
  readonly written = new Promise<void>((resolve) => {
    this.settle = resolve;
  });

  constructor(
    private readonly length: number,
    private readonly fill: Fill,
  ) {
    super({ highWaterMark: CHUNK_BYTES });
    // A body the request never pipes (it failed first) holds no buffer.
    this.once("close", () => {
      if (!this.piped) this.settle();
    });
  }

  override pipe<T extends NodeJS.WritableStream>(destination: T): T {
    this.piped = true;
    this.writeTo(destination).then(
      () => destination.end(),
      (error: Error) => {
        this.destroy(error);
        (destination as unknown as { destroy?(error: Error): void }).destroy?.(error);
      },
    );
    return destination;
  }

  override _read(): void {
    if (this.offset >= this.length) {
      this.push(null);
      return;
    }
    this.fill(this.offset, this.length - this.offset, 0).then(
      (chunk) => {
        this.offset += chunk.length;
        this.push(Buffer.from(chunk));
      },
      (error: Error) => this.destroy(error),
    );
  }

  private async writeTo(destination: NodeJS.WritableStream): Promise<void> {
    const flushed: [Promise<void>, Promise<void>] = [Promise.resolve(), Promise.resolve()];
    // A request destroyed (a reset, a timeout) may never call back for what it buffered: stop then.
    const closed = new Promise<never>((_, reject) => destination.once("close", () => reject(new Error("the request was closed"))));
    closed.catch(() => undefined);
    try {
      for (let index = 0; this.offset < this.length && !this.destroyed; index++) {
        const slot = (index % 2) as 0 | 1;
        await Promise.race([flushed[slot], closed]);
        const chunk = await this.fill(this.offset, this.length - this.offset, slot);
        this.offset += chunk.length;
        flushed[slot] = new Promise<void>((resolve, reject) => {
          destination.write(chunk, (error?: Error | null) => (error ? reject(error) : resolve()));
        });
        flushed[slot].catch(() => undefined);
      }
      await Promise.race([Promise.all(flushed), closed]);
    } finally {
      this.settle();
    }
  }
}
