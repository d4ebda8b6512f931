import * as pulumi from "@pulumi/pulumi";

/**
 * What makes one stack's CustomImage different from every other stack's, kept in that stack's
 * state: a random nonce that its create draws and Pulumi records, with no DigitalOcean request.
 *
 * The import marker (src/provider/import-marker.ts) must differ between two stacks that share
 * project, stack and resource names (two organizations, two self-managed backends, a CI matrix on
 * one token), or each would adopt, or delete as a late copy, the other's image. It must also stay
 * the same across an interrupted `pulumi up`: the engine then calls the image's create again with
 * no old inputs, so a nonce drawn in `check` or in the program would be lost exactly when it is
 * needed. This resource is created, and recorded, before its CustomImage's create starts, because
 * the CustomImage takes its nonce as an input; the next `up` reads the same nonce back from state.
 * (`pulumi.getOrganization()` is "organization" for every self-managed and file backend.)
 */
// Short on purpose, like custom-image.ts's shim: this text is stored in state for every scope.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded by name at call time, inside the host
const p = (): { createScope(): Promise<pulumi.dynamic.CreateResult> } => require("pulumi-digitalocean-custom-image/provider");
const customImageScopeProvider: pulumi.dynamic.ResourceProvider = {
  create: () => p().createScope(),
  // Never changes, also when a new version of this package changes the text above: no diff.
  diff: () => Promise.resolve({ changes: false }),
};

/** The provider object as it is serialized into state (exported for tests that measure it). */
export { customImageScopeProvider };

/** Created by CustomImage beside each image (named `<image>-scope`, with the image's parent). */
export class CustomImageScope extends pulumi.dynamic.Resource {
  declare public readonly nonce: pulumi.Output<string>;

  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super(customImageScopeProvider, name, { nonce: undefined }, opts, "digitalocean", "CustomImageScope");
  }
}
