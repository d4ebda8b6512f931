import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { constants, gunzipSync } from "node:zlib";
import { ACCEPTED_FORMATS, FORMAT_PROBE_BYTES, imageFormat, type ImageFormat } from "./image-format";

/** A local image file as the provider knows it: where, how big, what, and its content's identity. */
export interface ImageFile {
  /** Absolute. */
  path: string;
  size: number;
  /** Lower-case hex SHA-256 of the whole file: the image's identity, and part of its object key. */
  sha256: string;
  /** As `imageFormat` read it, e.g. `qcow2` or `gzip (qcow2)`. */
  format: string;
}

/** Why a file cannot be imported, worded to follow "file …" in a check failure. */
export class ImageFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageFileError";
  }
}

/** Large reads keep the hash at disk speed; 1 MiB is what `sha256sum`'s buffer rounds to on Linux too. */
const READ_BYTES = 1 << 20;

/**
 * Stats, probes and hashes `file` (resolved from `cwd`), throwing an `ImageFileError` that says
 * what is wrong: missing, unreadable, not a regular file, empty, or not a format DigitalOcean
 * accepts. Memory stays at one read buffer whatever the file's size.
 */
export async function inspectImageFile(file: string, cwd: string = process.cwd()): Promise<ImageFile> {
  const path = resolve(cwd, file);
  const shown = path === file ? JSON.stringify(file) : `${JSON.stringify(file)} (${path})`;
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ImageFileError(`${shown} is not a regular file`);
    size = info.size;
  } catch (error) {
    throw fileError(error, shown);
  }
  if (size === 0) throw new ImageFileError(`${shown} is empty`);
  const format = describeFormat(await probe(path, shown), shown);
  const sha256 = await hashFile(path).catch((error: unknown) => {
    throw fileError(error, shown);
  });
  return { path, size, sha256, format };
}

async function probe(path: string, shown: string): Promise<Uint8Array> {
  try {
    const handle = await open(path, "r");
    try {
      const buffer = Buffer.alloc(FORMAT_PROBE_BYTES);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileError(error, shown);
  }
}

/** The format name, or an `ImageFileError`; a gzip file is judged by what it decompresses to (a `.tar.gz` is refused as DigitalOcean refuses it). */
function describeFormat(bytes: Uint8Array, shown: string): string {
  const outer = imageFormat(bytes);
  if (outer.kind === "compressed" && outer.compression === "gzip") {
    // Z_SYNC_FLUSH: the probe is the start of a longer stream, not a whole one.
    let inner: Uint8Array;
    try {
      inner = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, FORMAT_PROBE_BYTES);
    } catch (error) {
      throw new ImageFileError(`${shown} starts as gzip but does not decompress (${(error as Error).message})`);
    }
    const decompressed = imageFormat(inner);
    if (decompressed.kind === "disk") return `gzip (${decompressed.format})`;
    throw new ImageFileError(`${shown} is gzip-compressed and holds ${refusal(decompressed)}`);
  }
  // bzip2 has no decompressor in Node; DigitalOcean reports a wrong content after the download.
  if (outer.kind === "compressed") return outer.compression;
  if (outer.kind === "disk") return outer.format;
  throw new ImageFileError(`${shown} is ${refusal(outer)}`);
}

function refusal(format: ImageFormat): string {
  const what = format.kind === "refused" ? format.what : "not a disk image DigitalOcean can import";
  return `${what}; DigitalOcean imports ${ACCEPTED_FORMATS}`;
}

/** Lower-case hex SHA-256 of the file, streamed. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: READ_BYTES })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function fileError(error: unknown, shown: string): ImageFileError {
  if (error instanceof ImageFileError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return new ImageFileError(`${shown} does not exist`);
  if (code === "EACCES" || code === "EPERM") return new ImageFileError(`${shown} cannot be read: permission denied`);
  if (code === "EISDIR") return new ImageFileError(`${shown} is not a regular file`);
  return new ImageFileError(`${shown} cannot be read: ${(error as Error).message}`);
}
