import { MissingTokenError } from "./errors";

export const DEFAULT_API_ENDPOINT = "https://api.digitalocean.com";

export interface Credentials {
  token: string;
  apiEndpoint: string;
  /** Where `apiEndpoint` came from, worded to follow "the API endpoint": one of `API_ENDPOINT_SOURCES`. */
  apiEndpointSource: string;
}

/** Where the endpoint can come from, as error messages name it, so that the user knows which setting to fix. */
export const API_ENDPOINT_SOURCES = {
  config: "was set by stack config digitalocean:apiEndpoint",
  env: "was set by the environment variable DIGITALOCEAN_API_URL (stack config digitalocean:apiEndpoint is not set)",
  default: "is the default, as neither stack config digitalocean:apiEndpoint nor DIGITALOCEAN_API_URL is set",
} as const;

type Settings = Record<string, string | undefined>;

const pick = (...values: (string | undefined)[]) => values.map((value) => value?.trim()).find((value) => value);

/** The token from the first place that has one, or undefined. Reads no network: `check` can ask at preview. */
export function findToken(config: Settings = {}, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return pick(config["digitalocean:token"], env.DIGITALOCEAN_TOKEN, env.DIGITALOCEAN_ACCESS_TOKEN);
}

/**
 * Where the token and the endpoint come from, first match wins: the stack config
 * (`digitalocean:token`, set with `pulumi config set --secret`, and `digitalocean:apiEndpoint`,
 * the keys `@pulumi/digitalocean` uses), then the environment variables the DigitalOcean CLI and
 * Terraform provider read.
 */
export function resolveCredentials(config: Settings = {}, env: NodeJS.ProcessEnv = process.env): Credentials {
  const token = findToken(config, env);
  if (!token) throw new MissingTokenError();
  const fromConfig = pick(config["digitalocean:apiEndpoint"]);
  const fromEnv = pick(env.DIGITALOCEAN_API_URL);
  const apiEndpoint = fromConfig ?? fromEnv ?? DEFAULT_API_ENDPOINT;
  const apiEndpointSource = API_ENDPOINT_SOURCES[fromConfig ? "config" : fromEnv ? "env" : "default"];
  return { token, apiEndpoint: apiEndpoint.replace(/\/+$/, ""), apiEndpointSource };
}
