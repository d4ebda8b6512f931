import { MINUTE_MS } from "../client/clock";
import type { DigitalOceanClient } from "../client/digitalocean-client";
import {
  DigitalOceanError,
  ImageDeletedError,
  ImportFailedError,
  NetworkError,
  NotFoundError,
  ServerError,
  TimeoutError,
  ValidationError,
  WaitTimeoutError,
  errorMessage,
  formatDuration,
  retold,
} from "../client/errors";
import type { ImageWaiter } from "../client/image-waiter";
import type { Action, Image } from "../client/wire";
import { quoteText } from "../client/text";
import { sameDistribution } from "./digitalocean-enums";
import { redactUrl } from "../client/redact-urls";
import {
  type ImportScope,
  adoptLeftImage,
  deleteLateCopies,
  importMarked,
  importMarker,
  isImportMarker,
  removeMarker,
} from "./import-marker";
import { importing } from "./importing";
import { tagIdentity } from "../client/tag-identity";
import { transferDescription, transfersUnderWay } from "./transfers-under-way";
import {
  ADOPTING,
  type CustomImageInputs,
  type CustomImageOutputs,
  DEFAULT_CREATE_TIMEOUT_MINUTES,
  DEFAULT_TRANSFER_TIMEOUT_MINUTES,
} from "./types";

/**
 * create, read, update and delete of a custom image, as the provider calls them. The contract of
 * each follows `pulumi.dynamic.ResourceProvider` (https://www.pulumi.com/docs/iac/concepts/resources/dynamic-providers/):
 * `create` throws a plain error only when nothing exists in DigitalOcean; once an image exists it
 * throws a `ResourceInitError` carrying the image id, so Pulumi records the image instead of losing it.
 */
export interface ProviderLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface Runtime {
  client: DigitalOceanClient;
  waiter: ImageWaiter;
  log: ProviderLog;
}

/**
 * A create or update that failed after the image existed. The dynamic-provider host turns an error
 * with `id`, `properties` and `reasons` into `ErrorResourceInitFailed`, and the engine records the
 * resource with init errors; the next `pulumi up` calls `update`, which resumes.
 */
export class ResourceInitError extends Error {
  constructor(
    message: string,
    readonly id: string,
    readonly properties: object,
    readonly reasons: string[] = [message],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ResourceInitError";
  }
}

/**
 * Inputs as stored, then everything DigitalOcean computes; never an `undefined` value (it breaks gRPC structs).
 * `importRegion` is where the import runs, when the image may still be importing and the inputs'
 * first region may not be it (an update whose program put a new region first).
 */
export function toOutputs(inputs: Partial<CustomImageInputs>, image: Image, importRegion?: string): CustomImageOutputs {
  const wanted = inputs.regions ?? [];
  // An import still running lists no region yet; it is on its way to the first one. Only that
  // one is shown, never the regions it is still to be transferred to: state that claimed them
  // would, once a refresh cleared the partial failure, make the next `up` see nothing to do
  // (and dropping a region never reached propose a replacement).
  const regions = importing(image.status)
    ? importRegion === undefined
      ? (inputs.regions ?? image.regions).slice(0, 1)
      : [importRegion]
    : orderedRegions(wanted, image.regions);
  const outputs: Record<string, unknown> = {
    ...inputs,
    name: image.name,
    description: image.description,
    distribution: image.distribution,
    tags: image.tags.filter((tag) => !isImportMarker(tag)),
    regions,
    imageId: image.id,
    status: image.status,
    errorMessage: image.errorMessage,
    sizeGigabytes: image.sizeGigabytes,
    minDiskSize: image.minDiskSize,
    createdAt: image.createdAt,
    slug: image.slug,
    type: image.type,
    public: image.public,
    // The program's regions, kept while `regions` leaves some out (an import or a transfer still
    // under way when the image was recorded), so that `read` takes a region reached later for the
    // program's own, not for a transfer made outside Pulumi.
    requestedRegions: wanted.some((region) => !regions.includes(region)) ? wanted : undefined,
  };
  for (const [key, value] of Object.entries(outputs)) if (value === undefined) delete outputs[key];
  return outputs as unknown as CustomImageOutputs;
}

/**
 * The program's regions the image is in, in the program's order (DigitalOcean lists them in its
 * own). A region the image lost is left out, so that the next diff proposes transferring it back.
 * A region the program never listed (a transfer made outside Pulumi) is left out too, and kept
 * in DigitalOcean: reported, it would read as a region the program removed, and the next `up`
 * would replace the image (a new download, a new id) to drop a region nobody asked to drop.
 * `read` and `update` warn about such regions (`warnAboutExtraRegions`). Without program regions
 * (an image adopted by `CustomImage.get`) every live region is reported.
 */
function orderedRegions(wanted: string[], live: string[]): string[] {
  return wanted.length === 0 ? live : wanted.filter((region) => live.includes(region));
}

/** Regions the image is in that the program does not list (see `orderedRegions`), named once in a warning. */
function warnAboutExtraRegions(runtime: Runtime, inputs: Partial<Pick<CustomImageInputs, "name" | "regions">>, image: Image): void {
  const wanted = inputs.regions ?? [];
  const extra = wanted.length === 0 ? [] : image.regions.filter((region) => !wanted.includes(region));
  if (extra.length === 0) return;
  const regions =
    extra.length === 1
      ? `region ${extra[0]}, which the program does not list`
      : `regions ${extra.join(", ")}, which the program does not list`;
  runtime.log.warn(
    `${label({ name: inputs.name ?? image.name }, image.id)} is also in ${regions} (transferred outside Pulumi). ` +
      "It stays there and is left out of the `regions` output; add it to `regions` to manage it.",
  );
}

/** An image as log lines and errors name it; the name escaped, as an adopted image's name comes from DigitalOcean unchecked. */
export function label(inputs: Pick<CustomImageInputs, "name">, id?: number): string {
  return id === undefined ? `image ${quoteText(inputs.name)}` : `image ${quoteText(inputs.name)} (${id})`;
}

/**
 * The step that works once the image a stack records is gone. `update` cannot import it again in
 * place: Pulumi keeps the resource id an update was given (an update returns outputs only), and
 * `read` and `delete` use that id. A plain error from `update` keeps the old state, so every later
 * `up` would call `update` on the missing image again; a refresh, whose `read` finds it gone,
 * removes it from the stack, and the next `up` creates it.
 */
const REFRESH_THEN_UP = "`pulumi refresh` to remove it from the stack; the next `pulumi up` then imports it again.";

export async function create(runtime: Runtime, inputs: CustomImageInputs & ImportScope): Promise<{ id: string; outs: CustomImageOutputs }> {
  const [importRegion] = inputs.regions;
  const marker = importMarker(inputs);
  let found: { image: Image; history: ImageHistory };
  try {
    found = await adoptOrImport(runtime, inputs, marker);
  } catch (error) {
    // The user asked for an import; the listing that looks for an interrupted one first is this
    // provider's own business, so the message names the import whichever request failed.
    const what = `importing ${label(inputs)} from ${redactUrl(inputs.url)} into ${importRegion}`;
    throw error instanceof DigitalOceanError && error.method !== undefined ? error.restate(what) : withContext(error, what);
  }
  const { image, history } = found;
  let outs: CustomImageOutputs | undefined;
  let failure: unknown;
  try {
    outs = await converge(runtime, inputs, image, { history, recorded: false, importRegion: importRegion! });
  } catch (error) {
    failure = error;
  }
  await deleteLateCopies(runtime, image.id, marker, deleteImage);
  // Pulumi records the image as soon as this returns (or throws a partial failure), so the
  // marker must go first: a recorded image that still carried it could be adopted by a later
  // replacement. If DigitalOcean refused to remove it, the image stays unrecorded and the next
  // `pulumi up` adopts it.
  try {
    await removeMarker(runtime, image.id, marker);
  } catch (error) {
    // A plain failure left no image (a failed import, cleaned up): there is nothing to adopt, and
    // the reason (DigitalOcean's, for a failed import) is what the user needs. The marker tags
    // nothing now; the next import of this resource carries and removes it again.
    if (failure !== undefined && !(failure instanceof ResourceInitError)) {
      runtime.log.warn(
        `Could not remove the import marker tag ${marker}, which tags no image now (${errorMessage(error)}); the next \`pulumi up\` of this resource removes it`,
      );
      throw failure;
    }
    // A removal that got no answer may still be carried out (the request waited in a queue, a
    // gateway gave up on it): the image would then carry no marker and be in no state, found by
    // nothing. So it is recorded, as a partial failure: the next `pulumi up` updates it, and the
    // update removes every tag the program does not list, the marker too if it is still there.
    if (mayHaveActed(error)) {
      const unsure = `removing its import marker tag ${marker} got no clear answer (${errorMessage(error)}), so DigitalOcean may still carry it out`;
      if (failure instanceof ResourceInitError) {
        runtime.log.warn(
          `${label(inputs, image.id)}: ${unsure}; the next \`pulumi up\`, which resumes it, removes the marker if it is still there`,
        );
        throw failure;
      }
      throw new ResourceInitError(
        `${label(inputs, image.id)} is imported, but ${unsure}. Pulumi has recorded the image; run \`pulumi up\` again: it removes the marker if it is still there.`,
        String(image.id),
        outs!,
      );
    }
    throw new Error(
      `${label(inputs, image.id)} could not be handed to Pulumi: removing its import marker tag ${marker} failed (${errorMessage(error)}). ` +
        "Pulumi has not recorded the image; run `pulumi up` again with the same program: it adopts the image.",
    );
  }
  if (failure !== undefined) throw failure;
  return { id: String(image.id), outs: outs! };
}

/** Adopts the image an interrupted earlier create left behind (see import-marker.ts), or imports it. */
async function adoptOrImport(
  runtime: Runtime,
  inputs: CustomImageInputs,
  marker: string,
): Promise<{ image: Image; history: ImageHistory }> {
  const left = await adoptLeftImage(runtime.client, marker);
  if (left) {
    runtime.log.warn(
      `Adopting ${label(inputs, left.id)}, imported by an earlier run that was interrupted before Pulumi recorded it (status ${left.status})`,
    );
    return { image: left, history: "existing" };
  }
  // The marker is the only thing that is this resource's: after an ambiguous POST, an image with
  // the same name (another stack's, another resource's, the one a replacement replaces) is not.
  const image = await importMarked(
    runtime.client,
    {
      name: inputs.name,
      url: inputs.url,
      region: inputs.regions[0]!,
      distribution: inputs.distribution,
      description: inputs.description,
      tags: inputs.tags,
    },
    marker,
  );
  runtime.log.info(
    `Importing ${label(inputs, image.id)} into ${inputs.regions[0]}: DigitalOcean accepted the import (status ${image.status})`,
  );
  return { image, history: "fresh" };
}

/**
 * `fresh`: an image this call just imported, which has no transfers and no extra tags yet.
 * `existing`: an image that may have both (an update, or an interrupted create adopted).
 */
type ImageHistory = "fresh" | "existing";

interface ConvergeOptions {
  history: ImageHistory;
  /**
   * Pulumi's state already names the image (an update), so a failure is reported as such; a
   * create's image is recorded only by the partial failure `fail` throws.
   */
  recorded: boolean;
  /** The region the import went into, recorded while it runs (see `toOutputs`). */
  importRegion: string;
}

/**
 * Brings an existing image to the inputs: waits for the import if it is still running, applies
 * name/description/distribution with one PUT, the tag changes, and the missing regions by
 * parallel transfers. Used by `create` after the POST, and by `update`, which also resumes a
 * create that was interrupted (a timed-out wait recorded as a partial failure).
 */
export async function converge(
  runtime: Runtime,
  inputs: CustomImageInputs,
  image: Image,
  { history, recorded, importRegion }: ConvergeOptions,
): Promise<CustomImageOutputs> {
  const { client } = runtime;
  const fail = async (error: unknown, what: string, current: Image): Promise<never> => {
    const failure = withContext(error, `${what} ${label(inputs, current.id)}`);
    // Record the image as it is now (status, regions); the last answer is the fallback.
    const latest = await client.images.get(current.id).catch((lookup: unknown) => (lookup instanceof NotFoundError ? undefined : current));
    // Nothing is left to resume: saying "run `pulumi up` again to resume" would send the user into
    // a 404. A create throws a plain error, so that Pulumi records nothing, once a DELETE has made
    // sure of it (404s from a proxy would otherwise leave an image nobody knows); if that fails,
    // the image is recorded after all.
    const gone = error instanceof ImageDeletedError || latest === undefined || latest.status === "deleted";
    if (
      gone &&
      (recorded ||
        (await deleteImage(runtime, current.id).then(
          () => true,
          () => false,
        )))
    ) {
      const next = recorded ? `Run ${REFRESH_THEN_UP}` : "Nothing was recorded; run `pulumi up` again to import it again.";
      const why = error instanceof ImageDeletedError ? "" : " The image no longer exists: it was deleted outside Pulumi.";
      throw new ImageDeletedError(current.id, `${failure.message}.${why} ${next}`, undefined, { cause: error });
    }
    throw new ResourceInitError(
      `${failure.message}. Pulumi has recorded the image; run \`pulumi up\` again to resume.`,
      String(current.id),
      toOutputs(inputs, latest ?? current, importRegion),
      undefined,
      { cause: error },
    );
  };

  // A `retired` image was imported long ago: waiting would treat it as a failed import and delete it.
  if (image.status !== "available" && image.status !== "retired") {
    image = await waitForImport(runtime, inputs, image, recorded).catch((error: unknown) => {
      // A failed import has been cleaned up: nothing exists, so a plain error is the truth (an
      // update's keeps the old state, and its message says how to remove that).
      if (error instanceof ImportFailedError) throw error;
      return fail(error, "waiting for the import of", image);
    });
  }

  const changes: { name?: string; description?: string; distribution?: string } = {};
  if (image.name !== inputs.name) changes.name = inputs.name;
  // A description removed from the program is cleared, as DigitalOcean stores no description as "".
  const description = inputs.description ?? "";
  if (image.description !== description) changes.description = description;
  // DigitalOcean answers `Unknown OS` for the `Unknown` it was sent: no change to send.
  if (!sameDistribution(image.distribution, inputs.distribution)) changes.distribution = inputs.distribution;
  if (Object.keys(changes).length > 0) {
    image = await client.images.update(image.id, changes).catch((error: unknown) => fail(error, "updating", image));
  }

  // Tag names are case stable in DigitalOcean: `prod` and `PROD` are one tag.
  const wantedTags = inputs.tags ?? [];
  const has = (tags: string[], tag: string) => tags.some((other) => tagIdentity(other) === tagIdentity(tag));
  const tagsToAdd = wantedTags.filter((tag) => !has(image.tags, tag));
  const tagsToRemove = history === "existing" ? image.tags.filter((tag) => !has(wantedTags, tag)) : [];
  await setTags(runtime, image.id, tagsToAdd, tagsToRemove).catch((error: unknown) => fail(error, "tagging", image));

  const missing = inputs.regions.filter((region) => !image.regions.includes(region));
  if (missing.length > 0) {
    await transfer(runtime, inputs, image, missing, history).catch((error: unknown) => fail(error, "transferring", image));
  }

  if (tagsToAdd.length + tagsToRemove.length + missing.length > 0) {
    image = await client.images.get(image.id).catch((error: unknown) => fail(error, "reading", image));
  }
  // Deleted while its transfers ran, and still answering during DigitalOcean's linger.
  if (image.status === "deleted") return fail(new Error(`DigitalOcean reports the image as deleted`), "reading", image);
  return toOutputs(inputs, image, importRegion);
}

async function waitForImport(runtime: Runtime, inputs: CustomImageInputs, image: Image, recorded: boolean): Promise<Image> {
  const timeoutMs = (inputs.createTimeoutMinutes ?? DEFAULT_CREATE_TIMEOUT_MINUTES) * MINUTE_MS;
  try {
    return await runtime.waiter.waitForImage(
      image.id,
      {
        timeoutMs,
        onProgress: (status, elapsedMs) =>
          runtime.log.info(`Importing ${label(inputs, image.id)}: ${status} after ${formatDuration(elapsedMs)}`),
      },
      image.status,
    );
  } catch (error) {
    if (!(error instanceof ImportFailedError)) throw error;
    // DigitalOcean leaves a failed import behind as `deleted`; delete it for good before reporting,
    // so that nothing Pulumi does not know about remains.
    await deleteImage(runtime, image.id).catch((cleanup: unknown) =>
      runtime.log.warn(`Could not delete failed import ${image.id}: ${String(cleanup)}`),
    );
    // Only DigitalOcean's own reason (error_message) says something about the url. An update
    // (a resumed create) cannot import it again (see REFRESH_THEN_UP).
    const next = recorded
      ? `Nothing was left behind. ${error.apiMessage ? "Check the url, then run" : "Run"} ${REFRESH_THEN_UP}`
      : error.apiMessage
        ? "Nothing was left behind; check the url, then run `pulumi up` again."
        : "Nothing was left behind; run `pulumi up` again to import it anew.";
    throw new ImportFailedError(image.id, `${error.message.replace(/\.+$/, "")}. ${next}`, error.apiMessage, { cause: error });
  }
}

async function setTags(runtime: Runtime, imageId: number, add: string[], remove: string[]): Promise<void> {
  const resources = [{ resourceId: imageId, resourceType: "image" as const }];
  await Promise.all([
    ...add.map(async (tag) => {
      // A tag that exists in another capitalization keeps it, and URLs must use it: assigning
      // `prod` to an existing `PROD` is `POST /v2/tags/PROD/resources` (tags_create in DigitalOcean's spec).
      const { name } = await runtime.client.tags.create(tag);
      await runtime.client.tags.assignResources(name, resources);
    }),
    ...remove.map((tag) =>
      runtime.client.tags.unassignResources(tag, resources).catch((error: unknown) => {
        if (!(error instanceof NotFoundError)) throw error;
      }),
    ),
  ]);
}

/**
 * Transfers run in parallel: DigitalOcean copies to each region independently. An update may find
 * a transfer already under way (started by a create whose wait ran out of time): it waits for
 * that one, because DigitalOcean refuses a second transfer to the same region.
 */
async function transfer(
  runtime: Runtime,
  inputs: CustomImageInputs,
  image: Image,
  regions: string[],
  history: ImageHistory,
): Promise<void> {
  const timeoutMs = (inputs.transferTimeoutMinutes ?? DEFAULT_TRANSFER_TIMEOUT_MINUTES) * MINUTE_MS;
  const running = history === "existing" ? await runningTransfers(runtime, image.id) : [];
  const toTransfer = await transfersUnderWay(runtime, image.id, regions, running, timeoutMs);
  const results = await Promise.allSettled(
    toTransfer.regions.map(async (region) => {
      const underWay = toTransfer.underWay.get(region);
      const action = underWay ?? (await runtime.client.imageActions.transfer(image.id, region));
      runtime.log.info(
        `Transferring ${label(inputs, image.id)} to ${region} (action ${action.id}${underWay ? ", already under way" : ""})`,
      );
      await runtime.waiter.waitForAction(image.id, action, `the transfer of image ${image.id} to ${region}`, {
        timeoutMs,
        onProgress: (status, elapsedMs) =>
          runtime.log.info(`Transferring ${label(inputs, image.id)} to ${region}: ${status} after ${formatDuration(elapsedMs)}`),
      });
    }),
  );
  const failures = results
    .filter((result): result is PromiseRejectedResult => result.status === "rejected")
    .map((failure) => failure.reason as unknown);
  const deleted = failures.find((failure) => failure instanceof ImageDeletedError);
  if (deleted) throw deleted;
  if (failures.length > 0) throw new Error(failures.map(errorMessage).join("; "));
}

/**
 * A refresh (`props` are the recorded outputs) reports a missing image as gone: no id, and the
 * engine drops it from the stack. A `CustomImage.get` (`props` are the program's, marked with
 * `ADOPTING`) fails instead: the engine takes an answer without id there as success (pulumi
 * 3.274's `up` exits 0), and the program would go on with an image that does not exist.
 */
export async function read(
  runtime: Runtime,
  id: string,
  props: Partial<CustomImageOutputs> & { [ADOPTING]?: unknown },
): Promise<{ id?: string; props: Partial<CustomImageOutputs> }> {
  const { imageId: _imageId, [ADOPTING]: adopting, requestedRegions, ...recorded } = props;
  // A partial failure recorded only the regions reached then; the program's are in `requestedRegions`.
  const inputs = requestedRegions ? { ...recorded, regions: requestedRegions } : recorded;
  const gone = (cause?: NotFoundError): { props: Partial<CustomImageOutputs> } => {
    if (adopting !== true) return { props: {} };
    const what = `CustomImage.get found no image ${id}`;
    const advice = "Check the id: `doctl compute image list-user` lists the account's custom images.";
    if (!cause) throw new NotFoundError({}, `${what}: DigitalOcean reports it as deleted. ${advice}`);
    // The 404 keeps its method, path and request id; its message names the lookup.
    throw retold(cause, `${what}: ${cause.message.replace(/\.$/, "")}. ${advice}`);
  };
  let image: Image;
  try {
    image = await runtime.client.images.get(Number(id));
  } catch (error) {
    if (error instanceof NotFoundError) return gone(error);
    throw withContext(error, `reading image ${id}`);
  }
  // DigitalOcean keeps answering for a deleted image for a while: it is gone all the same.
  if (image.status === "deleted") return gone();
  warnAboutExtraRegions(runtime, inputs, image);
  // An import still running shows no region in DigitalOcean's answer: the state names where it runs.
  return { id, props: toOutputs(inputs, image, recordedImportRegion(recorded)) };
}

/**
 * The first region of `recorded` outputs: while the import runs, the region it runs in, which the
 * program may no longer list first. Undefined for state edited by hand to hold something else.
 */
function recordedImportRegion(recorded: Partial<CustomImageOutputs>): string | undefined {
  const [first] = Array.isArray(recorded.regions) ? recorded.regions : [];
  return typeof first === "string" ? first : undefined;
}

/**
 * `recorded`: the resource's outputs in the state. While the import runs they name the region it
 * runs in, which the program may no longer list first.
 */
export async function update(
  runtime: Runtime,
  id: string,
  inputs: CustomImageInputs,
  recorded: Partial<CustomImageOutputs> = {},
): Promise<CustomImageOutputs> {
  let image: Image;
  try {
    image = await runtime.client.images.get(Number(id));
  } catch (error) {
    const what = `updating ${label(inputs, Number(id))}`;
    if (!(error instanceof NotFoundError)) throw withContext(error, what);
    throw retold(
      error,
      `${what}: ${error.message}. The image no longer exists (deleted outside Pulumi, or a failed import DigitalOcean has removed). Run ${REFRESH_THEN_UP}`,
    );
  }
  warnAboutExtraRegions(runtime, inputs, image);
  // State edited by hand may hold anything; the program's first region is the best guess then.
  const importRegion = recordedImportRegion(recorded) ?? inputs.regions[0]!;
  return converge(runtime, inputs, image, { history: "existing", recorded: true, importRegion });
}

/**
 * A 404, or DigitalOcean's "already deleted" answer, means the image is gone: success. DigitalOcean
 * does not document whether it deletes an image whose import or transfer is still running; should
 * it refuse (a 4xx), the import or transfers are waited for, as long as a create would wait for
 * them, and the image is deleted then.
 */
export async function deleteImage(runtime: Runtime, id: number, waitedForWork = false): Promise<void> {
  try {
    await runtime.client.images.delete(id);
  } catch (error) {
    if (error instanceof NotFoundError) return;
    if (error instanceof ValidationError && /already deleted/i.test(error.apiMessage ?? "")) return;
    // After a timeout, a reset or a 5xx DigitalOcean may have deleted it all the same: look.
    if (mayHaveActed(error)) {
      const gone = await runtime.client.images.get(id).then(
        (image) => image.status === "deleted",
        (lookup: unknown) => lookup instanceof NotFoundError,
      );
      if (gone) return;
    }
    if (error instanceof ValidationError && !waitedForWork) {
      const waited = await waitForWorkUnderWay(runtime, id, error).catch((lookup: unknown) => {
        if (lookup instanceof NotFoundError) return true;
        throw withContext(lookup, `deleting image ${id}`);
      });
      if (waited) return deleteImage(runtime, id, true);
    }
    throw withContext(error, `deleting image ${id}`);
  }
}

/** Whether DigitalOcean may have carried out a request that failed: it got no answer (a timeout, a reset), or a 5xx (a gateway that gave up on it). */
function mayHaveActed(error: unknown): boolean {
  return error instanceof TimeoutError || error instanceof NetworkError || error instanceof ServerError;
}

/** Waits for the import and transfers of an image that DigitalOcean refused to delete; false when none runs. */
async function waitForWorkUnderWay(runtime: Runtime, id: number, refusal: ValidationError): Promise<boolean> {
  const image = await runtime.client.images.get(id);
  const transfers = await runningTransfers(runtime, id);
  if (!importing(image.status) && transfers.length === 0) return false;
  const work = importing(image.status) ? "its import" : `${transfers.length} transfer(s)`;
  runtime.log.info(
    `DigitalOcean refused to delete image ${id} (${refusal.apiMessage ?? refusal.message}) while ${work} ran: waiting for ${work} to end, then deleting it`,
  );
  const log = (status: string, elapsedMs: number) =>
    runtime.log.info(`Waiting to delete image ${id}: ${status} after ${formatDuration(elapsedMs)}`);
  // An import that fails ends the image too; either way it can be deleted then.
  if (importing(image.status))
    await runtime.waiter
      .waitForImage(id, { timeoutMs: DEFAULT_CREATE_TIMEOUT_MINUTES * MINUTE_MS, onProgress: log }, image.status)
      .catch(endedOrRethrow);
  await Promise.all(
    transfers.map((action) =>
      runtime.waiter
        .waitForAction(id, action, transferDescription(id, action), {
          timeoutMs: DEFAULT_TRANSFER_TIMEOUT_MINUTES * MINUTE_MS,
          onProgress: log,
        })
        .catch(endedOrRethrow),
    ),
  );
  return true;
}

/** The image's transfers that DigitalOcean reports as still running. */
async function runningTransfers(runtime: Runtime, imageId: number): Promise<Action[]> {
  return (await runtime.client.imageActions.list(imageId)).filter(
    (action) => action.type === "transfer" && action.status === "in-progress",
  );
}

/** A wait that ended because the import or transfer failed, or the image went: nothing runs any more. */
function endedOrRethrow(error: unknown): void {
  if (!(error instanceof ImportFailedError || error instanceof ImageDeletedError)) throw error;
}

/** Names what was being done, keeping the error's class and code (see `retold`); waits already name their image. */
function withContext(error: unknown, what: string): Error {
  if (error instanceof WaitTimeoutError || error instanceof ImportFailedError) return error;
  if (error instanceof DigitalOceanError) return retold(error, `${what}: ${error.message}`);
  return new Error(`${what}: ${errorMessage(error)}`, { cause: error });
}
