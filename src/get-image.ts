import * as pulumi from "@pulumi/pulumi";
import type { DigitalOceanClient } from "./client/digitalocean-client";
import type { Image } from "./client/wire";
import { accountOf, lookupOutput } from "./lookup-output";
import { programClient } from "./program-client";

/** Where `getImage` looks for an image by name. */
export type ImageSource = "user" | "distributions" | "applications" | "all";

export interface GetImageArgs {
  /** Numeric image id. */
  id?: number;
  /** Slug of a public image, e.g. `ubuntu-24-04-x64`. */
  slug?: string;
  /** Exact image name; must match exactly one image in `source`. */
  name?: string;
  /** Where to look for `name` (default `user`: the account's own images). */
  source?: ImageSource;
  /** A token for another account than the stack's, as CustomImage's `token` (a secret in the Output form, which does not make the result secret). */
  token?: string;
  /** The API endpoint for `token`; only with `token`. */
  apiEndpoint?: string;
}

const listingFor: Record<ImageSource, Parameters<DigitalOceanClient["images"]["list"]>[0]> = {
  user: { private: true },
  distributions: { type: "distribution" },
  applications: { type: "application" },
  all: {},
};

/**
 * One image by id, by slug, or by name (the Pulumi equivalent of `@pulumi/digitalocean`'s
 * `getImage`); fails when a name matches no image or several.
 */
export async function getImage(args: GetImageArgs, client?: DigitalOceanClient): Promise<Image> {
  const given = (["id", "slug", "name"] as const).filter((key) => args[key] !== undefined);
  if (given.length !== 1)
    throw new Error(`getImage: give exactly one of id, slug or name (got ${given.length === 0 ? "none" : given.join(", ")})`);
  client ??= programClient(accountOf("getImage", args));
  if (args.id !== undefined) return client.images.get(args.id);
  if (args.slug !== undefined) return client.images.get(args.slug);
  const source = args.source ?? "user";
  if (!(source in listingFor)) throw new Error(`getImage: source must be one of ${Object.keys(listingFor).join(", ")} (got "${source}")`);
  const matches = (await client.images.list(listingFor[source])).filter((image) => image.name === args.name);
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new Error(`getImage: no image named "${args.name}" in source "${source}"`);
  throw new Error(
    `getImage: ${matches.length} images named "${args.name}" in source "${source}" (ids ${matches.map((image) => image.id).join(", ")}); look it up by id instead`,
  );
}

/** `getImage`'s arguments as Pulumi Inputs. */
export type GetImageOutputArgs = { [K in keyof GetImageArgs]?: pulumi.Input<GetImageArgs[K]> };

/**
 * `getImage` for Output arguments (Pulumi's convention for functions). `opts.dependsOn` delays the
 * lookup until those resources exist (see lookup-output.ts); a failed lookup fails the program
 * with one line, the error's message, as a `pulumi.RunError`.
 */
export function getImageOutput(args: GetImageOutputArgs, opts?: pulumi.InvokeOutputOptions): pulumi.Output<Image> {
  return lookupOutput("getImage", args, opts, (resolved: GetImageArgs) => getImage(resolved));
}
