/**
 * `diff`: compares a CustomImage's previous outputs with its checked inputs. Pure.
 *
 * The previous outputs come from `create`/`update` (the checked inputs as given, plus what
 * DigitalOcean computed) or from `read` after a refresh (DigitalOcean's live values: regions in
 * DigitalOcean's order, tags in their canonical spelling, `Unknown OS`, "" for no description).
 * Both must compare equal to unchanged inputs, or every preview would propose an update.
 *
 * Only `changes`, `replaces` and `deleteBeforeReplace` reach the engine from a dynamic provider
 * (detailed diffs and `stables` are dropped by @pulumi/pulumi's dynamic provider host).
 */
import type * as pulumi from "@pulumi/pulumi";
import { sameDistribution } from "./digitalocean-enums";
import { importing } from "./importing";
import { sameImageSource } from "./presigned-url";
import { tagIdentity } from "../client/tag-identity";
import {
  type CustomImageInputs,
  DEFAULT_CREATE_TIMEOUT_MINUTES,
  DEFAULT_DISTRIBUTION,
  DEFAULT_TRANSFER_TIMEOUT_MINUTES,
  UNKNOWN,
} from "./types";

/** What a change to one input requires. */
export type InputChange = "none" | "update" | "replace";

/** The inputs that differ, by what they require; `replaces` is a subset of `changes`. */
export interface InputChanges {
  changes: (keyof CustomImageInputs)[];
  replaces: (keyof CustomImageInputs)[];
}

/**
 * One comparison per input. `old` is `undefined` when the previous outputs lack the key (state
 * written by an older version); `news` is never UNKNOWN here, that case is decided by
 * `WHEN_UNKNOWN`. A missing old value never means replace: replacing an image re-imports it and
 * gives it a new id, which is too much to do for missing information. It is an update, which
 * records the value.
 */
const COMPARISONS: { readonly [P in keyof Required<CustomImageInputs>]: (old: unknown, news: unknown) => InputChange } = {
  url: compareUrl,
  regions: compareRegions,
  name: (old, news) => (old === news ? "none" : "update"),
  // DigitalOcean reports "" for an image without a description.
  description: (old, news) => ((old ?? "") === (news ?? "") ? "none" : "update"),
  distribution: compareDistribution,
  tags: compareTags,
  // Timeouts have no effect on DigitalOcean, but an update records them in the state, where a
  // resumed create and later updates read them. Reporting no change would keep the old ones.
  createTimeoutMinutes: (old, news) =>
    (old ?? DEFAULT_CREATE_TIMEOUT_MINUTES) === (news ?? DEFAULT_CREATE_TIMEOUT_MINUTES) ? "none" : "update",
  transferTimeoutMinutes: (old, news) =>
    (old ?? DEFAULT_TRANSFER_TIMEOUT_MINUTES) === (news ?? DEFAULT_TRANSFER_TIMEOUT_MINUTES) ? "none" : "update",
  // Credentials change nothing in DigitalOcean, but read and delete use the state's: a rotated
  // token is recorded by an update, or the next delete would send the revoked one.
  token: (old, news) => (old === news ? "none" : "update"),
  apiEndpoint: (old, news) => (old === news ? "none" : "update"),
};

/**
 * A value not known yet (preview) may turn out to differ. For the inputs whose change replaces
 * the image this must be shown as a replacement, since preview may not promise less than `up` does.
 */
const WHEN_UNKNOWN: { readonly [P in keyof Required<CustomImageInputs>]: InputChange } = {
  url: "replace",
  regions: "replace",
  name: "update",
  description: "update",
  distribution: "update",
  tags: "update",
  createTimeoutMinutes: "update",
  transferTimeoutMinutes: "update",
  token: "update",
  apiEndpoint: "update",
};

const INPUT_NAMES = Object.keys(COMPARISONS) as (keyof CustomImageInputs)[];

/**
 * The inputs that differ between previous outputs and checked inputs. `__provider` and the
 * output-only properties (imageId, status, ...) are not inputs and are ignored. `update` can use
 * this to learn what to do.
 */
export function changedInputs(olds: Record<string, unknown>, news: Record<string, unknown>): InputChanges {
  const result: InputChanges = { changes: [], replaces: [] };
  for (const property of INPUT_NAMES) {
    const newValue = news[property] ?? undefined;
    const change = containsUnknown(newValue) ? WHEN_UNKNOWN[property] : COMPARISONS[property](olds[property] ?? undefined, newValue);
    if (change !== "none") result.changes.push(property);
    if (change === "replace") result.replaces.push(property);
  }
  return result;
}

export function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): pulumi.dynamic.DiffResult {
  const { changes, replaces } = changedInputs(olds, news);
  // State that says the import was still running (a create whose wait ran out) asks for an update,
  // which waits for it: the engine calls `update` for a partial failure even without a change, but
  // a refresh clears the partial failure, and without this the next `up` would hand an image that
  // is not available yet to whatever uses it (https://github.com/pulumi/pulumi/blob/master/pkg/resource/deploy/step_generator.go,
  // "initialization errors").
  const resume = importing(olds["status"]);
  // The replacement is created before the old image is deleted, so the image stays available to
  // whatever uses it (DigitalOcean allows two images with one name).
  return { changes: changes.length > 0 || resume, replaces, deleteBeforeReplace: false };
}

/**
 * A new URL means a new image, unless it is the same object signed again: presigned URLs expire
 * and programs often sign a fresh one on every run. That is no change at all (not an update),
 * otherwise every run would propose one; the state keeps the URL the image was imported from.
 */
function compareUrl(old: unknown, news: unknown): InputChange {
  if (old === undefined) return "update";
  if (typeof old === "string" && typeof news === "string" && sameImageSource(old, news)) return "none";
  return "replace";
}

/**
 * Regions compare as sets. The first region only decides where the import runs; once imported,
 * an image in nyc3 and ams3 is the same whichever came first, and after a refresh DigitalOcean's
 * list does not even say which was first. So:
 * - a region missing from the new list means replace: DigitalOcean can transfer an image to a
 *   region but not remove it from one (as terraform-provider-digitalocean's ForceNewIfChange on
 *   removed regions, https://github.com/digitalocean/terraform-provider-digitalocean/blob/main/digitalocean/image/resource_custom_image.go);
 * - a new region, first or not, is an update: `update` transfers the image there. This is also how
 *   drift is repaired: a region the image lost is missing from the refreshed outputs, shows as an
 *   addition, and the update transfers the image back;
 * - the same set in another order is no change.
 * A region the image was transferred to outside Pulumi never reaches the outputs (`read` leaves
 * it out and warns, see `orderedRegions` in lifecycle.ts), so it cannot read here as a region the
 * program removed: only the program dropping a region it listed replaces the image.
 */
function compareRegions(old: unknown, news: unknown): InputChange {
  // `check` makes the new regions a list; state without one (older, or edited by hand) is updated.
  if (!Array.isArray(old) || !Array.isArray(news)) return "update";
  const oldRegions = new Set(old);
  const newRegions = new Set(news);
  if ([...oldRegions].some((region) => !newRegions.has(region))) return "replace";
  if ([...newRegions].some((region) => !oldRegions.has(region))) return "update";
  return "none";
}

/** DigitalOcean reports `Unknown OS` for what is sent as `Unknown`; both mean the default. */
function compareDistribution(old: unknown, news: unknown): InputChange {
  const [a, b] = [old ?? DEFAULT_DISTRIBUTION, news ?? DEFAULT_DISTRIBUTION];
  return typeof a === "string" && typeof b === "string" && sameDistribution(a, b) ? "none" : "update";
}

/**
 * Tags compare as sets of tag identities: DigitalOcean returns them in its own order and in each
 * tag's canonical capitalization. No tags, `null` (DigitalOcean's "no tags") and `[]` are equal.
 */
function compareTags(old: unknown, news: unknown): InputChange {
  const [a, b] = [old ?? [], news ?? []];
  // `check` makes the new tags a list of strings; state holding anything else (edited by hand) is updated.
  if (!Array.isArray(a) || !Array.isArray(b)) return "update";
  const identities = (tags: unknown[]) => new Set(tags.map((tag) => (typeof tag === "string" ? tagIdentity(tag) : tag)));
  const [oldTags, newTags] = [identities(a), identities(b)];
  const same = oldTags.size === newTags.size && [...oldTags].every((tag) => newTags.has(tag));
  return same ? "none" : "update";
}

function containsUnknown(value: unknown): boolean {
  return value === UNKNOWN || (Array.isArray(value) && value.includes(UNKNOWN));
}
