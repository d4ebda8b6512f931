import type { Clock } from "../../../src/client/clock";
import { ApiError } from "./api-error";
import { planImport, type ImportFailureRule, type ImportPlan } from "./import-plan";
import type { ProgramTime } from "./program-time";
import { PUBLIC_IMAGE_REGIONS, type PublicImageSeed } from "./public-images";
import { isRegionSlug, regionWire } from "./regions";
import { DISTRIBUTIONS, UNKNOWN_OS } from "../../../src/provider/digitalocean-enums";
import { isImportMarker } from "../../../src/provider/import-marker";
import { isoSeconds, type ActionWire, type ImageStatus, type ImageWire, type ImportAcceptedWire, type TagWire } from "./wire";

/**
 * The account the emulator serves: images, their actions and tags. Nothing runs on timers: every
 * call first settles whatever finished by `clock.now()` (an import that ended, a transfer that
 * completed), at the simulated moment it finished, so a scaled or hand-driven clock is enough.
 */

export interface StateOptions {
  clock: Clock;
  importDurationMs: number | ((url: string) => number);
  transferDurationMs: number | ((region: string) => number);
  /** Simulated ms (`ProgramTime.simulatedSpan` of the program's linger for a program on the system clock). */
  deletedLingerMs: number;
  /** What a transfer action's `region` and `region_slug` name; default `destination`. */
  transferRegion?: TransferRegion;
  /** Whether listings show images still `NEW` or `pending`; default `listed`. */
  pendingImages?: PendingImages;
  /** Whether a failed import's `error_message` quotes the url whole or without its query; default `path-only`. */
  errorMessageUrl?: ErrorMessageUrl;
  /** Whether the pages of one listing show the account as it is when each page is read, or as it was at page 1; default `live`. */
  listingPages?: ListingPages;
  /** How the programs calling read instants: `created_at`, `started_at`, `completed_at` are written with it. */
  time: ProgramTime;
  publicImages: readonly PublicImageSeed[];
  /** The emulator's base URL (known once it listens), for tags' `last_tagged_uri`. */
  baseUrl: () => string;
}

/**
 * What a transfer action's `region` and `region_slug` name, which DigitalOcean does not document:
 * the region transferred to, the region the image was imported into, or none (no `region`,
 * `region_slug: null`, as in the transfer answer digitalocean/doctl#196 printed).
 */
export type TransferRegion = "destination" | "source" | "none";

/**
 * Whether `GET /v2/images` (with `private=true`, `tag_name` or neither) shows images still `NEW` or
 * `pending`, with their tags (`listed`), or only once their import has ended (`unlisted`); a GET of
 * the image answers either way. DigitalOcean does not document it (SOURCE.md).
 */
export type PendingImages = "listed" | "unlisted";

/**
 * Whether a failed import's `error_message` shows the url without its query (`path-only`), or whole,
 * presigned signature included (`full`). DigitalOcean does not document its messages (SOURCE.md).
 */
export type ErrorMessageUrl = "path-only" | "full";

/**
 * How the pages of a listing are cut: from the account as it is when each page is read (`live`,
 * offset pagination: an image deleted from an earlier page moves a later one onto a page already
 * read, which the client then never sees), or from the account as it was when page 1 was read
 * (`snapshot`, as a cursor would). DigitalOcean does not document it (SOURCE.md).
 */
export type ListingPages = "live" | "snapshot";

export interface CreateCustomImage {
  name: string;
  url: string;
  region: string;
  distribution?: string;
  description?: string;
  tags?: string[] | null;
}

export interface ImageFilter {
  type?: "application" | "distribution";
  private?: boolean;
  tagName?: string;
}

/** Fields a test may change behind the client's back (drift). */
export interface ImagePatch {
  name: string;
  description: string;
  distribution: string;
  tags: string[];
  regions: string[];
}

/** One image created through `POST /v2/images`, as the test audit reports it. */
export interface AuditEntry {
  id: number;
  name: string;
  url: string;
  region: string;
  /** The tags the import POST carried. */
  importTags: string[];
  /** Simulated epoch ms. */
  createdAt: number;
  status: ImageStatus;
  fate: "importing" | "available" | "failed" | "deleted";
  /** Simulated epoch ms when it became `deleted` (by DELETE, out of band, or a failed import). */
  deletedAt?: number;
  errorMessage?: string;
}

/** A custom image saved from an emulator, for `restoreImages`: as GET answered it, and the URL it was imported from. */
export interface SavedImage {
  image: ImageWire;
  url: string;
}

/** An import of the same name and URL as an earlier image that was not deleted at the time. */
export interface DuplicateImport {
  id: number;
  /** The earliest image with that name and URL that was still alive (not `deleted`) then. */
  duplicateOf: number;
  name: string;
  url: string;
}

export interface TagResource {
  resource_id?: string;
  resource_type?: string;
}

interface ImportRecord {
  url: string;
  region: string;
  /** The tags the import POST carried (an import marker among them tells which resource sent it). */
  tags: string[];
  endsAt: number;
  plan: ImportPlan;
  /**
   * The earliest image not deleted that carried one of this import's markers when it was requested:
   * the same resource imported twice while the first copy was still unknown to Pulumi.
   */
  repeats?: number;
  /** Set once the import's time is up (and it was not deleted before). */
  outcome?: "available" | "failed";
  settled: boolean;
}

interface ImageRecord {
  id: number;
  name: string;
  distribution: string;
  description: string;
  tags: string[];
  regions: string[];
  createdAt: number;
  minDiskSize: number | null;
  sizeGigabytes: number | null;
  errorMessage: string;
  /** Set once the image is `deleted`; it still answers GET for `deletedLingerMs` after. */
  deletedAt?: number;
  /** Set by `retireImage`: the image answers `retired` from then on (unless deleted). */
  retired?: boolean;
  /** DigitalOcean's own images. */
  public?: { slug: string; category: PublicImageSeed["category"] };
  /** Custom images: the import that created them. */
  import?: ImportRecord;
}

type CustomImageRecord = ImageRecord & { import: ImportRecord };

interface ActionRecord {
  id: number;
  imageId: number;
  type: "transfer" | "convert";
  region: string;
  startedAt: number;
  endsAt: number;
  fails: boolean;
  settled: boolean;
}

// Distinct ranges, so an image id can never be mistaken for an action id in a test.
const FIRST_PUBLIC_IMAGE_ID = 100_000_001;
const FIRST_CUSTOM_IMAGE_ID = 200_000_001;
const FIRST_ACTION_ID = 300_000_001;
// The share of an import's duration spent in `NEW` before `pending`.
const NEW_SHARE = 0.1;
const TAG_PATTERN = /^[a-zA-Z0-9_\-:]{1,255}$/;

export class EmulatorState {
  private readonly images = new Map<number, ImageRecord>();
  private readonly actions = new Map<number, ActionRecord>();
  /** By lower-cased name: tag names are case stable (the first spelling is canonical, see `ensureTag`). */
  private readonly tags = new Map<string, { name: string; lastTaggedImageId?: number }>();
  private readonly importFailures: ImportFailureRule[] = [];
  private readonly transferFailures = new Set<string>();
  private nextImageId = FIRST_CUSTOM_IMAGE_ID;
  private nextActionId = FIRST_ACTION_ID;
  /** Listings as page 1 showed them, by query without the page (`listingPages: "snapshot"`). */
  private readonly listingSnapshots = new Map<string, ImageWire[]>();

  constructor(private readonly options: StateOptions) {
    options.publicImages.forEach((seed, index) => {
      const id = FIRST_PUBLIC_IMAGE_ID + index;
      this.images.set(id, {
        id,
        name: seed.name,
        distribution: seed.distribution,
        description: seed.description ?? "",
        tags: [],
        regions: [...PUBLIC_IMAGE_REGIONS],
        createdAt: Date.parse(seed.createdAt),
        minDiskSize: seed.minDiskSize,
        sizeGigabytes: seed.sizeGigabytes,
        errorMessage: "",
        public: { slug: seed.slug, category: seed.category },
      });
    });
  }

  private get now(): number {
    return this.options.clock.now();
  }

  // ---- images -------------------------------------------------------------------------------

  /**
   * The 202 of an import is "a subset of the standard image attributes" (images_create_custom):
   * the spec's example has no `slug`, `public`, `min_disk_size` nor `size_gigabytes`. A distribution
   * outside the spec's list is stored as `Unknown` and this answer says `Unknown OS` (doctl#671).
   */
  createCustom(request: CreateCustomImage): ImportAcceptedWire {
    const now = this.settle();
    const plan = planImport(request.url, this.options.importDurationMs, this.importFailures, this.options.errorMessageUrl === "full");
    (request.tags ?? []).forEach(assertTagName);
    const tags = this.canonicalTags(request.tags ?? []);
    const repeats = this.markedEarlier(tags, now);
    const id = this.nextImageId++;
    const image: CustomImageRecord = {
      id,
      name: request.name,
      distribution: storedDistribution(request.distribution),
      description: request.description ?? "",
      tags,
      regions: [],
      createdAt: now,
      minDiskSize: null,
      sizeGigabytes: null,
      errorMessage: "",
      import: {
        url: request.url,
        region: request.region,
        tags: [...tags],
        endsAt: now + plan.durationMs,
        plan,
        settled: false,
        ...(repeats === undefined ? {} : { repeats }),
      },
    };
    this.images.set(id, image);
    tags.forEach((tag) => this.noteTagged(tag, id));
    const {
      slug: _slug,
      public: _public,
      min_disk_size: _minDiskSize,
      size_gigabytes: _sizeGigabytes,
      ...accepted
    } = this.wire(image, now);
    return { ...accepted, distribution: isDistribution(request.distribution ?? "Unknown") ? accepted.distribution : UNKNOWN_OS };
  }

  /**
   * Images a listing shows, oldest id first: never `deleted` ones, nor `NEW` or `pending` ones when
   * `pendingImages` is `unlisted`. With `listingPages: "snapshot"`, `listing` names the listing
   * (its query without the page): page 1 takes the snapshot that its later pages are cut from.
   */
  listImages(filter: ImageFilter, listing?: { key: string; page: number }): ImageWire[] {
    if (listing && this.options.listingPages === "snapshot") {
      const taken = listing.page > 1 ? this.listingSnapshots.get(listing.key) : undefined;
      if (taken) return taken;
      const images = this.listImages(filter);
      this.listingSnapshots.set(listing.key, images);
      return images;
    }
    const now = this.settle();
    const hidden = new Set<ImageStatus>(this.options.pendingImages === "unlisted" ? ["deleted", "NEW", "pending"] : ["deleted"]);
    return [...this.images.values()]
      .filter((image) => !hidden.has(statusOf(image, now)))
      .filter((image) => (filter.private ? !image.public : true))
      .filter((image) => (filter.type ? image.public?.category === filter.type : true))
      .filter((image) => (filter.tagName !== undefined ? image.tags.includes(filter.tagName) : true))
      .sort((a, b) => a.id - b.id)
      .map((image) => this.wire(image, now));
  }

  /** By id, or by slug for DigitalOcean's public images. */
  getImage(idOrSlug: string): ImageWire {
    const now = this.settle();
    const image = /^\d+$/.test(idOrSlug)
      ? this.visibleImage(Number(idOrSlug), now)
      : [...this.images.values()].find((candidate) => candidate.public?.slug === idOrSlug);
    if (!image) throw ApiError.notFound();
    return this.wire(image, now);
  }

  updateImage(id: number, patch: { name?: string; description?: string; distribution?: string }): ImageWire {
    const now = this.settle();
    const image = this.ownImage(id, now);
    if (statusOf(image, now) === "deleted") throw ApiError.unprocessable("Can not update a deleted image");
    if (patch.name !== undefined) image.name = patch.name;
    if (patch.description !== undefined) image.description = patch.description;
    if (patch.distribution !== undefined) image.distribution = storedDistribution(patch.distribution);
    return this.wire(image, now);
  }

  deleteImage(id: number): void {
    const now = this.settle();
    const image = this.ownImage(id, now);
    // Quirk of the real API (see SOURCE.md): the error's message is all a client can go by, and
    // terraform-provider-digitalocean matches it whole, so it is kept to the letter.
    if (statusOf(image, now) === "deleted") throw ApiError.unprocessable("Image Can not delete an already deleted image.");
    image.deletedAt = now;
  }

  // ---- actions ------------------------------------------------------------------------------

  createAction(imageId: number, request: { type: string; region?: string }): ActionWire {
    const now = this.settle();
    const image = this.ownImage(imageId, now);
    const status = statusOf(image, now);
    if (request.type === "convert") {
      // Converting applies to backups and snapshots; for a custom image it completes at once.
      return this.actionWire(
        this.addAction({ imageId, type: "convert", region: image.import.region, startedAt: now, endsAt: now, fails: false }),
        now,
      );
    }
    const region = request.region;
    if (region === undefined) throw ApiError.unprocessable("region is required to transfer an image.");
    if (!isRegionSlug(region)) throw ApiError.unprocessable(`${region} is not a valid region.`);
    if (status !== "available") throw ApiError.unprocessable(`Image ${imageId} can not be transferred while its status is ${status}.`);
    if (image.regions.includes(region)) throw ApiError.unprocessable(`Image ${imageId} is already available in ${region}.`);
    const inFlight = [...this.actions.values()].some((action) => action.imageId === imageId && action.region === region && !action.settled);
    if (inFlight) throw ApiError.unprocessable(`Image ${imageId} is already being transferred to ${region}.`);
    const duration = this.options.transferDurationMs;
    const endsAt = now + (typeof duration === "function" ? duration(region) : duration);
    return this.actionWire(
      this.addAction({ imageId, type: "transfer", region, startedAt: now, endsAt, fails: this.transferFailures.has(region) }),
      now,
    );
  }

  listImageActions(imageId: number): ActionWire[] {
    const now = this.settle();
    this.ownImage(imageId, now);
    return [...this.actions.values()].filter((action) => action.imageId === imageId).map((action) => this.actionWire(action, now));
  }

  getImageAction(imageId: number, actionId: number): ActionWire {
    const now = this.settle();
    this.ownImage(imageId, now);
    const action = this.actions.get(actionId);
    if (!action || action.imageId !== imageId) throw ApiError.notFound();
    return this.actionWire(action, now);
  }

  getAction(actionId: number): ActionWire {
    const now = this.settle();
    const action = this.actions.get(actionId);
    if (!action) throw ApiError.notFound();
    return this.actionWire(action, now);
  }

  listActions(): ActionWire[] {
    const now = this.settle();
    return [...this.actions.values()].map((action) => this.actionWire(action, now));
  }

  // ---- tags ---------------------------------------------------------------------------------

  /** Creating a tag that exists, in any capitalization, answers that tag as first spelt, as DigitalOcean does. */
  createTag(name: string): TagWire {
    return this.tagWire(this.ensureTag(name), this.settle());
  }

  listTags(): TagWire[] {
    const now = this.settle();
    return [...this.tags.values()].map(({ name }) => this.tagWire(name, now));
  }

  getTag(name: string): TagWire {
    const now = this.settle();
    return this.tagWire(this.tagInPath(name), now);
  }

  /** Deleting a tag removes it from every resource. */
  deleteTag(name: string): void {
    const canonical = this.tagInPath(name);
    this.tags.delete(tagKey(canonical));
    for (const image of this.images.values()) image.tags = image.tags.filter((tag) => tag !== canonical);
  }

  tagResources(name: string, resources: TagResource[], assign: boolean): void {
    const now = this.settle();
    this.tagInPath(name);
    const images = resources.map((resource) => {
      if (resource.resource_type !== "image") {
        throw ApiError.unprocessable(
          `The emulator holds only images; can not tag a ${resource.resource_type ?? "resource without a type"}.`,
        );
      }
      const id = Number(resource.resource_id);
      if (!Number.isInteger(id)) throw ApiError.unprocessable(`${resource.resource_id ?? "(missing)"} is not a valid image id.`);
      return this.ownImage(id, now);
    });
    for (const image of images) {
      if (!assign) image.tags = image.tags.filter((tag) => tag !== name);
      else if (!image.tags.includes(name)) {
        image.tags.push(name);
        this.noteTagged(name, image.id);
      }
    }
  }

  // ---- test hooks ---------------------------------------------------------------------------

  failImports(rule: ImportFailureRule): void {
    this.importFailures.push(rule);
  }

  failTransfers(region: string): void {
    this.transferFailures.add(region);
  }

  retireImage(id: number): void {
    this.settle();
    this.requireCustom(id).retired = true;
  }

  audit(): AuditEntry[] {
    const now = this.settle();
    return this.customImages().map((image) => {
      const { url, region, tags: importTags, outcome } = image.import;
      const status = statusOf(image, now);
      const fate =
        outcome === "failed"
          ? "failed"
          : status === "deleted"
            ? "deleted"
            : status === "available" || status === "retired"
              ? "available"
              : "importing";
      return {
        id: image.id,
        name: image.name,
        url,
        region,
        importTags,
        createdAt: image.createdAt,
        status,
        fate,
        ...(image.deletedAt !== undefined && image.deletedAt <= now ? { deletedAt: image.deletedAt } : {}),
        ...(image.errorMessage ? { errorMessage: image.errorMessage } : {}),
      };
    });
  }

  /**
   * Images created while an earlier image with the same name and URL existed and was not yet
   * `deleted` (deleted by DELETE or out of band, or ended by a failed import). Importing again
   * after a failure or a delete is not a duplicate; importing again while the first is still
   * `NEW` or `pending` is.
   */
  duplicates(): DuplicateImport[] {
    this.settle();
    const all = this.customImages();
    return all.flatMap((image) => {
      const { url } = image.import;
      const original = all.find(
        (earlier) =>
          earlier.id < image.id &&
          earlier.name === image.name &&
          earlier.import.url === url &&
          (earlier.deletedAt === undefined || earlier.deletedAt > image.createdAt),
      );
      return original ? [{ id: image.id, duplicateOf: original.id, name: image.name, url }] : [];
    });
  }

  /**
   * Imports a client repeated by mistake: one whose POST carried an import marker (a tag starting
   * `pulumi-import:`) that an image not yet deleted still carried, so the same resource was
   * imported twice while the first copy was unknown to Pulumi (the provider removes the marker
   * before Pulumi records an image). A replacement (its original's marker is gone by then) and
   * another stack's import of the same name and URL (another marker) are not. An import without a
   * marker (a client other than the provider) counts as in `duplicates()`: same name and URL.
   */
  duplicateImports(): DuplicateImport[] {
    this.settle();
    const byName = new Map(this.duplicates().map((duplicate) => [duplicate.id, duplicate]));
    return this.customImages().flatMap((image) => {
      const { url, tags, repeats } = image.import;
      if (repeats !== undefined) return [{ id: image.id, duplicateOf: repeats, name: image.name, url }];
      const unmarked = byName.get(image.id);
      return unmarked && !tags.some(isImportMarker) ? [unmarked] : [];
    });
  }

  /**
   * Custom images not deleted that still carry an import marker: imported, and never handed to
   * Pulumi, so no stack's state names them (the next `pulumi up` of their resource adopts them).
   */
  orphans(): AuditEntry[] {
    const now = this.settle();
    const marked = new Set(
      this.customImages()
        .filter((image) => statusOf(image, now) !== "deleted" && image.tags.some(isImportMarker))
        .map((image) => image.id),
    );
    return this.audit().filter((entry) => marked.has(entry.id));
  }

  mutateImage(id: number, patch: Partial<ImagePatch>): void {
    this.settle();
    const image = this.requireCustom(id);
    if (patch.tags) image.tags = this.canonicalTags(patch.tags);
    if (patch.regions) image.regions = [...patch.regions];
    if (patch.name !== undefined) image.name = patch.name;
    if (patch.description !== undefined) image.description = patch.description;
    if (patch.distribution !== undefined) image.distribution = patch.distribution;
  }

  deleteImageOutOfBand(id: number): void {
    const now = this.settle();
    const image = this.requireCustom(id);
    image.deletedAt ??= now;
  }

  /** The custom images not deleted, as GET answers them, with their import URLs, for `restoreImages`. */
  saveImages(): SavedImage[] {
    const now = this.settle();
    return this.customImages()
      .filter((image) => statusOf(image, now) !== "deleted")
      .map((image) => ({ image: this.wire(image, now), url: image.import.url }));
  }

  /**
   * Brings back custom images saved from another emulator, with their ids, as imports that ended
   * long ago: GET answers each exactly as saved. Only images at rest (`available`, `retired`) can
   * be restored; later imports get ids after the highest restored one.
   */
  restoreImages(saved: readonly SavedImage[]): void {
    this.settle();
    for (const { image, url } of saved) {
      if (image.type !== "custom") throw new Error(`Only custom images can be restored; image ${image.id} is a ${image.type}.`);
      if (image.status !== "available" && image.status !== "retired") {
        throw new Error(`Image ${image.id} is ${image.status}; only images at rest (available, retired) can be restored.`);
      }
      if (this.images.has(image.id)) throw new Error(`The emulator already has an image ${image.id}.`);
      const tags = this.canonicalTags(image.tags);
      const createdAt = this.options.time.simulatedAt(Date.parse(image.created_at));
      const plan = { durationMs: 0, sizeGigabytes: image.size_gigabytes ?? 0, minDiskSize: image.min_disk_size ?? 0 };
      this.images.set(image.id, {
        id: image.id,
        name: image.name,
        distribution: image.distribution,
        description: image.description,
        tags,
        regions: [...image.regions],
        createdAt,
        minDiskSize: image.min_disk_size,
        sizeGigabytes: image.size_gigabytes,
        errorMessage: image.error_message,
        ...(image.status === "retired" ? { retired: true } : {}),
        import: { url, region: image.regions[0] ?? "", tags: [...tags], endsAt: createdAt, plan, outcome: "available", settled: true },
      });
      tags.forEach((tag) => this.noteTagged(tag, image.id));
      this.nextImageId = Math.max(this.nextImageId, image.id + 1);
    }
  }

  /** The image as GET would answer it now, even while it lingers deleted; undefined when gone. */
  peekImage(id: number): ImageWire | undefined {
    const now = this.settle();
    const image = this.visibleImage(id, now);
    return image ? this.wire(image, now) : undefined;
  }

  // ---- internals ----------------------------------------------------------------------------

  /** Applies everything that finished by now, at the moment it finished; returns now. */
  private settle(): number {
    const now = this.now;
    for (const image of this.images.values()) {
      const record = image.import;
      if (!record || record.settled || record.endsAt > now) continue;
      record.settled = true;
      if (image.deletedAt !== undefined && image.deletedAt <= record.endsAt) continue;
      if (record.plan.failure !== undefined) {
        // A failed import ends `deleted` with a readable `error_message` (SOURCE.md).
        record.outcome = "failed";
        image.deletedAt = record.endsAt;
        image.errorMessage = record.plan.failure;
      } else {
        record.outcome = "available";
        image.regions = [record.region, ...image.regions.filter((region) => region !== record.region)];
        image.minDiskSize = record.plan.minDiskSize;
        image.sizeGigabytes = record.plan.sizeGigabytes;
      }
    }
    for (const action of this.actions.values()) {
      if (action.settled || action.endsAt > now) continue;
      action.settled = true;
      const image = this.images.get(action.imageId);
      const alive = image && (image.deletedAt === undefined || image.deletedAt > action.endsAt);
      if (action.type === "transfer" && !action.fails && alive && !image.regions.includes(action.region)) image.regions.push(action.region);
    }
    return now;
  }

  /** The earliest image not deleted at `now` that carries one of the import markers in `tags`. */
  private markedEarlier(tags: readonly string[], now: number): number | undefined {
    const markers = tags.filter(isImportMarker).map(tagKey);
    if (markers.length === 0) return undefined;
    return this.customImages().find(
      (image) => statusOf(image, now) !== "deleted" && image.tags.some((tag) => markers.includes(tagKey(tag))),
    )?.id;
  }

  private customImages(): CustomImageRecord[] {
    return [...this.images.values()].filter(isCustom).sort((a, b) => a.id - b.id);
  }

  /** An image GET can see: not past its linger after deletion. */
  private visibleImage(id: number, now: number): ImageRecord | undefined {
    const image = this.images.get(id);
    if (!image) return undefined;
    if (image.deletedAt !== undefined && now >= image.deletedAt + this.options.deletedLingerMs) return undefined;
    return image;
  }

  /** A visible image of this account; DigitalOcean's public images can be read but not changed. */
  private ownImage(id: number, now: number): CustomImageRecord {
    const image = this.visibleImage(id, now);
    if (!image) throw ApiError.notFound();
    if (!isCustom(image)) throw new ApiError(403, "forbidden", "You are not allowed to modify DigitalOcean's public images.");
    return image;
  }

  private requireCustom(id: number): CustomImageRecord {
    const image = this.images.get(id);
    if (!image || !isCustom(image)) throw new Error(`The emulator has no custom image ${id}.`);
    return image;
  }

  private addAction(fields: Omit<ActionRecord, "id" | "settled">): ActionRecord {
    const action = { ...fields, id: this.nextActionId++, settled: false };
    this.actions.set(action.id, action);
    return action;
  }

  /** The tag's canonical name, creating it with this spelling if no capitalization of it exists. */
  private ensureTag(name: string): string {
    assertTagName(name);
    const key = tagKey(name);
    const tag = this.tags.get(key) ?? { name };
    this.tags.set(key, tag);
    return tag.name;
  }

  /** Canonical names, created as needed, each once: `["prod", "PROD"]` is one tag. */
  private canonicalTags(names: readonly string[]): string[] {
    return [...new Set(names.map((name) => this.ensureTag(name)))];
  }

  /**
   * A tag named in a URL must be spelt canonically: "if you create a tag named "PROD", the URL to
   * add that tag to a resource would be /v2/tags/PROD/resources (not /v2/tags/prod/resources)" (tags_create in the spec).
   */
  private tagInPath(name: string): string {
    const canonical = this.tags.get(tagKey(name))?.name;
    if (canonical !== name) throw ApiError.notFound();
    return canonical;
  }

  private noteTagged(name: string, imageId: number): void {
    const tag = this.tags.get(tagKey(name));
    if (tag) tag.lastTaggedImageId = imageId;
  }

  private wire(image: ImageRecord, now: number): ImageWire {
    return {
      id: image.id,
      name: image.name,
      type: image.public ? "snapshot" : "custom",
      distribution: image.distribution,
      slug: image.public?.slug ?? null,
      public: Boolean(image.public),
      regions: [...image.regions],
      created_at: isoSeconds(this.options.time.epochMs(image.createdAt)),
      min_disk_size: image.minDiskSize,
      size_gigabytes: image.sizeGigabytes,
      description: image.description,
      tags: [...image.tags],
      status: statusOf(image, now),
      error_message: image.errorMessage,
    };
  }

  private actionWire(action: ActionRecord, now: number): ActionWire {
    const done = now >= action.endsAt;
    return {
      id: action.id,
      status: !done ? "in-progress" : action.fails ? "errored" : "completed",
      type: action.type,
      started_at: isoSeconds(this.options.time.epochMs(action.startedAt)),
      completed_at: done ? isoSeconds(this.options.time.epochMs(action.endsAt)) : null,
      resource_id: action.imageId,
      resource_type: "image",
      ...this.shownRegion(action),
    };
  }

  /** The region a transfer action names, as `transferRegion` says (SOURCE.md: DigitalOcean does not document it). */
  private shownRegion(action: ActionRecord): Pick<ActionWire, "region" | "region_slug"> {
    const shown = this.options.transferRegion ?? "destination";
    if (action.type !== "transfer" || shown === "destination") return { region: regionWire(action.region), region_slug: action.region };
    const source = this.images.get(action.imageId)?.import?.region;
    return shown === "source" && source !== undefined ? { region: regionWire(source), region_slug: source } : { region_slug: null };
  }

  private tagWire(name: string, now: number): TagWire {
    const tagged = [...this.images.values()].filter((image) => image.tags.includes(name) && statusOf(image, now) !== "deleted");
    const lastId = this.tags.get(tagKey(name))?.lastTaggedImageId;
    const last =
      lastId !== undefined && tagged.some((image) => image.id === lastId)
        ? { last_tagged_uri: `${this.options.baseUrl()}/v2/images/${lastId}` }
        : {};
    const none = { count: 0 };
    return {
      name,
      resources: {
        count: tagged.length,
        ...last,
        droplets: none,
        images: { count: tagged.length, ...last },
        volumes: none,
        volume_snapshots: none,
        databases: none,
      },
    };
  }
}

function statusOf(image: ImageRecord, now: number): ImageStatus {
  if (image.deletedAt !== undefined && now >= image.deletedAt) return "deleted";
  if (image.retired) return "retired";
  const record = image.import;
  if (!record || record.settled || now >= record.endsAt) return "available";
  return now - image.createdAt < NEW_SHARE * record.plan.durationMs ? "NEW" : "pending";
}

function isCustom(image: ImageRecord): image is CustomImageRecord {
  return image.import !== undefined;
}

// The spec's tag pattern, which `images_create_custom` does not repeat for its `tags`.
function assertTagName(name: string): void {
  if (!TAG_PATTERN.test(name)) {
    throw ApiError.unprocessable(
      `tag name ${JSON.stringify(name)} is invalid: use letters, numbers, colons, dashes and underscores (at most 255).`,
    );
  }
}

function isDistribution(name: string): boolean {
  return (DISTRIBUTIONS as readonly string[]).includes(name);
}

// "Any other value will be accepted but ignored, and `Unknown` will be used in its place" (images_create_custom).
function storedDistribution(requested: string | undefined): string {
  return requested !== undefined && isDistribution(requested) ? requested : "Unknown";
}

function tagKey(name: string): string {
  return name.toLowerCase();
}
