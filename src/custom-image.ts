import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { ADOPTING, IMPORT_ID } from "./provider/types";
import { CustomImageScope } from "./custom-image-scope";

/**
 * `pulumi.dynamic.Resource` serializes the provider object it is given into the resource's state
 * (`__provider`), together with everything that object reaches. This shim reaches nothing but the
 * package name: each method loads the real implementation (src/provider/) with `require` when
 * the dynamic-provider host calls it. `__provider` in state stays about 2,025 characters per
 * resource (measured, docs/PERFORMANCE.md), holds no credential, and all resources in the host
 * share one client, rate budget and image waiter. A fix to the
 * provider ships with `npm update`, and `delete`/`refresh` (which run the code stored in state,
 * pulumi#6238) run it too.
 */
// Short names on purpose: this text is stored in state for every resource (goal: ≤ 2,048 characters).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by name at call time, inside the host
const p = (): Required<pulumi.dynamic.ResourceProvider> => require("pulumi-digitalocean-custom-image/provider");
const customImageProvider: pulumi.dynamic.ResourceProvider = {
  configure: (...a) => p().configure(...a),
  check: (...a) => p().check(...a),
  diff: (...a) => p().diff(...a),
  create: (...a) => p().create(...a),
  read: (...a) => p().read(...a),
  update: (...a) => p().update(...a),
  delete: (...a) => p().delete(...a),
};

/** The provider object as it is serialized into state (exported for tests that measure it). */
export { customImageProvider };

/** Inputs of a CustomImage, named as in `@pulumi/digitalocean`'s `CustomImage`. */
export interface CustomImageArgs {
  /**
   * http or https URL with a host, which DigitalOcean downloads the image from. Changing it replaces
   * the image, except a presigned URL signed again (AWS Signature V4 and V2, DigitalOcean Spaces,
   * Google Cloud Storage V4 and V2, Azure SAS, CloudFront; the README lists the parameters).
   */
  url?: pulumi.Input<string>;
  /**
   * Instead of `url`: a local image file (raw, qcow2, vhdx, vdi or vmdk, optionally gzip or bzip2),
   * relative to the program's folder. It is uploaded privately to `spaces` and imported from a
   * presigned url; its SHA-256 is its identity (new bytes replace the image, a new path alone
   * changes nothing). Needs `@aws-sdk/client-s3` and `@aws-sdk/s3-request-presigner` installed.
   */
  file?: pulumi.Input<string>;
  /** The Spaces bucket `file` is uploaded to, and its region. */
  spaces?: pulumi.Input<{ bucket: pulumi.Input<string>; region: pulumi.Input<string> }>;
  /** Keep the uploaded object once the import succeeded; default false (deleted). */
  keepObject?: pulumi.Input<boolean>;
  /**
   * At least one region slug. The image is imported into the first and transferred to the others.
   * A new region, even a new first one, is transferred to in place; removing a region replaces the
   * image; reordering changes nothing. A region the image was transferred to outside Pulumi is
   * kept, left out of this output, with a warning at refresh.
   */
  regions: pulumi.Input<pulumi.Input<string>[]>;
  /** Display name, 1 to 255 characters; defaults to the resource name. */
  name?: pulumi.Input<string>;
  /** Up to 1024 characters; an empty string clears it. */
  description?: pulumi.Input<string>;
  /** One of DigitalOcean's distribution names (listed in the README), matched case-insensitively; default `Unknown`. Others are rejected. */
  distribution?: pulumi.Input<string>;
  /** Tag names (`^[a-zA-Z0-9_\-:]{1,255}$`); duplicates, also differing only in case, are removed. */
  tags?: pulumi.Input<pulumi.Input<string>[]>;
  /** Minutes to wait for the import to become available (default 60, at most 1440). Pulumi's customTimeouts do not reach dynamic providers. */
  createTimeoutMinutes?: pulumi.Input<number>;
  /** Minutes to wait for each region transfer (default 60, at most 1440). */
  transferTimeoutMinutes?: pulumi.Input<number>;
  /**
   * A DigitalOcean API token for this image's account, when it is not the stack's
   * (`digitalocean:token`): a stack can manage images in two accounts, as `@pulumi/digitalocean`
   * does with an explicit provider. Always stored as a secret (encrypted in the state's inputs and
   * outputs, never in `__provider`); read, refresh and delete use the one recorded, so a rotated
   * token is an in-place update that records it. Give the same `{ token, apiEndpoint }` to every
   * resource of that account.
   */
  token?: pulumi.Input<string>;
  /**
   * The API endpoint for `token` (default the stack's `digitalocean:apiEndpoint`, else
   * https://api.digitalocean.com). Only with `token`: the stack's token is never sent elsewhere.
   */
  apiEndpoint?: pulumi.Input<string>;
}

/**
 * What `CustomImage.get` takes besides the id: an image in another DigitalOcean account than the
 * stack's is read with that account's `token` and `apiEndpoint`, as `CustomImageArgs` takes them
 * (the token kept secret in the state the same way).
 */
export type CustomImageGetArgs = Pick<CustomImageArgs, "token" | "apiEndpoint">;

/**
 * Every declared output but `imageId`, each passed as `undefined` in the props bag: the SDK
 * resolves only the keys of that bag, so an output missing from it is `undefined` in the program
 * whatever the state holds, while an `undefined` value is sent as absent, so an input the program
 * omits stays omitted. Spread before `args`, whose values win.
 */
const RESOLVED_OUTPUTS = {
  url: undefined,
  file: undefined,
  fileSha256: undefined,
  regions: undefined,
  description: undefined,
  distribution: undefined,
  tags: undefined,
  createTimeoutMinutes: undefined,
  transferTimeoutMinutes: undefined,
  status: undefined,
  errorMessage: undefined,
  sizeGigabytes: undefined,
  minDiskSize: undefined,
  createdAt: undefined,
  slug: undefined,
  type: undefined,
  public: undefined,
} as const;

/**
 * A DigitalOcean custom image imported from a URL, spread over regions and tagged. Its id is the
 * image id as a string, which is what a droplet's `image` takes: `image: image.id`.
 */
export class CustomImage extends pulumi.dynamic.Resource {
  /** The URL the image was imported from; `undefined` for an image adopted by `CustomImage.get` (DigitalOcean does not report it). */
  declare public readonly url: pulumi.Output<string | undefined>;
  /** The file the image was uploaded from, as an absolute path; `undefined` for an image from a `url`. */
  declare public readonly file: pulumi.Output<string | undefined>;
  /** The SHA-256 of `file`'s content; `undefined` for an image from a `url`. */
  declare public readonly fileSha256: pulumi.Output<string | undefined>;
  /**
   * The program's regions the image is in, in the program's order; while the import runs (a
   * partial failure), only the region it is imported into. Regions it was transferred to outside
   * Pulumi are left out (with a warning); for an image adopted by `CustomImage.get`, every region it is in.
   */
  declare public readonly regions: pulumi.Output<string[]>;
  /** The image's display name in DigitalOcean. */
  declare public readonly name: pulumi.Output<string>;
  /** `""` when the image has none. */
  declare public readonly description: pulumi.Output<string>;
  /** The distribution as DigitalOcean reports it (`Unknown` when none was given). */
  declare public readonly distribution: pulumi.Output<string>;
  /** `[]` when the image has none. */
  declare public readonly tags: pulumi.Output<string[]>;
  /** The default (60) when omitted; `undefined` for an image adopted by `CustomImage.get`. */
  declare public readonly createTimeoutMinutes: pulumi.Output<number | undefined>;
  /** The default (60) when omitted; `undefined` for an image adopted by `CustomImage.get`. */
  declare public readonly transferTimeoutMinutes: pulumi.Output<number | undefined>;
  /**
   * The image id as a number (the resource id is the same as a string). Derived from the resource
   * id rather than taken from the provider's outputs: the engine keeps a resource's id known in
   * the preview of an in-place update, but shows every output of a dynamic resource that its
   * inputs lack as unknown there, so resources depending on `imageId` would show changes that
   * never happen (the dynamic-provider host of @pulumi/pulumi 3.270 forwards no `stables` and
   * declares no preview support). The provider still records `imageId` in the state.
   */
  public readonly imageId: pulumi.Output<number>;
  /**
   * DigitalOcean's status of the image: `available` once `pulumi up` succeeded; `NEW` or `pending`
   * while an import runs (recorded by a partial failure, which the next `pulumi up` resumes); `retired`.
   */
  declare public readonly status: pulumi.Output<string>;
  /** DigitalOcean's reason for a failed import; `""` otherwise. */
  declare public readonly errorMessage: pulumi.Output<string>;
  /** The image's size in GB; `null` while the import runs (DigitalOcean's `size_gigabytes` is nullable). */
  declare public readonly sizeGigabytes: pulumi.Output<number | null>;
  /** The smallest droplet disk, in GB, that can use the image; `null` while the import runs (DigitalOcean's `min_disk_size` is nullable). */
  declare public readonly minDiskSize: pulumi.Output<number | null>;
  /** When DigitalOcean created the image, ISO 8601 (`2026-01-01T00:00:00Z`). */
  declare public readonly createdAt: pulumi.Output<string>;
  /** Always `null` for a custom image: DigitalOcean gives slugs to its own public images only. */
  declare public readonly slug: pulumi.Output<string | null>;
  /** DigitalOcean's image type: `custom` for an imported image. */
  declare public readonly type: pulumi.Output<string>;
  /** Always `false` for a custom image: it is visible to its own account only. */
  declare public readonly public: pulumi.Output<boolean>;

  /**
   * `opts.import` adopts an existing image (made by hand, or by `@pulumi/digitalocean`'s
   * `CustomImage`) instead of importing one: `pulumi up` reads it and updates in place what
   * differs from `args`; the preview shows it as a create. The engine's own import cannot reach a
   * dynamic provider (src/provider/adopt.ts), so the id travels as an input.
   */
  constructor(name: string, args: CustomImageArgs, opts?: pulumi.CustomResourceOptions) {
    const { import: importId, ...options } = opts ?? {};
    // An image read by `get` is never imported, so it needs no marker scope.
    const scope = options.id === undefined ? new CustomImageScope(`${name}-scope`, { parent: options.parent }) : undefined;
    super(
      customImageProvider,
      name,
      {
        ...RESOLVED_OUTPUTS,
        ...args,
        name: args?.name ?? name,
        // Secret whatever the program passed: the state holds it encrypted, in inputs and outputs.
        ...(args?.token === undefined ? {} : { token: pulumi.secret(args.token) }),
        [IMPORT_ID]: importId,
        // Resolved here, where the program runs: the provider's host may have another working folder.
        file: args?.file === undefined ? undefined : pulumi.output(args.file).apply((file) => resolve(file)),
        // Scopes the import marker to this stack's resource: the names for people reading the
        // state, the nonce so that no other stack has it (see custom-image-scope.ts).
        __importScope: scope?.nonce.apply((nonce) => `${pulumi.getProject()}/${pulumi.getStack()}/${name}/${nonce}`),
      },
      // The engine also marks an output secret when the input of the same name was (the host takes no secrets); this says it outright.
      args?.token === undefined ? options : { ...options, additionalSecretOutputs: [...(options.additionalSecretOutputs ?? []), "token"] },
      "digitalocean",
      "CustomImage",
    );
    this.imageId = this.id.apply(Number);
  }

  /**
   * Looks up an existing image by id (read-only in this program); fails if no image has that id.
   * `args.token` and `args.apiEndpoint` read it from another account than the stack's, as
   * `CustomImageArgs`' do; refreshes use them too. To manage an existing image, give `new
   * CustomImage` the `import` option instead. `pulumi import` cannot work for dynamic providers,
   * because the host needs the serialized provider that only a program supplies.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, args: CustomImageGetArgs = {}, opts?: pulumi.CustomResourceOptions): CustomImage {
    // The marker tells the provider's `read` that this is a lookup, where a missing image is an error.
    const lookup = { url: undefined, regions: undefined, token: args.token, apiEndpoint: args.apiEndpoint, [ADOPTING]: true };
    return new CustomImage(name, lookup as unknown as CustomImageArgs, { ...opts, id });
  }
}
