import * as pulumi from "@pulumi/pulumi";
import type { DigitalOceanClient } from "./client/digitalocean-client";
import type { Image } from "./client/wire";
import { programClient } from "./program-client";

export interface ImageFilter {
  /** Any image field, camelCase (`name`, `distribution`, `regions`, `tags`, `status`, ...). */
  key: string;
  /** The image matches when its field equals (or, for list fields, contains) any of these. */
  values: (string | number | boolean)[];
  /** `exact` (default), `substring`, or `re` (values are regular expressions). */
  match?: "exact" | "substring" | "re";
  /** Require every value to match instead of any. */
  all?: boolean;
}

export interface ImageSort {
  key: string;
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
}

export interface GetImagesResult {
  images: Image[];
}

/** Every image matching the API's filters and then the client-side filters, sorted; pages through everything. */
export async function getImages(args: GetImagesArgs = {}, client: DigitalOceanClient = programClient()): Promise<GetImagesResult> {
  const images = await client.images.list({ type: args.type, private: args.private, tagName: args.tagName });
  const filtered = images.filter((image) => (args.filters ?? []).every((filter) => matchesFilter(image, filter)));
  const sorts = args.sorts ?? [];
  filtered.sort((a, b) => {
    for (const sort of sorts) {
      const order = compare(a[sort.key], b[sort.key]) * (sort.direction === "desc" ? -1 : 1);
      if (order !== 0) return order;
    }
    return 0;
  });
  return { images: filtered };
}

/** `getImages`'s arguments as Pulumi Inputs. */
export type GetImagesOutputArgs = { [K in keyof GetImagesArgs]?: pulumi.Input<GetImagesArgs[K]> };

/** `getImages` for Output arguments (Pulumi's convention for functions). */
export function getImagesOutput(args: GetImagesOutputArgs = {}): pulumi.Output<GetImagesResult> {
  return pulumi.output(args).apply((resolved) => getImages(resolved as GetImagesArgs));
}

function matchesFilter(image: Image, filter: ImageFilter): boolean {
  if (!(filter.key in image)) throw new Error(`getImages: unknown filter key "${filter.key}"; image fields are ${Object.keys(image).join(", ")}`);
  const field = image[filter.key];
  const candidates = Array.isArray(field) ? field : [field];
  const test = (value: string | number | boolean) =>
    candidates.some((candidate) => {
      const text = String(candidate);
      if (filter.match === "substring") return text.includes(String(value));
      if (filter.match === "re") return new RegExp(String(value)).test(text);
      return text === String(value);
    });
  return filter.all ? filter.values.every(test) : filter.values.some(test);
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}
