/**
 * The declared output types of a CustomImage (src/custom-image.ts), as test/engine/programs/outputs
 * spells them in its `outputTypes` export: what the runner's and the real CLI's runs of that
 * program must both show.
 */
const numberOrNull = expect.stringMatching(/^(number|null)$/);
const stringOrNull = expect.stringMatching(/^(string|null)$/);

/** A created image with its optional inputs omitted: every output resolves to a value. */
export const CREATED_OUTPUT_TYPES = {
  url: "string",
  regions: "string[]",
  name: "string",
  description: "string",
  distribution: "string",
  tags: "string[]",
  createTimeoutMinutes: "number",
  transferTimeoutMinutes: "number",
  imageId: "number",
  status: "string",
  errorMessage: "string",
  sizeGigabytes: numberOrNull,
  minDiskSize: numberOrNull,
  createdAt: "string",
  slug: stringOrNull,
  type: "string",
  public: "boolean",
};

/** DigitalOcean reports neither the url nor the provider's timeouts of an image: a `get` leaves them undefined, as declared. */
export const ADOPTED_OUTPUT_TYPES = {
  ...CREATED_OUTPUT_TYPES,
  url: "undefined",
  createTimeoutMinutes: "undefined",
  transferTimeoutMinutes: "undefined",
};
