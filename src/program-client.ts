import * as pulumi from "@pulumi/pulumi";
import { DigitalOceanClient } from "./client/digitalocean-client";
import { CREDENTIAL_CONFIG_KEYS, resolveCredentials } from "./client/credentials";

let client: DigitalOceanClient | undefined;

/**
 * The client used by lookups (getImage, getImages), which run in the Pulumi program rather than in
 * the provider host. Same sources as the provider: `digitalocean:token` / `digitalocean:apiEndpoint`
 * from the stack config (read raw, so a secret token is not echoed), then the environment.
 */
export function programClient(): DigitalOceanClient {
  if (!client) {
    const config = Object.fromEntries(CREDENTIAL_CONFIG_KEYS.map((key) => [key, pulumi.runtime.getConfig(key)]));
    const { warnings, ...credentials } = resolveCredentials(config);
    for (const warning of warnings) void pulumi.log.warn(warning);
    client = new DigitalOceanClient({ ...credentials, logger: (level, message) => level === "warn" && void pulumi.log.warn(message) });
  }
  return client;
}
