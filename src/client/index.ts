/**
 * `pulumi-digitalocean-custom-image/client`: the DigitalOcean client, image waiter and rate budget
 * the provider is built on, for tests and tools that drive DigitalOcean's API the way the
 * provider does. Not part of the package's semver contract (the root entry is): names here may
 * change in any minor version.
 */
export * from "./clock";
export * from "./credentials";
export * from "./digitalocean-client";
export * from "./errors";
export * from "./rate-budget";
export * from "./retry-policy";
export * from "./wire";
export * from "./image-waiter";
