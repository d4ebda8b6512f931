import type * as ClientS3 from "@aws-sdk/client-s3";
import type * as Presigner from "@aws-sdk/s3-request-presigner";

/**
 * The S3 client, loaded only when a CustomImage has a `file`: a program that imports from a `url`
 * installs nothing more. Both packages are optional peer dependencies of this one.
 */
export interface S3Library {
  s3: typeof ClientS3;
  presigner: typeof Presigner;
}

/**
 * The client computes and checks no checksum an operation does not require. Since
 * @aws-sdk/client-s3 3.729 its default (`WHEN_SUPPORTED`) adds `x-amz-checksum-crc32` and
 * `x-amz-sdk-checksum-algorithm` to uploads, streams a body as aws-chunked with a trailing
 * checksum, and signs checksum parameters into presigned urls. S3-compatible services refuse
 * these: Cloudflare R2 answers 501 and Backblaze B2 400 (aws/aws-sdk-js-v3#6810, the SDK's own
 * announcement, and its comments), AWS itself refuses a part's CRC32 that CreateMultipartUpload
 * did not declare (romange/helio#152), and Ceph RGW, on which Spaces runs, gained the flexible
 * checksums only in recent releases (ceph/ceph#49986, `src/rgw/rgw_cksum.h`). Nothing public says
 * which RGW Spaces runs, so each part carries the long-supported `Content-MD5` instead
 * (multipart-upload.ts), and the body is sent as it is (`x-amz-content-sha256: UNSIGNED-PAYLOAD`).
 * Every client that `uploadFile` is given needs these: with the default, the SDK sends a part
 * with a `Content-MD5` as aws-chunked with a trailing CRC32, which S3Proxy refuses (BadDigest).
 */
export const S3_CLIENT_CHECKSUMS = { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" } as const;

export const S3_PACKAGES = ["@aws-sdk/client-s3", "@aws-sdk/s3-request-presigner"] as const;

/** Thrown when `file` is used without the S3 client installed, naming what to install. */
export class MissingS3LibraryError extends Error {
  readonly code = "missing_s3_library";
  constructor(missing: readonly string[]) {
    super(
      `A CustomImage with \`file\` uploads it to Spaces with the AWS SDK's S3 client, which is not installed (${missing.join(", ")} not found). ` +
        `Install it next to pulumi-digitalocean-custom-image: npm install ${S3_PACKAGES.join(" ")}`,
    );
    this.name = "MissingS3LibraryError";
  }
}

let loaded: S3Library | undefined;

/** `load` is the module loader; tests pass one that fails to show the error. */
export function loadS3Library(load: (name: string) => unknown = require): S3Library {
  if (loaded && load === require) return loaded;
  const modules: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const name of S3_PACKAGES) {
    try {
      modules[name] = load(name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
      missing.push(name);
    }
  }
  if (missing.length > 0) throw new MissingS3LibraryError(missing);
  const library = {
    s3: modules["@aws-sdk/client-s3"] as typeof ClientS3,
    presigner: modules["@aws-sdk/s3-request-presigner"] as typeof Presigner,
  };
  if (load === require) loaded = library;
  return library;
}
