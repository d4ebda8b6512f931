/**
 * Inputs and outputs of the CustomImage resource, named as in `@pulumi/digitalocean`'s
 * `CustomImage` so that programs can switch between the two.
 */

/** The inputs after `check` has validated and normalised them (what `diff`, `create`, `update` receive). */
export interface CustomImageInputs {
  /** Where DigitalOcean downloads the image from (http or https). Changing it replaces the image. */
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
  /**
   * This resource's DigitalOcean API token, for an image in another account than the stack's.
   * CustomImage sends it as a secret; read, update and delete use it from the state's outputs.
   */
  token?: string;
  /** This resource's API endpoint; only with `token`. */
  apiEndpoint?: string;
}

/** Everything `create`, `update` and `read` return: the inputs plus what DigitalOcean computes. */
export interface CustomImageOutputs extends CustomImageInputs {
  /** The image id. */
  imageId: number;
  /** DigitalOcean's status: `NEW`, `pending`, `available`, `deleted` or `retired`. */
  status: string;
  /** DigitalOcean's reason for a failed import; `""` otherwise. */
  errorMessage: string;
  /** Size in GB; `null` while the import runs (nullable in DigitalOcean's API). */
  sizeGigabytes: number | null;
  /** Smallest droplet disk in GB; `null` while the import runs (nullable in DigitalOcean's API). */
  minDiskSize: number | null;
  /** When DigitalOcean created the image, ISO 8601. */
  createdAt: string;
  /** Always `null` for a custom image (nullable in DigitalOcean's API: only its public images have one). */
  slug: string | null;
  /** `custom`. */
  type: string;
  /** Always `false` for a custom image. */
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
