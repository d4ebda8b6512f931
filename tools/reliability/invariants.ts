import { isImportMarker } from "../../src/provider/import-marker";
import type { AuditEntry, DuplicateImport, Emulator } from "pulumi-digitalocean-custom-image-emulator";
import type { ResourceState } from "./engine";

/**
 * What "never lose track of an image, never create one twice" means, checked against the
 * emulator's audit of every image ever created: no image alive that no state names (an orphan),
 * no import repeated while an earlier one of the same name and URL was alive (a duplicate), and
 * no state naming an image that is gone.
 */
export interface Accounting {
  /** Images not deleted that no state names. */
  orphans: AuditEntry[];
  duplicates: DuplicateImport[];
  /** Ids the state names whose image is gone or deleted. */
  lost: number[];
}

/**
 * `scope` limits the audit to one suite's or one cell's images (by their current name).
 * `replacements`: a replacement is created before its original is deleted, so the emulator counts
 * it as a repeated import; those the engine made on purpose are not duplicates.
 */
export function accounting(
  emulator: Emulator,
  stateIds: Iterable<number>,
  scope: (name: string) => boolean = () => true,
  replacements: readonly { original: number; replacement: number }[] = [],
): Accounting {
  const ids = new Set(stateIds);
  const audit = emulator.audit().filter((entry) => scope(entry.name));
  return {
    orphans: audit.filter((entry) => entry.status !== "deleted" && !ids.has(entry.id)),
    duplicates: emulator
      .duplicates()
      .filter(
        (duplicate) =>
          scope(duplicate.name) &&
          !replacements.some((pair) => pair.original === duplicate.duplicateOf && pair.replacement === duplicate.id),
      ),
    lost: [...ids].filter((id) => {
      const image = emulator.getImage(id);
      return !image || image.status === "deleted";
    }),
  };
}

/** Each problem as a sentence; empty when the account and the state agree. */
export function accountingProblems(result: Accounting): string[] {
  return [
    ...result.orphans.map((entry) => `orphan: image ${entry.id} "${entry.name}" (${entry.status}) is in no state`),
    ...result.duplicates.map((duplicate) => `duplicate: image ${duplicate.id} repeats ${duplicate.duplicateOf} ("${duplicate.name}")`),
    ...result.lost.map((id) => `lost: the state names image ${id}, which is gone`),
  ];
}

/**
 * Fields of a resource's outputs that differ from the image in the emulator (regions and tags as
 * sets, import markers left out). Used after a step that succeeded, when they must agree.
 */
export function stateDisagreements(emulator: Emulator, resource: ResourceState): string[] {
  const image = emulator.getImage(Number(resource.id));
  if (!image) return [`image ${resource.id} does not exist`];
  const problems: string[] = [];
  const outputs = resource.outputs;
  for (const field of ["name", "description", "distribution"] as const) {
    if (outputs[field] !== image[field])
      problems.push(`${field}: state ${JSON.stringify(outputs[field])}, DigitalOcean ${JSON.stringify(image[field])}`);
  }
  const set = (value: unknown) =>
    Array.isArray(value) ? [...new Set(value.map(String))].filter((tag) => !isImportMarker(tag)).sort() : [];
  for (const field of ["regions", "tags"] as const) {
    const ours = set(outputs[field]);
    const theirs = set(image[field]);
    if (JSON.stringify(ours) !== JSON.stringify(theirs))
      problems.push(`${field}: state ${JSON.stringify(ours)}, DigitalOcean ${JSON.stringify(theirs)}`);
  }
  if (outputs.imageId !== image.id) problems.push(`imageId: state ${JSON.stringify(outputs.imageId)}, DigitalOcean ${image.id}`);
  if (outputs.status !== image.status) problems.push(`status: state ${JSON.stringify(outputs.status)}, DigitalOcean ${image.status}`);
  const markers = image.tags.filter(isImportMarker);
  if (markers.length > 0) problems.push(`the image still carries the import marker ${markers.join(", ")}`);
  return problems;
}

/** The stack and resource whose create imported an image, known by the import marker its POST carried. */
export interface Owner {
  stack: string;
  resource: string;
}

/** An image a stack's state names for one of its resources (`pending`: an original awaiting deletion). */
export interface Claim extends Owner {
  id: number;
  pending: boolean;
}

/**
 * Whose images are whose, for several stacks against one account: "each live image is in exactly
 * one stack's state or on its way out, no resource imports twice, and each stack's state names
 * only its own images". `owners` maps each import marker the programs produced to its resource.
 */
export interface Ownership {
  /** A state names an image that another stack's or another resource's create imported. */
  foreign: string[];
  /** An image named by more than one state entry. */
  shared: string[];
  /** Live images no state names and no marker leads back to. */
  orphans: { entry: AuditEntry; owner?: Owner }[];
  /** Live images no state names that still carry an import marker: the next `up` of their resource adopts them. */
  awaitingAdoption: { entry: AuditEntry; owner?: Owner; marker: string }[];
  /**
   * Two live images of one resource with the same name and URL, neither made by an engine
   * replacement of the other, the earlier not awaiting deletion in the resource's state.
   */
  duplicates: (DuplicateImport & { owner: Owner })[];
}

export function ownership(
  emulator: Emulator,
  claims: readonly Claim[],
  owners: ReadonlyMap<string, Owner>,
  replacements: readonly { original: number; replacement: number }[],
): Ownership {
  const audit = emulator.audit();
  const byId = new Map(audit.map((entry) => [entry.id, entry]));
  const ownerOf = (entry: AuditEntry | undefined): Owner | undefined => {
    const known = entry?.importTags.filter(isImportMarker).map((marker) => owners.get(marker));
    return known?.find((owner) => owner !== undefined);
  };
  const same = (a: Owner | undefined, b: Owner | undefined) =>
    a !== undefined && b !== undefined && a.stack === b.stack && a.resource === b.resource;
  const who = (owner: Owner | undefined) => (owner ? `${owner.stack}/${owner.resource}` : "no known resource");

  const foreign = claims
    .filter((claim) => !same(ownerOf(byId.get(claim.id)), claim))
    .map(
      (claim) =>
        `${claim.stack}/${claim.resource} names image ${claim.id}${claim.pending ? " (pending delete)" : ""}, imported by ${byId.has(claim.id) ? who(ownerOf(byId.get(claim.id))) : "nobody (no such image)"}`,
    );
  const counts = new Map<number, Claim[]>();
  for (const claim of claims) counts.set(claim.id, [...(counts.get(claim.id) ?? []), claim]);
  const shared = [...counts]
    .filter(([, named]) => named.length > 1)
    .map(
      ([id, named]) =>
        `image ${id} is named by ${named.map((claim) => `${claim.stack}/${claim.resource}${claim.pending ? " (pending delete)" : ""}`).join(" and ")}`,
    );

  const claimed = new Set(claims.map((claim) => claim.id));
  const unclaimed = audit.filter((entry) => entry.status !== "deleted" && !claimed.has(entry.id));
  const orphans: Ownership["orphans"] = [];
  const awaitingAdoption: Ownership["awaitingAdoption"] = [];
  for (const entry of unclaimed) {
    const marker = emulator.getImage(entry.id)?.tags.find(isImportMarker);
    if (marker === undefined) orphans.push({ entry, owner: ownerOf(entry) });
    else awaitingAdoption.push({ entry, owner: ownerOf(entry), marker });
  }

  const alive = (id: number) => byId.get(id)?.status !== "deleted";
  const duplicates = emulator.duplicates().flatMap((duplicate) => {
    // A second import that is gone again (a replacement whose create failed, a late copy deleted) holds nothing.
    if (!alive(duplicate.id) || !alive(duplicate.duplicateOf)) return [];
    const owner = ownerOf(byId.get(duplicate.id));
    if (!owner || !same(owner, ownerOf(byId.get(duplicate.duplicateOf)))) return [];
    if (replacements.some((pair) => pair.original === duplicate.duplicateOf && pair.replacement === duplicate.id)) return [];
    // An original its resource's state keeps pending deletion (Pulumi's `Delete: true`) is on its
    // way out whatever became of the replacement that replaced it: Pulumi deletes it after the next
    // `up` whose program succeeds (step_generator.go GenerateDeletes), or at destroy. An image the
    // resource imports meanwhile, once that replacement is gone (deleted outside Pulumi, then
    // dropped by a refresh), is the engine's create, not a second import of the provider's.
    if (claims.some((claim) => claim.pending && claim.id === duplicate.duplicateOf && same(claim, owner))) return [];
    return [{ ...duplicate, owner }];
  });
  return { foreign, shared, orphans, awaitingAdoption, duplicates };
}
