import { createHash, randomBytes } from "node:crypto";
import type { Runtime } from "./lifecycle";
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

/**
 * Takes `marker` off image `imageId`, the image `create` is about to hand to Pulumi.
 *
 * When the import POST got no clear answer at first (`uncertain`: the client looked for the image
 * by the marker and sent the POST again), DigitalOcean may have made, or may still make, a copy
 * carrying the marker that the create's look for late copies did not see: whether listings show
 * an image still importing, and whether a tag's `resources.images.count` counts it, are both
 * undocumented (packages/emulator/digitalocean-openapi/SOURCE.md, question 2). Deleting the tag
 * would untag such a copy for good: an image in no state that nothing can find. So then only this
 * image is untagged and the tag stays: the copy keeps the marker, by which the next create of the
 * resource adopts it and by which the user, warned, finds it once imported. The tag's count,
 * when it says more images than none, says that a copy is there.
 */
export async function removeMarker(runtime: Runtime, imageId: number, marker: string, uncertain: boolean): Promise<void> {
  const { client } = runtime;
  if (!uncertain) return client.tags.delete(marker);
  await client.tags.unassignResources(marker, [{ resourceId: imageId, resourceType: "image" }]);
  const others = await client.tags.get(marker).then(
    (tag) => tag.resources?.images?.count,
    () => undefined,
  );
  const copies =
    others !== undefined && others > 0
      ? `${others} other image(s) carry its import marker tag ${marker} that no listing showed (a copy still importing)`
      : `DigitalOcean may still carry one out, making a copy that carries its import marker tag ${marker}`;
  runtime.log.warn(
    `An import request for image ${imageId} got no clear answer at first, and ${copies}. The tag stays on such a copy so that it can be found: ` +
      `once its import has ended, \`doctl compute image list-user --format ID,Name,Status,Tags\` lists it with ${marker}; delete it with ` +
      `\`doctl compute image delete <id>\`, then the tag with \`doctl compute tag delete ${marker}\` (image ${imageId} no longer carries it).`,
  );
}
