import * as pulumi from "@pulumi/pulumi";
import type { AccountCredentials } from "./client/credentials";

/**
 * The Output form of a lookup (`getImageOutput`, `getImagesOutput`), with Pulumi's invoke options.
 *
 * The lookups run in the program, not in a provider, so the engine never sees them as invokes:
 * `dependsOn` is honoured here the way @pulumi/pulumi honours it for an engine that cannot gate
 * invokes (sdk/nodejs/runtime/invoke.ts): the lookup runs once every custom resource it depends on
 * has an id, and during a preview that creates one of them its result is unknown. The result
 * depends on those resources, like any Output derived from theirs.
 *
 * A secret `token` does not make the result secret: the result holds no token.
 *
 * A failure is a `pulumi.RunError`, which Pulumi prints as its message alone: one line naming the
 * lookup and what went wrong, rather than an unhandled exception with a JavaScript stack.
 */
export function lookupOutput<Args, Result>(
  name: string,
  /** The arguments, any of them an Input (resolved with `pulumi.output`). */
  args: object | undefined,
  opts: pulumi.InvokeOutputOptions | undefined,
  lookup: (resolved: Args) => Promise<Result>,
): pulumi.Output<Result> {
  const { token, ...rest } = (args ?? {}) as { token?: pulumi.Input<string> };
  // The result holds no token: a secret token must not make every image id it finds a secret.
  const plainToken = token === undefined ? undefined : pulumi.unsecret(pulumi.output(token));
  return pulumi.all([pulumi.output(rest), plainToken, dependenciesOf(opts?.dependsOn)]).apply(([resolved, resolvedToken]) =>
    lookup({ ...resolved, ...(resolvedToken === undefined ? {} : { token: resolvedToken }) } as Args).catch((error: unknown) => {
      throw lookupError(name, error);
    }),
  );
}

/** Each dependency's id (a custom resource: known once created) or urn (a component: known once registered). */
function dependenciesOf(dependsOn: pulumi.InvokeOutputOptions["dependsOn"]): pulumi.Output<unknown[]> {
  if (dependsOn === undefined) return pulumi.output([]);
  return pulumi.output(dependsOn).apply((resolved) => {
    const resources = (Array.isArray(resolved) ? resolved : [resolved]) as pulumi.Input<pulumi.Resource>[];
    return pulumi.all(
      resources.map((resource) =>
        pulumi.output(resource).apply((one) => (pulumi.CustomResource.isInstance(one) ? one.id : (one as pulumi.Resource).urn)),
      ),
    );
  });
}

/** A lookup's own `token` and `apiEndpoint` (see CustomImage's), checked before any request. */
export function accountOf(name: string, args: { token?: unknown; apiEndpoint?: unknown }): AccountCredentials {
  const { token, apiEndpoint } = args;
  if (token !== undefined && (typeof token !== "string" || token.trim() === ""))
    throw new Error(`${name}: token must be a non-empty string (a DigitalOcean API token; it is not repeated here)`);
  if (apiEndpoint !== undefined && typeof apiEndpoint !== "string")
    throw new Error(`${name}: apiEndpoint must be an https URL such as https://api.digitalocean.com`);
  if (apiEndpoint !== undefined && token === undefined) {
    throw new Error(
      `${name}: apiEndpoint is given without token: the stack's DigitalOcean token is never sent to an endpoint other than the stack's`,
    );
  }
  return token === undefined ? {} : { token: token.trim(), ...(apiEndpoint === undefined ? {} : { apiEndpoint }) };
}

/** The error as one line that names the lookup. */
export function lookupError(name: string, error: unknown): pulumi.RunError {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
  return new pulumi.RunError(message.startsWith(`${name}:`) ? message : `${name}: ${message}`);
}
