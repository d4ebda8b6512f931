import type { DigitalOceanClient } from "./digitalocean-client";

/**
 * The client class, its module loaded on first use. That module loads got, an ES module graph
 * that takes a tenth of a second to load on an idle machine and up to a second under load
 * (tools/anchor/README.md): the provider host pays it only when an operation calls the API (not
 * for a preview's check and diff), and a program only when it runs a lookup (not for every
 * `pulumi up` and `preview` that declares a CustomImage).
 */
export function loadClient(): typeof DigitalOceanClient {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return (require("./digitalocean-client") as { DigitalOceanClient: typeof DigitalOceanClient }).DigitalOceanClient;
}
