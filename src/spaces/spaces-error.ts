import { DigitalOceanError } from "../client/errors";

/**
 * A failure of the Spaces side of a `file` import: keys missing or refused, the bucket missing,
 * an upload or a delete that failed. Messages never hold a key or a presigned url's signature.
 */
export class SpacesError extends DigitalOceanError {
  static override readonly defaultCode = "spaces_error";
  constructor(code: string, message: string) {
    super({ apiCode: code }, message);
  }
}
