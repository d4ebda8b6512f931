import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { hashFile, inspectImageFile } from "../../src/spaces/image-file";
import { imageFormat } from "../../src/spaces/image-format";

/** Bytes of `length` with `magic` written at `offset`. */
function bytesWith(magic: readonly number[] | string, offset = 0, length = 0x8006): Buffer {
  const bytes = Buffer.alloc(length);
  (typeof magic === "string" ? Buffer.from(magic, "latin1") : Buffer.from(magic)).copy(bytes, offset);
  return bytes;
}

const QCOW2 = bytesWith([0x51, 0x46, 0x49, 0xfb]);
const MBR = bytesWith([0x55, 0xaa], 510);
const TAR = bytesWith("ustar", 257);

describe("imageFormat reads a file's first bytes", () => {
  it.each<[string, Buffer, ReturnType<typeof imageFormat>]>([
    ["qcow2", QCOW2, { kind: "disk", format: "qcow2" }],
    ["vhdx", bytesWith("vhdxfile"), { kind: "disk", format: "vhdx" }],
    ["vdi", bytesWith([0x7f, 0x10, 0xda, 0xbe], 0x40), { kind: "disk", format: "vdi" }],
    ["a sparse vmdk", bytesWith("KDMV"), { kind: "disk", format: "vmdk" }],
    ["a vmdk descriptor", bytesWith("# Disk DescriptorFile\nversion=1\n"), { kind: "disk", format: "vmdk" }],
    ["a raw disk with an MBR", MBR, { kind: "disk", format: "raw" }],
    ["a raw disk with GPT", bytesWith("EFI PART", 512), { kind: "disk", format: "raw" }],
    ["gzip", bytesWith([0x1f, 0x8b, 0x08]), { kind: "compressed", compression: "gzip" }],
    ["bzip2", bytesWith("BZh9"), { kind: "compressed", compression: "bzip2" }],
    ["a tar archive", TAR, { kind: "refused", what: "a tar archive (an .ova is one)" }],
    ["a zip archive", bytesWith("PK\x03\x04"), { kind: "refused", what: "a zip archive" }],
    ["xz", bytesWith([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), { kind: "refused", what: "xz-compressed" }],
    ["zstd", bytesWith([0x28, 0xb5, 0x2f, 0xfd]), { kind: "refused", what: "zstd-compressed" }],
    [
      "an ISO with an MBR (hybrid)",
      Buffer.concat([MBR.subarray(0, 0x8001), Buffer.from("CD001")]),
      { kind: "refused", what: "an ISO 9660 image (an installer, not a disk)" },
    ],
    ["text", Buffer.from("#!/bin/sh\necho hello\n"), { kind: "unknown" }],
    ["nothing", Buffer.alloc(0), { kind: "unknown" }],
  ])("tells %s", (_case, bytes, format) => {
    expect(imageFormat(bytes)).toEqual(format);
  });
});

describe("inspectImageFile", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "image-file-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function write(name: string, bytes: Uint8Array): string {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  }

  it("gives the format, the size and the SHA-256 that sha256sum gives", async () => {
    const bytes = Buffer.concat([QCOW2, Buffer.alloc(3 << 20, 7)]);
    const path = write("app.qcow2", bytes);
    const sha256 = execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0];
    expect(await inspectImageFile(path)).toEqual({ path, size: bytes.length, sha256, format: "qcow2" });
  });

  it("resolves a relative path from the folder given", async () => {
    write("rel.img", MBR);
    expect(await inspectImageFile("rel.img", dir)).toMatchObject({ path: join(dir, "rel.img"), format: "raw" });
  });

  it("looks inside a gzip file", async () => {
    expect((await inspectImageFile(write("app.qcow2.gz", gzipSync(QCOW2)))).format).toBe("gzip (qcow2)");
  });

  it.each<[string, () => string, RegExp]>([
    ["a missing file", () => join(dir, "missing.img"), /^".*missing\.img" does not exist$/],
    ["a directory", () => dir, /is not a regular file$/],
    ["a path through a file", () => join(write("plain", MBR), "below"), /^".*plain\/below" cannot be read: ENOTDIR/],
    ["an empty file", () => write("empty.img", Buffer.alloc(0)), /is empty$/],
    [
      "a tar archive",
      () => write("app.ova", TAR),
      /is a tar archive \(an \.ova is one\); DigitalOcean imports raw \(with an MBR or GPT partition table\), qcow2, vhdx, vdi or vmdk/,
    ],
    [
      "a gzip-compressed tar archive",
      () => write("app.tar.gz", gzipSync(TAR)),
      /is gzip-compressed and holds a tar archive \(an \.ova is one\); DigitalOcean imports/,
    ],
    [
      "gzip of something else",
      () => write("notes.gz", gzipSync(Buffer.from("notes"))),
      /is gzip-compressed and holds not a disk image DigitalOcean can import/,
    ],
    ["a broken gzip file", () => write("broken.gz", Buffer.from([0x1f, 0x8b, 0xff, 0xff, 0xff])), /starts as gzip but does not decompress/],
    ["a text file", () => write("app.img", Buffer.from("hello")), /is not a disk image DigitalOcean can import; DigitalOcean imports raw/],
  ])("refuses %s, saying why", async (_case, path, message) => {
    await expect(inspectImageFile(path())).rejects.toThrow(message);
  });

  it("hashes a file larger than a read buffer the same as sha256sum", async () => {
    const path = write("large.raw", Buffer.concat([MBR, Buffer.alloc((5 << 20) + 3, 1)]));
    expect(await hashFile(path)).toBe(execFileSync("sha256sum", [path], { encoding: "utf8" }).split(" ")[0]);
  });
});
