/**
 * What an image file is, told from its first bytes, so that a file DigitalOcean would refuse fails
 * at preview instead of after an upload and an import. images_create_custom: "The image it points
 * to must be in the raw, qcow2, vhdx, vdi, or vmdk format. It may be compressed using gzip or bzip2".
 */

/** How many leading bytes `imageFormat` needs: ISO 9660's `CD001` ends at 0x8006. */
export const FORMAT_PROBE_BYTES = 0x8006;

export type DiskFormat = "qcow2" | "vhdx" | "vdi" | "vmdk" | "raw";
export type Compression = "gzip" | "bzip2";

export type ImageFormat =
  | { kind: "disk"; format: DiskFormat }
  | { kind: "compressed"; compression: Compression }
  | { kind: "refused"; what: string }
  | { kind: "unknown" };

function startsWith(bytes: Uint8Array, magic: readonly number[] | string, offset = 0): boolean {
  const expected = typeof magic === "string" ? [...magic].map((character) => character.charCodeAt(0)) : magic;
  return bytes.length >= offset + expected.length && expected.every((byte, index) => bytes[offset + index] === byte);
}

/**
 * Each format's signature, as its specification gives it: qcow2 "QFI\xfb" (QEMU's docs/interop/qcow2.txt),
 * VHDX "vhdxfile" (MS-VHDX 2.2.1), VDI's 0xbeda107f at 0x40 (VirtualBox's VDICore.h), VMDK's sparse
 * "KDMV" or a descriptor file (VMware's Virtual Disk Format 1.1), and for raw a disk with a
 * partition table: an MBR's 0x55 0xAA at 510 or GPT's "EFI PART" at 512 (UEFI 2.10, 5.3.2).
 */
const DISKS: readonly { format: DiskFormat; matches(bytes: Uint8Array): boolean }[] = [
  { format: "qcow2", matches: (bytes) => startsWith(bytes, [0x51, 0x46, 0x49, 0xfb]) },
  { format: "vhdx", matches: (bytes) => startsWith(bytes, "vhdxfile") },
  { format: "vdi", matches: (bytes) => startsWith(bytes, [0x7f, 0x10, 0xda, 0xbe], 0x40) },
  { format: "vmdk", matches: (bytes) => startsWith(bytes, "KDMV") || startsWith(bytes, "# Disk DescriptorFile") },
  { format: "raw", matches: (bytes) => startsWith(bytes, "EFI PART", 512) || startsWith(bytes, [0x55, 0xaa], 510) },
];

/** Formats DigitalOcean refuses that a build pipeline commonly produces, named so the error can say what the file is. */
const REFUSED: readonly { what: string; matches(bytes: Uint8Array): boolean }[] = [
  { what: "a tar archive (an .ova is one)", matches: (bytes) => startsWith(bytes, "ustar", 257) },
  { what: "a zip archive", matches: (bytes) => startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) },
  { what: "xz-compressed", matches: (bytes) => startsWith(bytes, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { what: "zstd-compressed", matches: (bytes) => startsWith(bytes, [0x28, 0xb5, 0x2f, 0xfd]) },
  { what: "a 7z archive", matches: (bytes) => startsWith(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { what: "an ISO 9660 image (an installer, not a disk)", matches: (bytes) => startsWith(bytes, "CD001", 0x8001) },
];

/** The format `bytes` (a file's first `FORMAT_PROBE_BYTES`, or all of a shorter file) start with. */
export function imageFormat(bytes: Uint8Array): ImageFormat {
  if (startsWith(bytes, [0x1f, 0x8b])) return { kind: "compressed", compression: "gzip" };
  if (startsWith(bytes, "BZh")) return { kind: "compressed", compression: "bzip2" };
  // Refused formats first: a hybrid ISO also carries an MBR, which would read as a raw disk.
  const refused = REFUSED.find(({ matches }) => matches(bytes));
  if (refused) return { kind: "refused", what: refused.what };
  const disk = DISKS.find(({ matches }) => matches(bytes));
  return disk ? { kind: "disk", format: disk.format } : { kind: "unknown" };
}

/** The formats DigitalOcean accepts, as a check failure lists them. */
export const ACCEPTED_FORMATS =
  "raw (with an MBR or GPT partition table), qcow2, vhdx, vdi or vmdk, optionally compressed with gzip or bzip2";
