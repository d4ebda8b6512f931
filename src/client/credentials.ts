import { MissingTokenError } from "./errors";

export const DEFAULT_API_ENDPOINT = "https://api.digitalocean.com";

export interface Credentials {
  token: string;
  apiEndpoint: string;
}

/**
 * Where the token and the endpoint come from, first match wins: the stack config
 * (`digitalocean:token`, set with `pulumi config set --secret`, and `digitalocean:apiEndpoint`,
 * the keys `@pulumi/digitalocean` uses), then the environment variables the DigitalOcean CLI and
 * Terraform provider read.
 */
export function resolveCredentials(
  config: Record<string, string | undefined> = {},
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  const pick = (...values: (string | undefined)[]) => values.map((value) => value?.trim()).find((value) => value);
  const token = pick(config["digitalocean:token"], env.DIGITALOCEAN_TOKEN, env.DIGITALOCEAN_ACCESS_TOKEN);
  if (!token) throw new MissingTokenError();
  const apiEndpoint = pick(config["digitalocean:apiEndpoint"], env.DIGITALOCEAN_API_URL) ?? DEFAULT_API_ENDPOINT;
  return { token, apiEndpoint: apiEndpoint.replace(/\/+$/, "") };
}
