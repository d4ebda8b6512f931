import { isLoopback } from "../client/credentials";
import { SpacesError } from "./spaces-error";

/**
 * Spaces access keys, where users already keep them for `@pulumi/digitalocean`'s SpacesBucket:
 * stack config `digitalocean:spacesAccessId` and `digitalocean:spacesSecretKey` (secret), or the
 * environment variables SPACES_ACCESS_KEY_ID and SPACES_SECRET_ACCESS_KEY. The endpoint is
 * `https://<region>.digitaloceanspaces.com` unless `digitalocean:spacesEndpoint` or
 * SPACES_ENDPOINT_URL names another (a test's local S3-compatible server).
 */
export const SPACES_KEYS = {
  accessId: { config: "digitalocean:spacesAccessId", env: "SPACES_ACCESS_KEY_ID" },
  secretKey: { config: "digitalocean:spacesSecretKey", env: "SPACES_SECRET_ACCESS_KEY" },
  endpoint: { config: "digitalocean:spacesEndpoint", env: "SPACES_ENDPOINT_URL" },
} as const;

export interface SpacesSettings {
  accessKeyId: string;
  secretAccessKey: string;
  /** Without a trailing slash. */
  endpoint: string;
  /** Whether the endpoint was overridden: a local server is addressed path-style (`endpoint/bucket/key`). */
  custom: boolean;
  /** Where the keys came from, named when Spaces refuses them. */
  keySource: string;
}

type Settings = Record<string, string | undefined>;

function pick(
  config: Settings,
  env: NodeJS.ProcessEnv,
  keys: { config: string; env: string },
): { value: string; from: string } | undefined {
  const fromConfig = config[keys.config]?.trim();
  if (fromConfig) return { value: fromConfig, from: `stack config ${keys.config}` };
  const fromEnv = env[keys.env]?.trim();
  return fromEnv ? { value: fromEnv, from: `the environment variable ${keys.env}` } : undefined;
}

export function resolveSpacesSettings(region: string, config: Settings = {}, env: NodeJS.ProcessEnv = process.env): SpacesSettings {
  const accessId = pick(config, env, SPACES_KEYS.accessId);
  const secretKey = pick(config, env, SPACES_KEYS.secretKey);
  if (!accessId || !secretKey) {
    const missing = [!accessId && "access key id", !secretKey && "secret key"].filter(Boolean).join(" and ");
    throw new SpacesError(
      "missing_spaces_keys",
      `No Spaces ${missing} found: a CustomImage with \`file\` uploads it to Spaces. Create a Spaces access key in DigitalOcean's control panel, then ` +
        `\`pulumi config set ${SPACES_KEYS.accessId.config} <id>\` and \`pulumi config set --secret ${SPACES_KEYS.secretKey.config} <secret>\`, ` +
        `or export ${SPACES_KEYS.accessId.env} and ${SPACES_KEYS.secretKey.env}.`,
    );
  }
  const override = pick(config, env, SPACES_KEYS.endpoint);
  const endpoint = override ? spacesEndpoint(override.value, override.from) : `https://${region}.digitaloceanspaces.com`;
  // Both from one place: that place's id names the pair.
  const samePlace = accessId.from.startsWith("stack config") === secretKey.from.startsWith("stack config");
  const keySource = samePlace ? accessId.from : `${accessId.from} and ${secretKey.from}`;
  return { accessKeyId: accessId.value, secretAccessKey: secretKey.value, endpoint, custom: override !== undefined, keySource };
}

/**
 * An overridden endpoint: https, or plain http on this machine (a test's server), since every
 * request is signed with the keys. Not echoed when it is not a URL: it may be a key pasted into the wrong setting.
 */
function spacesEndpoint(value: string, from: string): string {
  const allowed = "an https URL such as https://nyc3.digitaloceanspaces.com, or http on a loopback address";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SpacesError("invalid_spaces_endpoint", `The Spaces endpoint from ${from} is not a URL: expected ${allowed}`);
  }
  const secure = url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
  if (!secure || url.username || url.password || url.search || url.hash) {
    throw new SpacesError(
      "invalid_spaces_endpoint",
      `The Spaces endpoint from ${from} is ${url.origin}${url.pathname}: expected ${allowed}, without credentials, query or fragment`,
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}
