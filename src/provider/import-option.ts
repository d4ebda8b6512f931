/**
 * The `import` resource option of a CustomImage, as `check` and `diff` see it: pure. CustomImage
 * passes the option's id as the input `IMPORT_ID` (see adopt.ts for why).
 */
import { describeType, quoteText } from "../client/text";
import { IMPORT_ID, UNKNOWN } from "./types";

/** What the id of the `import` option may be: DigitalOcean's image ids are positive integers. */
const IMAGE_ID_PATTERN = /^[1-9][0-9]{0,15}$/;

export const LIST_IMAGES = "`doctl compute image list-user` lists the account's custom images";

/** A check failure for an `import` option that is no image id, or `undefined`. */
export function checkImportId(news: Record<string, unknown>): string | undefined {
  const value = news[IMPORT_ID];
  if (value === undefined || value === UNKNOWN) return undefined;
  if ((typeof value === "string" || typeof value === "number") && IMAGE_ID_PATTERN.test(String(value))) return undefined;
  return `the import resource option must be the id of a DigitalOcean custom image (a positive integer such as "123456789"), got ${typeof value === "string" ? quoteText(value) : describeType(value)}; ${LIST_IMAGES}`;
}

/**
 * The engine would create a replacement with the same inputs, and that create would adopt the
 * image the old resource holds, which the engine then deletes: Pulumi refuses the same for its
 * own imports ("previously-imported resources that still specify an ID may not be replaced").
 */
export function refuseReplacingAdopted(news: Record<string, unknown>, replaces: readonly string[]): void {
  if (news[IMPORT_ID] === undefined || replaces.length === 0) return;
  throw new Error(
    `Changing ${replaces.join(" and ")} replaces the image, but the resource still has the import option (id ${String(news[IMPORT_ID])}): ` +
      "remove `import` from its resource options, then run `pulumi up` again.",
  );
}
