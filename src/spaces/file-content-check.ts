import type { CheckOutcome } from "../provider/check";
import type { ProviderLog } from "../provider/lifecycle";
import { UNKNOWN } from "../provider/types";
import { ImageFileError, inspectImageFile } from "./image-file";

/**
 * The part of `check` that reads `file`: that it exists and can be read, that its first bytes are
 * a format DigitalOcean imports, and its SHA-256, which becomes the `fileSha256` input that `diff`
 * compares. Runs at preview too; uploads nothing. A file not known yet makes `fileSha256` unknown.
 */
export async function checkFileContent(outcome: CheckOutcome, log: ProviderLog, now: () => number = Date.now): Promise<void> {
  const { inputs, failures } = outcome;
  const file = inputs.file;
  if (file === undefined || failures.some(({ property }) => property === "file")) return;
  if (file === UNKNOWN) {
    inputs.fileSha256 = UNKNOWN;
    return;
  }
  const started = now();
  try {
    const image = await inspectImageFile(file as string);
    inputs.fileSha256 = image.sha256;
    const seconds = Math.max(now() - started, 1) / 1000;
    log.info(
      `file ${JSON.stringify(file)}: ${image.format}, ${(image.size / 1048576).toFixed(1)} MiB, SHA-256 ${image.sha256} (hashed in ${seconds.toFixed(1)} s)`,
    );
  } catch (error) {
    if (!(error instanceof ImageFileError)) throw error;
    failures.push({ property: "file", reason: `file ${error.message}` });
  }
}
