/**
 * One error family for everything that can go wrong talking to DigitalOcean.
 *
 * Each class has a stable `code`: DigitalOcean's own error `id` where the API sent one
 * (https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/HTTP-Statuses),
 * otherwise the class default. Messages are written to be read verbatim in `pulumi up` output and
 * never contain the token: they are built only from the method, the path, the status and
 * DigitalOcean's error body, never from request headers or got's error objects (which carry the
 * request options, Authorization header included).
 */

export interface ErrorDetails {
  method?: string;
  path?: string;
  status?: number;
  /** DigitalOcean's error `id` (e.g. `not_found`). */
  apiCode?: string;
  /** DigitalOcean's own error message. */
  apiMessage?: string;
  requestId?: string;
  /** What the caller was doing, e.g. `import image "web"` (prefixed to the message). */
  operation?: string;
  /** For network errors: Node's error code (`ECONNRESET`, `ECONNREFUSED`, ...). */
  networkCode?: string;
  /** The token scopes the request needs; a 403 names them, since DigitalOcean's answer does not. */
  requiredScopes?: readonly string[];
  /** Where the token came from (see `resolveCredentials`); a 401 or 403 names it, so that the user knows which setting to fix. */
  tokenSource?: string;
}

export class DigitalOceanError extends Error {
  static readonly defaultCode: string = "digitalocean_error";
  readonly code: string;
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;
  readonly requestId?: string;
  readonly apiMessage?: string;
  readonly networkCode?: string;

  // `options` is ES2022's `ErrorOptions` spelt out: a program compiled with an older `lib` reads these declarations too.
  constructor(details: ErrorDetails, summary?: string, options?: { cause?: unknown }) {
    super(describe(details, summary), options);
    this.name = new.target.name;
    this.code = details.apiCode ?? (new.target as typeof DigitalOceanError).defaultCode;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.requestId = details.requestId;
    this.apiMessage = details.apiMessage;
    this.networkCode = details.networkCode;
  }

  /**
   * Names `operation` where the message names the request, for a failure of a request the user
   * did not ask for (a lookup the provider makes on its own): "importing image "web" ... failed:
   * 503 ...". `method` and `path` still say which request it was.
   */
  restate(operation: string): this {
    const request = `${requestLabel(this)} failed: `;
    return this.message.startsWith(request) ? retold(this, `${operation} failed: ${this.message.slice(request.length)}`) : this;
  }
}

/**
 * `error` told in other words (what the caller was doing, what to do next): a new error of the
 * same class, `code` and fields, with `error` as its `cause`. An error is never changed once thrown:
 * one failed listing or poll rejects several callers with the same error, and each names its own
 * step in the error it throws.
 */
export function retold<T extends Error>(error: T, message: string): T {
  // `new Error(message, { cause })` with the class's prototype: the subclasses' constructors take
  // other arguments (an image id, a wait's duration), which the fields copied below already hold.
  const told = Reflect.construct(Error, [message, { cause: error }], error.constructor) as T;
  return Object.assign(told, { ...error });
}

/** An error's message, or what was thrown, as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(details: ErrorDetails, summary?: string): string {
  if (!details.method && summary) return summary;
  const request = requestLabel(details);
  const head = [details.status, details.apiCode].filter((part) => part !== undefined && part !== "").join(" ");
  const text = details.apiMessage ?? summary ?? "request failed";
  const requestId = details.requestId ? ` (request id ${details.requestId})` : "";
  const prefix = details.operation ? `${details.operation}: ` : "";
  return `${prefix}${request} failed: ${head ? `${head}: ` : ""}${withTokenSource(withScopes(text, details), details)}${requestId}`;
}

/** A refused token is fixed where it was set: a 401 or 403 names that place. */
function withTokenSource(text: string, details: ErrorDetails): string {
  if (!details.tokenSource) return text;
  if (details.status === 401) {
    return `${text.replace(/\.$/, "")}. DigitalOcean refused the token from ${details.tokenSource}: it was revoked, has expired or is mistyped; put a valid token there and run the command again`;
  }
  if (details.status === 403) return `${text.replace(/\.$/, "")} (the token comes from ${details.tokenSource})`;
  return text;
}

/** DigitalOcean's 403 does not say which scope the token lacks: name those the request needs. */
function withScopes(text: string, details: ErrorDetails): string {
  const scopes = details.requiredScopes ?? [];
  if (details.status !== 403 || scopes.length === 0) return text;
  const plural = scopes.length > 1;
  return `${text.replace(/\.$/, "")}. This request needs the token scope${plural ? "s" : ""} ${scopes.join(" and ")}: use a token with full access or add ${plural ? "them" : "it"} to its custom scopes`;
}

function requestLabel(details: Pick<ErrorDetails, "method" | "path">): string {
  return details.method && details.path ? `DigitalOcean API ${details.method} ${details.path}` : "DigitalOcean API";
}

/** 404: the image, action or tag does not exist (or belongs to another account). */
export class NotFoundError extends DigitalOceanError {
  static override readonly defaultCode = "not_found";
}

/** 401: the token is missing, malformed, expired or revoked. */
export class UnauthorizedError extends DigitalOceanError {
  static override readonly defaultCode = "unauthorized";
}

/**
 * 403: the token is valid but lacks a scope (custom images need `image:create`, `image:read`,
 * `image:update`, `image:delete`, `tag:create`, `tag:delete`); the message names the scopes the request needs.
 */
export class ForbiddenError extends DigitalOceanError {
  static override readonly defaultCode = "forbidden";
  readonly requiredScopes: readonly string[];
  constructor(details: ErrorDetails, summary?: string, options?: { cause?: unknown }) {
    super(details, summary, options);
    this.requiredScopes = details.requiredScopes ?? [];
  }
}

/** 429 after every retry: the account's request budget (250/min, 5,000/h) is spent. */
export class RateLimitError extends DigitalOceanError {
  static override readonly defaultCode = "too_many_requests";
}

/** 400 or 422: DigitalOcean rejected the request's content. */
export class ValidationError extends DigitalOceanError {
  static override readonly defaultCode = "unprocessable_entity";
}

/** 5xx after every retry. */
export class ServerError extends DigitalOceanError {
  static override readonly defaultCode = "server_error";
}

/** The connection failed or broke, or the response could not be read. */
export class NetworkError extends DigitalOceanError {
  static override readonly defaultCode = "network_error";
}

/** No response within the request timeout. */
export class TimeoutError extends DigitalOceanError {
  static override readonly defaultCode = "timeout";
}

/** No token was found in any of the places a token can come from. */
export class MissingTokenError extends DigitalOceanError {
  static override readonly defaultCode = "missing_token";
  constructor() {
    super(
      {},
      "No DigitalOcean API token found. Set one with `pulumi config set --secret digitalocean:token <token>`, " +
        "or export DIGITALOCEAN_TOKEN or DIGITALOCEAN_ACCESS_TOKEN.",
    );
  }
}

/** A wait (for an import or a transfer) ran past its bound. */
export class WaitTimeoutError extends DigitalOceanError {
  static override readonly defaultCode = "wait_timeout";
  readonly imageId: number;
  /** `lastProblem`: why the last checks failed, when they did (a 503, a reset). */
  constructor(what: string, imageId: number, waitedMs: number, lastStatus: string, lastProblem?: string) {
    const problem = lastProblem ? ` (${lastProblem})` : "";
    super({}, `Timed out after ${formatDuration(waitedMs)} waiting for ${what} (last status "${lastStatus}")${problem}`);
    this.imageId = imageId;
  }
}

/**
 * The end of a wait for an image's import or transfer that leaves nothing to resume. The two kinds
 * below stay separate classes: the provider tells them apart with `instanceof`.
 */
export abstract class ImageEndedError extends DigitalOceanError {
  readonly imageId: number;
  constructor(imageId: number, message: string, apiMessage?: string, options?: { cause?: unknown }) {
    super({ apiMessage }, message, options);
    this.imageId = imageId;
  }
}

/**
 * DigitalOcean ended an import as `deleted`, or a transfer as `errored`, or the image disappeared
 * during the wait. `apiMessage` is DigitalOcean's `error_message` when it gave one.
 */
export class ImportFailedError extends ImageEndedError {
  static override readonly defaultCode = "import_failed";
}

/** The image was deleted outside Pulumi while the provider waited on it (404 at two checks in a row). */
export class ImageDeletedError extends ImageEndedError {
  static override readonly defaultCode = "image_deleted";
}

/**
 * A 3xx answer. DigitalOcean's API never redirects, and following one would re-send a request body
 * (an import's presigned url, signature included) to wherever the redirect points.
 */
export class RedirectError extends DigitalOceanError {
  static override readonly defaultCode = "redirect_refused";
}

/** A response that is not what DigitalOcean sends: a body that is not the expected JSON object, or a listing whose pages never end. */
export class UnexpectedResponseError extends DigitalOceanError {
  static override readonly defaultCode = "unexpected_response";
}

/** `digitalocean:apiEndpoint` / `DIGITALOCEAN_API_URL` is not a usable https URL; raised before any request. */
export class InvalidEndpointError extends DigitalOceanError {
  static override readonly defaultCode = "invalid_endpoint";
}

const classByStatus: Record<number, typeof DigitalOceanError> = {
  400: ValidationError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  422: ValidationError,
  429: RateLimitError,
};

/** Builds the error for an HTTP error response from DigitalOcean's body `{ id, message, request_id }`. */
export function errorFromResponse(details: ErrorDetails & { status: number }): DigitalOceanError {
  const ErrorClass = classByStatus[details.status] ?? (details.status >= 500 ? ServerError : DigitalOceanError);
  return new ErrorClass(details);
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
}
