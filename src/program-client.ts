import * as pulumi from "@pulumi/pulumi";
import { DigitalOceanClient } from "./client/digitalocean-client";
import { resolveCredentials } from "./client/credentials";

let client: DigitalOceanClient | undefined;

/**
 * The client used by lookups (getImage, getImages), which run in the Pulumi program rather than in
 * the provider host. Same sources as the provider: `digitalocean:token` / `digitalocean:apiEndpoint`
 * from the stack config (read raw, so a secret token is not echoed), then the environment.
 */
export function programClient(): DigitalOceanClient {
  if (!client) {
    const read = (key: string) => pulumi.runtime.getConfig(key);
    const { token, apiEndpoint, apiEndpointSource } = resolveCredentials({
      "digitalocean:token": read("digitalocean:token"),
      "digitalocean:apiEndpoint": read("digitalocean:apiEndpoint"),
    });
    client = new DigitalOceanClient({ token, apiEndpoint, apiEndpointSource, logger: (level, message) => level === "warn" && void pulumi.log.warn(message) });
  }
  return client;
}
