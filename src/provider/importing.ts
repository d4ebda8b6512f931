/**
 * Whether an image's `status` says its import has not finished: DigitalOcean lists a custom image
 * as `NEW` until it starts the download, then `pending` until it is `available` (or `deleted`, for
 * a failed import). Takes `unknown` because `diff` reads it from state, which may hold anything.
 */
export function importing(status: unknown): boolean {
  return status === "NEW" || status === "pending";
}
