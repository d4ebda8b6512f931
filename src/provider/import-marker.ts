import { createHash, randomBytes } from "node:crypto";
import type { CreateCustomImageRequest, DigitalOceanClient } from "../client/digitalocean-client";
import { errorMessage } from "../client/errors";
import { tagIdentity } from "../client/tag-identity";
import type { Image } from "../client/wire";
import type { Runtime } from "./lifecycle";
import { imageSourceId } from "./presigned-url";
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

/** Any spelling: DigitalOcean's tag names are case-insensitive (see src/client/tag-identity.ts). */
export function isImportMarker(tag: string): boolean {
  return tagIdentity(tag).startsWith(IMPORT_MARKER_PREFIX);
}

/** 128 random bits: two stacks never draw the same one. */
export function newScopeNonce(): string {
  return randomBytes(16).toString("hex");
}

/**
 * Images this host process imported or adopted, per client: no later create adopts one of them
 * again, nor deletes it as a late copy of its own import.
 */
const claimedImages = new WeakMap<DigitalOceanClient, Set<number>>();

/**
 * Images whose import POST was sent more than once, per client (after an ambiguous failure nothing
 * was found, so it was sent again): an earlier POST may yet be carried out, so a copy of them may
 * be unseen (see `removeMarker`). One POST sent makes one image at most, also when its answer was lost.
 */
const uncertainImports = new WeakMap<DigitalOceanClient, Set<number>>();

function idsOf(map: WeakMap<DigitalOceanClient, Set<number>>, client: DigitalOceanClient): Set<number> {
  let ids = map.get(client);
  if (!ids) map.set(client, (ids = new Set()));
  return ids;
}

const claimed = (client: DigitalOceanClient) => idsOf(claimedImages, client);

const markedImages = new WeakMap<DigitalOceanClient, Promise<Image[]>>();

/**
 * The account's images that carry an import marker, listed once per host process: an image left
 * by an interrupted run existed before this deployment started (Pulumi locks the stack), so one
 * listing answers every create of the deployment, however many start and whenever.
 */
function imagesWithMarkers(client: DigitalOceanClient): Promise<Image[]> {
  let listing = markedImages.get(client);
  if (!listing) {
    listing = client.images.list({ private: true }).then((images) => images.filter((image) => image.tags.some(isImportMarker)));
    // A failed listing is not kept: the next create tries again.
    listing.catch(() => markedImages.delete(client));
    markedImages.set(client, listing);
  }
  return listing;
}

/** The image an interrupted earlier create left behind with `marker`, claimed; undefined when there is none. */
export async function adoptLeftImage(client: DigitalOceanClient, marker: string): Promise<Image | undefined> {
  const left = (await imagesWithMarkers(client)).find(
    (image) => image.tags.includes(marker) && !claimed(client).has(image.id) && image.status !== "deleted",
  );
  if (left) claimed(client).add(left.id);
  return left;
}

/**
 * Imports with `marker` among the tags, so that after an ambiguous failure the client finds the
 * image the POST may have created by the marker alone (name, url and age identify nothing).
 */
export async function importMarked(client: DigitalOceanClient, request: CreateCustomImageRequest, marker: string): Promise<Image> {
  let posts = 1;
  const image = await client.images.createCustom(
    { ...request, tags: [...(request.tags ?? []), marker] },
    {
      findExisting: async () =>
        (await client.images.list({ tagName: marker })).find((image) => image.tags.includes(marker) && !claimed(client).has(image.id)),
      onSettled: (sent) => (posts = sent),
    },
  );
  claimed(client).add(image.id);
  if (posts > 1) idsOf(uncertainImports, client).add(image.id);
  return image;
}

/**
 * An import POST that timed out may still be carried out after the client sent it again: any
 * other image with this resource's marker is such a late copy, known to nobody, and is deleted
 * with `deleteImage`. A failure to look is only warned about: the create itself succeeded.
 */
export async function deleteLateCopies(
  runtime: Runtime,
  imageId: number,
  marker: string,
  deleteImage: (runtime: Runtime, id: number) => Promise<void>,
): Promise<void> {
  try {
    const copies = (await runtime.client.images.list({ tagName: marker })).filter((copy) => !claimed(runtime.client).has(copy.id));
    for (const copy of copies) {
      runtime.log.warn(
        `Deleting image ${copy.id}, a second copy of image ${imageId} made by an import request DigitalOcean carried out after it had timed out`,
      );
      await deleteImage(runtime, copy.id);
    }
  } catch (error) {
    runtime.log.warn(`Could not check for late copies of image ${imageId}: ${errorMessage(error)}`);
  }
}

/**
 * Takes `marker` off image `imageId`, the image `create` is about to hand to Pulumi.
 *
 * When its import POST was sent more than once (an ambiguous failure, nothing found by the marker,
 * the POST sent again; see `importMarked`), DigitalOcean may have made, or may still make, a copy
 * carrying the marker that the create's look for late copies did not see: whether listings show
 * an image still importing, and whether a tag's `resources.images.count` counts it, are both
 * undocumented (packages/emulator/digitalocean-openapi/SOURCE.md, question 2). Deleting the tag
 * would untag such a copy for good: an image in no state that nothing can find. So then only this
 * image is untagged and the tag stays: the copy keeps the marker, by which the next create of the
 * resource adopts it and by which the user, warned, finds it once imported. The tag's count,
 * when it says more images than none, says that a copy is there.
 */
export async function removeMarker(runtime: Runtime, imageId: number, marker: string): Promise<void> {
  const { client } = runtime;
  if (!idsOf(uncertainImports, client).has(imageId)) return client.tags.delete(marker);
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
