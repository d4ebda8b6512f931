import * as pulumi from "@pulumi/pulumi";
import type { DigitalOceanClient } from "./client/digitalocean-client";
import { loadClient } from "./client/load-client";
import { type AccountCredentials, CREDENTIAL_CONFIG_KEYS, resolveAccountCredentials } from "./client/credentials";

/** By account: the stack's (no token given) under `[null, null]`. */
const clients = new Map<string, DigitalOceanClient>();

/**
 * The client used by lookups (getImage, getImages), which run in the Pulumi program rather than in
 * the provider host. Same sources as the provider: `digitalocean:token` / `digitalocean:apiEndpoint`
 * from the stack config (read raw, so a secret token is not echoed), then the environment.
 */
export function programClient(account: AccountCredentials = {}): DigitalOceanClient {
  const own = account.token === undefined ? {} : account;
  const key = JSON.stringify([own.apiEndpoint ?? null, own.token ?? null]);
  let client = clients.get(key);
  if (!client) {
    const config = Object.fromEntries(CREDENTIAL_CONFIG_KEYS.map((key) => [key, pulumi.runtime.getConfig(key)]));
    const { warnings, ...credentials } = resolveAccountCredentials(own, config);
    for (const warning of warnings) void pulumi.log.warn(warning);
    client = new (loadClient())({ ...credentials, logger: (level, message) => level === "warn" && void pulumi.log.warn(message) });
    clients.set(key, client);
  }
  return client;
}
