/**
 * Inputs and outputs of the CustomImage resource, named as in `@pulumi/digitalocean`'s
 * `CustomImage` so that programs can switch between the two.
 */

/** The inputs after `check` has validated and normalised them (what `diff`, `create`, `update` receive). */
export interface CustomImageInputs {
  /**
   * Where DigitalOcean downloads the image from (http or https). Changing it replaces the image.
   * Absent when the image comes from `file`: `create` then imports from a presigned url it keeps out of the state.
   */
  url: string;
  /** Regions the image is available in; the first is where it is imported, the rest receive transfers. */
  regions: string[];
  /** Display name; defaults to the Pulumi resource name. */
  name: string;
  /** Free text; an empty string clears it. */
  description?: string;
  /** One of DigitalOcean's distribution names, canonical spelling; defaults to `Unknown`. */
  distribution: string;
  /** Tag names, duplicates removed, in the order given. */
  tags?: string[];
  /** How long `create` (and a resumed create) waits for the import to become `available`, in minutes. */
  createTimeoutMinutes?: number;
  /** How long each region transfer is waited for, in minutes. */
  transferTimeoutMinutes?: number;
  /** A local image file to upload to Spaces and import from there, instead of `url` (src/spaces/). */
  file?: string;
  /** The Spaces bucket `file` is uploaded to. */
  spaces?: { bucket: string; region: string };
  /** Keep the uploaded object once the import succeeded (default: it is deleted). */
  keepObject?: boolean;
  /** Set by `check`, never by the program: the SHA-256 of `file`'s content, the image's identity. */
  fileSha256?: string;
}

/** Everything `create`, `update` and `read` return: the inputs plus what DigitalOcean computes. */
export interface CustomImageOutputs extends CustomImageInputs {
  imageId: number;
  status: string;
  errorMessage: string;
  sizeGigabytes: number | null;
  minDiskSize: number | null;
  createdAt: string;
  slug: string | null;
  type: string;
  public: boolean;
  /**
   * The program's regions, present only while `regions` leaves some of them out (an import or a
   * transfer still under way when Pulumi recorded the image): a refresh reports such a region once
   * the image is in it, as the program's own.
   */
  requestedRegions?: string[];
}

/** The string Pulumi passes for a value that is not known yet during preview (also nested in arrays). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const DEFAULT_DISTRIBUTION = "Unknown";
export const DEFAULT_CREATE_TIMEOUT_MINUTES = 60;
export const DEFAULT_TRANSFER_TIMEOUT_MINUTES = 60;

/**
 * Set to `true` in the props bag by `CustomImage.get`. On a `get` the engine sends the dynamic
 * provider host no state, and the host hands `read` the program's inputs instead; on a refresh
 * `read` gets the recorded outputs, which never hold this key. So `read` knows a lookup, where a
 * missing image is the user's error, from a refresh, where it means the image is gone.
 */
export const ADOPTING = "__adopting";
