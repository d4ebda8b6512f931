import { BlockList, isIP } from "node:net";
import { InvalidEndpointError, MissingTokenError } from "./errors";

export const DEFAULT_API_ENDPOINT = "https://api.digitalocean.com";

/** Where plain http may be allowed for an endpoint that is not on this machine (a trusted network, a proxy). */
export const ALLOW_INSECURE_ENDPOINT = {
  config: "digitalocean-custom-image:allowInsecureEndpoint",
  env: "DIGITALOCEAN_CUSTOM_IMAGE_ALLOW_INSECURE_ENDPOINT",
} as const;

export interface Credentials {
  token: string;
  apiEndpoint: string;
  /** Where `apiEndpoint` came from, worded to follow "the API endpoint": one of `API_ENDPOINT_SOURCES`. */
  apiEndpointSource: string;
  /** Where the token came from (`stack config digitalocean:token`, `the environment variable DIGITALOCEAN_TOKEN`), named when DigitalOcean refuses it. */
  tokenSource: string;
  /** Whether plain http to a host other than this machine was allowed (`ALLOW_INSECURE_ENDPOINT`): the client checks the endpoint again. */
  allowInsecureEndpoint: boolean;
  /** Things the user should hear about (to log as warnings): the endpoint and the token come from different places, plain http was allowed. */
  warnings: string[];
}

/** Where the endpoint can come from, as error messages name it, so that the user knows which setting to fix. */
export const API_ENDPOINT_SOURCES = {
  config: "was set by stack config digitalocean:apiEndpoint",
  env: "was set by the environment variable DIGITALOCEAN_API_URL (stack config digitalocean:apiEndpoint is not set)",
  default: "is the default, as neither stack config digitalocean:apiEndpoint nor DIGITALOCEAN_API_URL is set",
} as const;

type Settings = Record<string, string | undefined>;

interface Setting {
  value: string;
  /** The config key or environment variable it came from. */
  key: string;
  place: "the stack config" | "the environment";
}

const TOKEN_KEYS = { config: "digitalocean:token", env: ["DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"] } as const;
const ENDPOINT_KEYS = { config: "digitalocean:apiEndpoint", env: "DIGITALOCEAN_API_URL" } as const;

/** The stack config keys `resolveCredentials` reads (the keys `@pulumi/digitalocean` uses, and `ALLOW_INSECURE_ENDPOINT`'s). */
export const CREDENTIAL_CONFIG_KEYS = [TOKEN_KEYS.config, ENDPOINT_KEYS.config, ALLOW_INSECURE_ENDPOINT.config] as const;

function tokenSetting(config: Settings, env: NodeJS.ProcessEnv): Setting | undefined {
  return (
    setting(config[TOKEN_KEYS.config], TOKEN_KEYS.config, "the stack config") ??
    TOKEN_KEYS.env.map((key) => setting(env[key], key, "the environment")).find(Boolean)
  );
}

/** The token from the first place that has one, or undefined. Reads no network: `check` can ask at preview. */
export function findToken(config: Settings = {}, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return tokenSetting(config, env)?.value;
}

/**
 * Where the token and the endpoint come from, first match wins: the stack config
 * (`digitalocean:token`, set with `pulumi config set --secret`, and `digitalocean:apiEndpoint`,
 * the keys `@pulumi/digitalocean` uses), then the environment variables the DigitalOcean CLI and
 * Terraform provider read.
 *
 * The endpoint is checked here, before any request: it must be an https URL, because every request
 * carries the token; plain http is accepted for loopback hosts (the emulator, a local proxy) and
 * elsewhere only when `ALLOW_INSECURE_ENDPOINT` says so.
 */
export function resolveCredentials(config: Settings = {}, env: NodeJS.ProcessEnv = process.env): Credentials {
  const fromConfig = (key: string): Setting | undefined => setting(config[key], key, "the stack config");
  const fromEnv = (key: string): Setting | undefined => setting(env[key], key, "the environment");
  const token = tokenSetting(config, env);
  if (!token) throw new MissingTokenError();
  const tokenSource = token.place === "the stack config" ? `stack config ${token.key}` : `the environment variable ${token.key}`;
  const endpoint = fromConfig(ENDPOINT_KEYS.config) ?? fromEnv(ENDPOINT_KEYS.env);
  const allowInsecure = insecureAllowance(fromConfig(ALLOW_INSECURE_ENDPOINT.config) ?? fromEnv(ALLOW_INSECURE_ENDPOINT.env));
  const allowInsecureEndpoint = allowInsecure !== undefined;
  if (!endpoint)
    return {
      token: token.value,
      tokenSource,
      apiEndpoint: DEFAULT_API_ENDPOINT,
      apiEndpointSource: API_ENDPOINT_SOURCES.default,
      allowInsecureEndpoint,
      warnings: [],
    };

  const url = checkedEndpoint(endpoint.value, `${endpoint.key} (from ${endpoint.place})`, allowInsecureEndpoint);
  const apiEndpoint = `${url.origin}${url.pathname}`.replace(/\/+$/, "");
  const warnings: string[] = [];
  if (endpoint.place !== token.place) {
    warnings.push(
      `The DigitalOcean token comes from ${token.place} (${token.key}) but the API endpoint from ${endpoint.place} ` +
        `(${endpoint.key} = ${apiEndpoint}), and the token is sent there. If that is not meant, set both in the same place.`,
    );
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    warnings.push(
      `The API endpoint ${apiEndpoint} is plain http: the DigitalOcean token is sent unencrypted, as ${allowInsecure!.key} allows.`,
    );
  }
  const apiEndpointSource = API_ENDPOINT_SOURCES[endpoint.place === "the stack config" ? "config" : "env"];
  return { token: token.value, tokenSource, apiEndpoint, apiEndpointSource, allowInsecureEndpoint, warnings };
}

/**
 * The `token` and `apiEndpoint` a CustomImage or a lookup is given for itself, so that one stack can
 * manage images in two DigitalOcean accounts (as `@pulumi/digitalocean` does with an explicit
 * provider). Absent, the stack's credentials apply.
 */
export interface AccountCredentials {
  token?: string;
  /** Only with `token`: the stack's token is never sent to an endpoint other than the stack's. */
  apiEndpoint?: string;
}

/**
 * `resolveCredentials` for a resource or lookup that gives its own `token` (and maybe
 * `apiEndpoint`): those win over the stack config and the environment, which still give the
 * endpoint when `apiEndpoint` is absent, and the plain-http allowance.
 */
export function resolveAccountCredentials(
  account: AccountCredentials,
  config: Settings = {},
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  if (account.token === undefined) return resolveCredentials(config, env);
  const own = account.apiEndpoint === undefined ? {} : { "digitalocean:apiEndpoint": account.apiEndpoint };
  const resolved = resolveCredentials({ ...config, "digitalocean:token": account.token, ...own }, env);
  return {
    ...resolved,
    tokenSource: "the token input",
    ...(account.apiEndpoint === undefined ? {} : { apiEndpointSource: "was set by the apiEndpoint input" }),
    // The token was given where the resource is: which places the stack's settings came from says nothing about it.
    warnings: resolved.warnings.filter((warning) => !warning.startsWith("The DigitalOcean token comes from")),
  };
}

function setting(raw: string | undefined, key: string, place: Setting["place"]): Setting | undefined {
  const value = raw?.trim();
  return value ? { value, key, place } : undefined;
}

const SHAPE = "an https URL such as https://api.digitalocean.com (scheme, host, optional port and path)";

/**
 * The endpoint as a URL, or an `InvalidEndpointError` naming `where` it was set and what is allowed.
 * Every request carries the token, so the client checks its endpoint with this too, whoever built it.
 */
export function checkedEndpoint(endpoint: string, where: string, allowInsecure: boolean): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    // Not echoed: a value that is not a URL may be a token pasted into the wrong setting.
    throw new InvalidEndpointError({}, `${where} is not a URL: expected ${SHAPE}`);
  }
  if (url.username || url.password)
    throw new InvalidEndpointError({}, `${where} must not carry a user name or password: expected ${SHAPE}`);
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new InvalidEndpointError({}, `${where} uses "${url.protocol}": expected ${SHAPE}`);
  if (!url.hostname) throw new InvalidEndpointError({}, `${where} has no host: expected ${SHAPE}`);
  if (url.search || url.hash) throw new InvalidEndpointError({}, `${where} must not have a query or fragment: expected ${SHAPE}`);
  if (url.protocol === "http:" && !isLoopback(url.hostname) && !allowInsecure) {
    throw new InvalidEndpointError(
      {},
      `${where} is ${url.origin}: plain http would send the DigitalOcean token unencrypted. Use https, or, on a network you trust, ` +
        `allow it with \`pulumi config set ${ALLOW_INSECURE_ENDPOINT.config} true\` or ${ALLOW_INSECURE_ENDPOINT.env}=true. ` +
        "Loopback hosts (localhost, 127.0.0.0/8, ::1) need neither.",
    );
  }
  return url;
}

/** The setting when it allows plain http, `undefined` when it is absent or false. */
function insecureAllowance(allowInsecure: Setting | undefined): Setting | undefined {
  if (allowInsecure === undefined) return undefined;
  const value = allowInsecure.value.toLowerCase();
  if (value !== "true" && value !== "false") {
    // Not echoed, not even in part: a value that is neither may be a token pasted into the wrong setting.
    throw new InvalidEndpointError(
      {},
      `${allowInsecure.key} (from ${allowInsecure.place}) must be true or false; the value set is neither (it is not repeated here)`,
    );
  }
  return value === "true" ? allowInsecure : undefined;
}

const loopback = new BlockList();
loopback.addSubnet("127.0.0.0", 8, "ipv4");
loopback.addAddress("::1", "ipv6");

/**
 * `localhost` and loopback addresses, as a URL's hostname spells them (IPv6 in brackets). Not
 * `localhost.`: a fully qualified name is not in /etc/hosts as such, so resolving it can fall
 * through to DNS, which may answer with any address (RFC 6761 §6.3 asks resolvers not to, but
 * cannot make them).
 */
export function isLoopback(hostname: string): boolean {
  if (hostname.toLowerCase() === "localhost") return true;
  const address = hostname.replace(/^\[(.*)\]$/, "$1");
  const version = isIP(address);
  return version !== 0 && loopback.check(address, version === 4 ? "ipv4" : "ipv6");
}
