import * as pulumi from "@pulumi/pulumi";
import type { RE2JS } from "re2js";
import type { DigitalOceanClient } from "./client/digitalocean-client";
import { IMAGE_FIELDS, type Image, type ImageField } from "./client/wire";
import { accountOf, lookupOutput } from "./lookup-output";
import { programClient } from "./program-client";

export interface ImageFilter {
  /** An image field, camelCase (`name`, `distribution`, `regions`, `tags`, `status`, ...: `IMAGE_FIELDS`). */
  key: ImageField;
  /** The image matches when its field equals (or, for list fields, contains) any of these. */
  values: (string | number | boolean)[];
  /**
   * `exact` (default), `substring`, or `re`: values are RE2 regular expressions, matched anywhere
   * in the field (anchor with `^`/`$`), in time linear in the field's length; RE2 has no
   * backreferences or lookaround (https://github.com/google/re2/wiki/Syntax).
   */
  match?: "exact" | "substring" | "re";
  /** Require every value to match instead of any. */
  all?: boolean;
}

export interface ImageSort {
  /** An image field, camelCase (`IMAGE_FIELDS`). */
  key: ImageField;
  /** `asc` (default) or `desc`. */
  direction?: "asc" | "desc";
}

export interface GetImagesArgs {
  /** DigitalOcean's own filters, applied by the API. */
  type?: "distribution" | "application";
  private?: boolean;
  tagName?: string;
  /** Client-side filters, all of which must match. */
  filters?: ImageFilter[];
  /** Client-side sort keys, first one first. */
  sorts?: ImageSort[];
  /** A token for another account than the stack's, as CustomImage's `token` (a secret in the Output form, which does not make the result secret). */
  token?: string;
  /** The API endpoint for `token`; only with `token`. */
  apiEndpoint?: string;
}

export interface GetImagesResult {
  /** The matching images, sorted by `sorts` (else in DigitalOcean's order); `[]` when none match. */
  images: Image[];
}

/**
 * Every image matching the API's filters and then the client-side filters, sorted; pages through
 * everything. Filters and sorts are checked before any request: a key that is not an image field
 * would otherwise match nothing, silently.
 */
export async function getImages(args: GetImagesArgs = {}, client?: DigitalOceanClient): Promise<GetImagesResult> {
  const filters = (args.filters ?? []).map(compileFilter);
  const sorts = (args.sorts ?? []).map(checkSort);
  client ??= programClient(accountOf("getImages", args));
  const images = await client.images.list({ type: args.type, private: args.private, tagName: args.tagName });
  const keyed = images
    .filter((image) => filters.every((filter) => filter(image)))
    .map((image) => ({ image, keys: sorts.map((sort) => image[sort.key]) }));
  keyed.sort((a, b) => {
    for (const [index, sort] of sorts.entries()) {
      const order = compare(a.keys[index], b.keys[index]) * (sort.direction === "desc" ? -1 : 1);
      if (order !== 0) return order;
    }
    return 0;
  });
  return { images: keyed.map(({ image }) => image) };
}

/** `getImages`'s arguments as Pulumi Inputs. */
export type GetImagesOutputArgs = { [K in keyof GetImagesArgs]?: pulumi.Input<GetImagesArgs[K]> };

/**
 * `getImages` for Output arguments (Pulumi's convention for functions). `opts.dependsOn` delays the
 * lookup until those resources exist (see lookup-output.ts); a failed lookup fails the program
 * with one line, the error's message, as a `pulumi.RunError`.
 */
export function getImagesOutput(args: GetImagesOutputArgs = {}, opts?: pulumi.InvokeOutputOptions): pulumi.Output<GetImagesResult> {
  return lookupOutput("getImages", args, opts, (resolved: GetImagesArgs) => getImages(resolved));
}

const MATCHES = ["exact", "substring", "re"] as const;

/**
 * A filter as a predicate, checked and compiled before any request. Patterns run on RE2 (re2js, a
 * pure JavaScript port): a backtracking `RegExp` takes exponential time on patterns such as
 * `^(a+)+$`, and the names it would run on come from the API.
 */
function compileFilter(filter: ImageFilter, index: number): (image: Image) => boolean {
  const where = `getImages: filters[${index}]`;
  const key = imageField(filter?.key, `filters[${index}]`);
  const match = filter.match ?? "exact";
  if (!MATCHES.includes(match)) throw new Error(`${where}.match must be one of ${MATCHES.join(", ")}, got ${JSON.stringify(match)}`);
  if (!Array.isArray(filter.values)) throw new Error(`${where}.values must be a list`);
  const tests = filter.values.map((value, valueIndex): ((text: string) => boolean) => {
    const wanted = String(value);
    if (match === "substring") return (text) => text.includes(wanted);
    if (match === "exact") return (text) => text === wanted;
    try {
      const pattern = loadRe2().compile(wanted);
      return (text) => pattern.test(text);
    } catch (error) {
      throw new Error(
        `${where}.values[${valueIndex}] is not an RE2 regular expression (no backreferences or lookaround): ${(error as Error).message}`,
      );
    }
  });
  return (image) => {
    const value = image[key];
    const candidates = (Array.isArray(value) ? value : [value]).map(String);
    const test = (matches: (text: string) => boolean) => candidates.some(matches);
    return filter.all ? tests.every(test) : tests.some(test);
  };
}

const DIRECTIONS = ["asc", "desc"] as const;

function checkSort(sort: ImageSort, index: number): ImageSort {
  const key = imageField(sort?.key, `sorts[${index}]`);
  if (sort.direction !== undefined && !DIRECTIONS.includes(sort.direction))
    throw new Error(`getImages: sorts[${index}].direction must be one of ${DIRECTIONS.join(", ")}, got ${JSON.stringify(sort.direction)}`);
  return { key, direction: sort.direction };
}

/** `key` if it names an image field (never an inherited property such as `constructor` or `__proto__`). */
function imageField(key: unknown, where: string): ImageField {
  if (typeof key === "string" && (IMAGE_FIELDS as readonly string[]).includes(key)) return key as ImageField;
  const given = typeof key === "string" ? `unknown key "${key}"` : "key must be the name of an image field";
  throw new Error(`getImages: ${where}: ${given}; image fields are ${IMAGE_FIELDS.join(", ")}`);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

/** re2js, loaded by the first `re` filter: every program that imports this package would otherwise load it (tools/anchor/README.md). */
function loadRe2(): typeof RE2JS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return (require("re2js") as { RE2JS: typeof RE2JS }).RE2JS;
}
