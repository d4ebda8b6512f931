import { ImportFailedError } from "../client/errors";
import type { Action } from "../client/wire";
import type { Runtime } from "./lifecycle";

/**
 * Which running transfers of an image a transfer to `regions` must reckon with, and which of
 * `regions` are still to be transferred to.
 *
 * DigitalOcean does not document what a transfer action's `region_slug` names (see
 * packages/emulator/digitalocean-openapi/SOURCE.md): the region transferred to, as its 2014 fix of
 * digitalocean/api-v2#29 said, or nothing, as in the transfer digitalocean/doctl#196 printed. A
 * running transfer that names one of `regions` is taken as the transfer there. One that names none
 * of them may be going to any of them: starting another transfer there could meet DigitalOcean's
 * refusal of a second transfer to a region, or copy the image twice. So those are waited for
 * first (a failed one counts as ended), and the regions the image has by then are left out.
 */
export async function transfersUnderWay(
  runtime: Runtime,
  imageId: number,
  regions: readonly string[],
  running: readonly Action[],
  timeoutMs: number,
): Promise<{ regions: string[]; underWay: Map<string, Action> }> {
  const underWay = new Map<string, Action>();
  const unnamed: Action[] = [];
  for (const action of running) {
    if (action.regionSlug !== null && regions.includes(action.regionSlug) && !underWay.has(action.regionSlug))
      underWay.set(action.regionSlug, action);
    else unnamed.push(action);
  }
  if (unnamed.length === 0) return { regions: [...regions], underWay };
  runtime.log.info(
    `Waiting for ${unnamed.length} running transfer(s) of image ${imageId} (action ${unnamed.map((action) => action.id).join(", ")}) that name no region to be transferred to, before transferring it to ${regions.join(", ")}`,
  );
  await Promise.all(
    unnamed.map((action) =>
      runtime.waiter.waitForAction(imageId, action, transferDescription(imageId, action), { timeoutMs }).catch((error: unknown) => {
        if (!(error instanceof ImportFailedError)) throw error;
      }),
    ),
  );
  const image = await runtime.client.images.get(imageId);
  return { regions: regions.filter((region) => !image.regions.includes(region)), underWay };
}

/**
 * A running transfer as a wait names it: by the region its `region_slug` names, where it names one
 * (the destination, as far as DigitalOcean has said), else by the action's id.
 */
export function transferDescription(imageId: number, action: Action): string {
  return action.regionSlug ? `the transfer of image ${imageId} to ${action.regionSlug}` : `transfer ${action.id} of image ${imageId}`;
}
