import type { S3Client } from "@aws-sdk/client-s3";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import type { ImportScope } from "../provider/import-marker";
import { importing } from "../provider/importing";
import { ResourceInitError, type ProviderLog, type Runtime } from "../provider/lifecycle";
import type { CustomImageInputs, CustomImageOutputs } from "../provider/types";
import { DEFAULT_CREATE_TIMEOUT_MINUTES } from "../provider/types";
import { hashFile } from "./image-file";
import { isNotFound, objectExists, uploadFile, type UploadProgress } from "./multipart-upload";
import { loadS3Library, S3_CLIENT_CHECKSUMS, type S3Library } from "./s3-library";
import { SpacesError } from "./spaces-error";
import { resolveSpacesSettings } from "./spaces-settings";

/** Where a `file` is uploaded: a Spaces bucket and the region it is in. */
export interface SpacesLocation {
  bucket: string;
  region: string;
}

/** The inputs of a CustomImage imported from a local file, as `check` leaves them. */
export interface FileInputs {
  file: string;
  /** Set by `check` from the file's content. */
  fileSha256: string;
  spaces: SpacesLocation;
  keepObject?: boolean;
}

/** Every object this provider uploads is under this prefix, so that a bucket's owner can tell them apart (and expire them by a lifecycle rule). */
export const OBJECT_PREFIX = "pulumi-custom-images/";

/** The object key: the content's hash, then the file's name (letters, digits, `.`, `_` and `-` kept) for people browsing the bucket. */
export function objectKey(inputs: Pick<FileInputs, "file" | "fileSha256">): string {
  const name = basename(inputs.file).replace(/[^A-Za-z0-9._-]/g, "_") || "image";
  return `${OBJECT_PREFIX}${inputs.fileSha256}/${name}`;
}

/** SigV4 presigned urls live at most 7 days (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html). */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * How long DigitalOcean may take to start downloading: the url is needed from the import request
 * until the download, which the provider waits for at most `createTimeoutMinutes`.
 */
export function presignSeconds(createTimeoutMinutes: number | undefined): number {
  return Math.min(MAX_PRESIGN_SECONDS, Math.ceil((createTimeoutMinutes ?? DEFAULT_CREATE_TIMEOUT_MINUTES) * 60));
}

export interface SpacesSession {
  library: S3Library;
  client: S3Client;
  bucket: string;
  key: string;
  keySource: string;
}

export function openSession(inputs: FileInputs, config: Record<string, string | undefined>): SpacesSession {
  const library = loadS3Library();
  const settings = resolveSpacesSettings(inputs.spaces.region, config);
  const client = new library.s3.S3Client({
    endpoint: settings.endpoint,
    region: inputs.spaces.region,
    forcePathStyle: settings.custom,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    ...S3_CLIENT_CHECKSUMS,
  });
  return { library, client, bucket: inputs.spaces.bucket, key: objectKey(inputs), keySource: settings.keySource };
}

/** A Spaces failure restated for `pulumi up`: which bucket, what to fix. Never the keys, never a signature. */
export function spacesFailure(error: unknown, session: SpacesSession, doing: string): Error {
  if (error instanceof SpacesError) return error;
  const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  const where = `bucket ${JSON.stringify(session.bucket)}`;
  if (name === "NoSuchBucket")
    return new SpacesError("no_such_bucket", `${doing} failed: ${where} does not exist; create it, or name another in \`spaces.bucket\``);
  if (name === "SignatureDoesNotMatch" || name === "InvalidAccessKeyId" || status === 403) {
    return new SpacesError(
      "spaces_access_denied",
      `${doing} failed: Spaces refused the access key from ${session.keySource} (${name ?? `HTTP ${status}`}); check both keys, and that they may write to ${where}`,
    );
  }
  if (name === "BadDigest" || name === "InvalidDigest") {
    return new SpacesError(
      "spaces_bad_digest",
      `${doing} failed: Spaces refused a part whose bytes did not match their Content-MD5 (${name}): they changed on the way; run \`pulumi up\` again, which sends only the parts not stored`,
    );
  }
  const detail =
    name && name !== "Error" ? `${name}${status ? ` (HTTP ${status})` : ""}` : status ? `HTTP ${status}` : (error as Error).message;
  return new SpacesError("spaces_request_failed", `${doing} failed: ${detail}`);
}

const PROGRESS_INTERVAL_MS = 5_000;

/** One progress line at most every 5 s, and the last. */
function progressLines(log: ProviderLog, label: string, now: () => number = Date.now): (progress: UploadProgress) => void {
  const started = now();
  let lastLine = -Infinity;
  return ({ storedBytes, totalBytes, resumedParts }) => {
    const at = now();
    if (storedBytes < totalBytes && at - lastLine < PROGRESS_INTERVAL_MS) return;
    lastLine = at;
    const percent = Math.floor((storedBytes / totalBytes) * 100);
    const resumed = resumedParts > 0 ? `, ${resumedParts} parts kept from an interrupted upload` : "";
    const rate = at > started ? `, ${mebibytes((storedBytes / (at - started)) * 1000)}/s` : "";
    log.info(`uploading ${label}: ${mebibytes(storedBytes)} of ${mebibytes(totalBytes)} (${percent} %)${rate}${resumed}`);
  };
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/**
 * Uploads the file (unless its object is there already), checking first that its bytes are still
 * those `check` hashed, and returns a presigned GET url of the object: a secret, for the import
 * request only.
 */
export async function uploadAndPresign(
  session: SpacesSession,
  inputs: FileInputs & Pick<CustomImageInputs, "createTimeoutMinutes">,
  size: number,
  log: ProviderLog,
): Promise<string> {
  const sha256 = await hashFile(inputs.file);
  if (sha256 !== inputs.fileSha256) {
    throw new SpacesError(
      "file_changed",
      `file ${JSON.stringify(inputs.file)} changed after it was checked (its SHA-256 is ${sha256}, not ${inputs.fileSha256}); run \`pulumi up\` again`,
    );
  }
  const label = `${JSON.stringify(inputs.file)} to ${session.bucket}/${session.key}`;
  try {
    const result = await uploadFile(session.library, session, inputs.file, size, { onProgress: progressLines(log, label) });
    if (result.outcome === "exists") log.info(`${session.bucket}/${session.key} is already in Spaces; not uploaded again`);
  } catch (error) {
    throw spacesFailure(error, session, `uploading ${label}`);
  }
  const command = new session.library.s3.GetObjectCommand({ Bucket: session.bucket, Key: session.key });
  return session.library.presigner.getSignedUrl(session.client, command, { expiresIn: presignSeconds(inputs.createTimeoutMinutes) });
}

/** Deletes the object; a missing one is fine. Failures are warned about, not thrown: the image is what the user asked for. */
export async function deleteObject(session: SpacesSession, log: ProviderLog, why: string): Promise<void> {
  try {
    if (!(await objectExists(session.library, session))) return;
    await session.client.send(new session.library.s3.DeleteObjectCommand({ Bucket: session.bucket, Key: session.key }));
    log.info(`deleted ${session.bucket}/${session.key} from Spaces (${why})`);
  } catch (error) {
    if (isNotFound(error)) return;
    log.warn(
      `${spacesFailure(error, session, `deleting ${session.bucket}/${session.key}`).message}; delete it by hand or with the next \`pulumi destroy\``,
    );
  }
}

/** The outputs without the presigned url the import was sent: it must not reach the state. */
export function withoutUrl(outputs: CustomImageOutputs): CustomImageOutputs {
  const { url: _url, ...rest } = outputs;
  return rest as CustomImageOutputs;
}

type ImportImage = (runtime: Runtime, inputs: CustomImageInputs & ImportScope) => Promise<{ id: string; outs: CustomImageOutputs }>;

/**
 * `create` of an image from a local file: uploads it (or finds it uploaded), imports it from a
 * presigned url that never reaches the state, the log or an error, and deletes the object once
 * the import succeeded (unless `keepObject`) or failed. An image that exists but whose import may
 * still run (a partial failure) keeps the object: the `update` that resumes it deletes it.
 */
export async function createFromFile(
  runtime: Runtime,
  config: Record<string, string | undefined>,
  inputs: CustomImageInputs & FileInputs & ImportScope,
  importImage: ImportImage,
): Promise<{ id: string; outs: CustomImageOutputs }> {
  const session = openSession(inputs, config);
  const size = (await stat(inputs.file)).size;
  const url = await uploadAndPresign(session, inputs, size, runtime.log);
  let created: { id: string; outs: CustomImageOutputs };
  try {
    created = await importImage(runtime, { ...inputs, url });
  } catch (error) {
    if (error instanceof ResourceInitError) {
      delete (error.properties as Record<string, unknown>).url;
      throw error;
    }
    await deleteObject(session, runtime.log, "the import failed");
    throw error;
  }
  if (!inputs.keepObject) await deleteObject(session, runtime.log, "the import succeeded");
  return { id: created.id, outs: withoutUrl(created.outs) };
}

/**
 * After an `update` of an image from a file whose import was still running (a resumed create):
 * the import has ended, so the object is no longer needed.
 */
export async function afterResumedImport(
  runtime: Runtime,
  config: Record<string, string | undefined>,
  inputs: Partial<FileInputs>,
  recordedStatus: unknown,
): Promise<void> {
  if (!isFileImage(inputs) || inputs.keepObject || !importing(recordedStatus)) return;
  await deleteObject(openSession(inputs, config), runtime.log, "the import succeeded");
}

/** `delete` of an image from a file: its object goes too, if an interrupted run or `keepObject` left it. */
export async function deleteLeftObject(
  runtime: Runtime,
  config: Record<string, string | undefined>,
  recorded: Partial<FileInputs>,
): Promise<void> {
  if (!isFileImage(recorded)) return;
  let session: SpacesSession;
  try {
    session = openSession(recorded, config);
  } catch (error) {
    runtime.log.warn(
      `Could not look for ${recorded.spaces.bucket}/${objectKey(recorded)} in Spaces to delete it: ${(error as Error).message}`,
    );
    return;
  }
  await deleteObject(session, runtime.log, "the image was deleted");
}

function isFileImage(inputs: Partial<FileInputs>): inputs is FileInputs {
  return typeof inputs.file === "string" && typeof inputs.fileSha256 === "string" && typeof inputs.spaces?.bucket === "string";
}
