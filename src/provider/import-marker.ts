import { createHash, randomBytes } from "node:crypto";
import { imageSourceId } from "./presigned-url";
import { tagIdentity } from "./tag-identity";
import type { CustomImageInputs } from "./types";

/**
 * A tag that marks an image while Pulumi may not know about it yet.
 *
 * The engine records a created resource only when `create` returns, and `create` waits for the
 * import (minutes to an hour). If the deployment is killed meanwhile (a cancelled CI job, a lost
 * runner), the image exists and no state names it. The marker is sent in the import POST itself,
 * so it is on the image from its first moment; the next `create` of the same resource (same
 * scope, kept in the stack's state; same image name, same source URL up to a presigned
 * signature, same first region) finds it by tag and adopts it instead of importing a second copy.
 * `create` removes the marker once it returns the image to Pulumi, also as a partial failure, so
 * that a recorded image is never adopted by a replacement. Tag names allow letters, digits, `_`, `-` and `:` (DigitalOcean's tag pattern).
 */
export const IMPORT_MARKER_PREFIX = "pulumi-import:";

/**
 * Set by CustomImage, not by users: `<project>/<stack>/<resource name>/<nonce>`, the nonce kept in
 * the stack's state by the resource's CustomImageScope (src/custom-image-scope.ts), so that the
 * marker of one stack's resource never matches another's, also when both have the same names.
 */
export interface ImportScope {
  __importScope?: string;
}

export function importMarker(inputs: Pick<CustomImageInputs, "name" | "url" | "regions"> & ImportScope): string {
  // The scope keeps two stacks importing the same image at the same time from adopting, or
  // deleting as a late copy, each other's import.
  const identity = JSON.stringify([inputs.__importScope ?? "", inputs.name, imageSourceId(inputs.url), inputs.regions[0]]);
  return `${IMPORT_MARKER_PREFIX}${createHash("sha256").update(identity).digest("hex").slice(0, 24)}`;
}

/** Any spelling: DigitalOcean's tag names are case-insensitive (see tag-identity.ts). */
export function isImportMarker(tag: string): boolean {
  return tagIdentity(tag).startsWith(IMPORT_MARKER_PREFIX);
}

/** 128 random bits: two stacks never draw the same one. */
export function newScopeNonce(): string {
  return randomBytes(16).toString("hex");
}
