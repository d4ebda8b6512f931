import { readFileSync } from "node:fs";
import { join } from "node:path";
import got, { type Got, type Method, RequestError } from "got";
import { type Clock, systemClock } from "./clock";
import { DEFAULT_API_ENDPOINT } from "./credentials";
import {
  type DigitalOceanError,
  MissingTokenError,
  NetworkError,
  NotFoundError,
  ServerError,
  TimeoutError,
  ValidationError,
  errorFromResponse,
} from "./errors";
import { header } from "./headers";
import { type RateBudget, type RateBudgetOptions, type RateTicket, sharedRateBudget } from "./rate-budget";
import { type RetryPolicy, backoffDelay, defaultRetryPolicy, retryDelay } from "./retry-policy";
import { type Action, type Image, type Tag, actionFromWire, fromWire, imageFromWire, toWire } from "./wire";

export type LogLevel = "debug" | "info" | "warn";
export type ClientLogger = (level: LogLevel, message: string) => void;

export interface DigitalOceanClientOptions {
  /** API token; see `resolveCredentials` for where the provider finds it. */
  token: string;
  /** Default `https://api.digitalocean.com`. */
  apiEndpoint?: string;
  /** Real milliseconds before a request with no response is abandoned (and, for reads, retried). Default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  rateBudget?: Partial<RateBudgetOptions>;
  clock?: Clock;
  logger?: ClientLogger;
}

export interface ListImagesOptions {
  /** DigitalOcean's filter: `distribution` or `application` images. */
  type?: "distribution" | "application";
  /** Only the account's own images. */
  private?: boolean;
  tagName?: string;
  /** Page size, 1 to 200 (default 200: fewest requests). */
  perPage?: number;
}

export interface CreateCustomImageRequest {
  name: string;
  url: string;
  region: string;
  distribution?: string;
  description?: string;
  tags?: string[];
}

export interface CreateCustomImageOptions {
  /**
   * One of `tags` that only this import carries (the provider's import marker): the one way to
   * tell, after an ambiguous failure, whether DigitalOcean created the image.
   */
  identifyingTag?: string;
}

export interface UpdateImageRequest {
  name?: string;
  /** An empty string clears the description. */
  description?: string;
  distribution?: string;
}

export type ImageActionRequest = { type: "transfer"; region: string } | { type: "convert" };

interface RequestOptions {
  json?: Record<string, unknown>;
  /** Safe to repeat although the method is not idempotent (assigning a tag, creating a tag). */
  idempotent?: boolean;
}

const packageJson = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { name: string; version: string };
export const USER_AGENT = `${packageJson.name}/${packageJson.version} node/${process.versions.node}`;

/** How far back an action DigitalOcean may have started although the POST that started it failed is looked for: see `imageActions.post`. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * DigitalOcean's API v2 for custom images, image actions and tags, named after DigitalOcean's
 * operations (https://docs.digitalocean.com/reference/api/digitalocean/#tag/Images).
 */
export class DigitalOceanClient {
  readonly apiEndpoint: string;
  readonly budget: RateBudget;
  readonly clock: Clock;
  private readonly http: Got;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly log: ClientLogger;
  /** Images this process created or adopted, so that no later lookup adopts one of them again. */
  readonly claimed = new Set<number>();

  constructor(options: DigitalOceanClientOptions) {
    if (!options.token?.trim()) throw new MissingTokenError();
    this.apiEndpoint = (options.apiEndpoint ?? DEFAULT_API_ENDPOINT).replace(/\/+$/, "");
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.log = options.logger ?? (() => {});
    this.budget = sharedRateBudget(options.token, this.apiEndpoint, this.clock, options.rateBudget);
    const { budget, clock, policy, log } = this;

    this.http = got.extend({
      prefixUrl: this.apiEndpoint,
      headers: { authorization: `Bearer ${options.token.trim()}`, "user-agent": USER_AGENT },
      responseType: "json",
      timeout: { request: this.timeoutMs },
      retry: {
        limit: policy.limit,
        methods: ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"],
        statusCodes: policy.statusCodes,
        errorCodes: [...new Set([...policy.errorCodes, ...policy.unsentErrorCodes])],
        // got's own rules are replaced by `retryDelay`, which also decides when a POST may be repeated.
        enforceRetryRules: false,
        calculateDelay: ({ attemptCount, error }) => {
          const delay = retryDelay(policy, {
            attempt: attemptCount,
            method: error.options.method,
            statusCode: error.response?.statusCode,
            errorCode: error.code,
            headers: error.response?.headers,
            idempotent: Boolean((error.options.context as { idempotent?: boolean }).idempotent),
            now: clock.now(),
            random: Math.random(),
          });
          if (delay > 0) {
            const reason = error.response ? String(error.response.statusCode) : error.code;
            log("warn", `retrying ${error.options.method} ${pathOf(error.options.url)} in ${Math.round(delay)}ms after ${reason} (retry ${attemptCount} of ${policy.limit})`);
          }
          return delay > 0 ? Math.max(1, delay * clock.scale) : 0;
        },
      },
      hooks: {
        beforeRequest: [
          async (request) => {
            request.context.rateTicket = await budget.acquire(request.signal ?? undefined);
          },
        ],
        afterResponse: [
          (response) => {
            budget.settle(response.request.options.context.rateTicket as RateTicket | undefined);
            budget.observe(response.headers);
            return response;
          },
        ],
      },
    });
  }

  readonly images = {
    /** Lists images, following `links.pages.next` through every page. */
    list: async (options: ListImagesOptions = {}): Promise<Image[]> => {
      const query = new URLSearchParams({ per_page: String(options.perPage ?? 200) });
      if (options.type) query.set("type", options.type);
      if (options.private !== undefined) query.set("private", String(options.private));
      if (options.tagName) query.set("tag_name", options.tagName);
      const bodies = await this.paginate<{ images: unknown[] }>(`v2/images?${query}`);
      return bodies.flatMap((body) => body.images.map(imageFromWire));
    },

    /** By numeric id, or by slug for public images. */
    get: async (idOrSlug: number | string): Promise<Image> => {
      const body = await this.request<{ image: unknown }>("GET", `v2/images/${encodeURIComponent(String(idOrSlug))}`);
      return imageFromWire(body.image);
    },

    /**
     * Imports an image from a URL. The POST is not idempotent: a retry after the server acted
     * would import the image twice, and DigitalOcean offers no idempotency key. So it is repeated
     * by got only when the server certainly did not act (429, connection refused; see
     * `RetryPolicy.unsentStatusCodes`). After an ambiguous failure (reset, timeout, 5xx) the image
     * is looked for by `identifyingTag`, a tag the POST carries and no other image does: found, it
     * is adopted; certainly not created, the POST is sent again. Name, url and age identify
     * nothing (another stack, another resource or an earlier import may share them all), so
     * without an identifying tag an ambiguous failure is thrown as it is.
     */
    createCustom: async (request: CreateCustomImageRequest, options: CreateCustomImageOptions = {}): Promise<Image> => {
      const { identifyingTag } = options;
      if (identifyingTag !== undefined && !request.tags?.includes(identifyingTag)) {
        throw new RangeError(`identifyingTag ${JSON.stringify(identifyingTag)} must be one of the request's tags`);
      }
      const send = async () => imageFromWire((await this.request<{ image: unknown }>("POST", "v2/images", { json: toWire({ ...request }) })).image);
      const image =
        identifyingTag === undefined
          ? await send()
          : await this.postWithoutDuplicates(
              send,
              async () => (await this.images.list({ tagName: identifyingTag })).find((image) => image.tags.includes(identifyingTag) && !this.claimed.has(image.id)),
              `import of image "${request.name}"`,
            );
      this.claimed.add(image.id);
      return image;
    },

    /** Changes name, description and distribution; an empty description clears it. */
    update: async (id: number, request: UpdateImageRequest): Promise<Image> => {
      const body = await this.request<{ image: unknown }>("PUT", `v2/images/${id}`, { json: toWire({ ...request }) });
      return imageFromWire(body.image);
    },

    delete: async (id: number): Promise<void> => {
      await this.request("DELETE", `v2/images/${id}`);
    },
  };

  readonly imageActions = {
    /**
     * Starts a transfer or a conversion. Like an import, a transfer POST is repeated after an
     * ambiguous failure only when the image's actions show it was not started.
     */
    post: async (imageId: number, request: ImageActionRequest): Promise<Action> => {
      const startedAt = this.clock.now();
      return this.postWithoutDuplicates(
        async () => actionFromWire(await this.request("POST", `v2/images/${imageId}/actions`, { json: toWire({ ...request }) })),
        async () => {
          const actions = await this.imageActions.list(imageId);
          return actions.find(
            (action) =>
              action.type === request.type &&
              action.status !== "errored" &&
              (request.type !== "transfer" || action.regionSlug === request.region) &&
              Date.parse(action.startedAt) >= startedAt - CLOCK_SKEW_MS,
          );
        },
        `${request.type} of image ${imageId}`,
      );
    },

    transfer: (imageId: number, region: string): Promise<Action> => this.imageActions.post(imageId, { type: "transfer", region }),

    convert: (imageId: number): Promise<Action> => this.imageActions.post(imageId, { type: "convert" }),

    get: async (imageId: number, actionId: number): Promise<Action> =>
      actionFromWire(await this.request("GET", `v2/images/${imageId}/actions/${actionId}`)),

    list: async (imageId: number): Promise<Action[]> => {
      const bodies = await this.paginate<{ actions: unknown[] }>(`v2/images/${imageId}/actions`);
      return bodies.flatMap((body) => body.actions.map(actionFromWire));
    },
  };

  readonly tags = {
    /** Creates the tag unless it exists already (DigitalOcean answers 201 or 422 for an existing tag). */
    create: async (name: string): Promise<Tag> => {
      try {
        const body = await this.request<{ tag: unknown }>("POST", "v2/tags", { json: { name }, idempotent: true });
        return fromWire<Tag>(body.tag);
      } catch (error) {
        if (error instanceof ValidationError && /already exists/i.test(error.apiMessage ?? "")) return { name };
        throw error;
      }
    },

    assignResources: async (tag: string, resources: { resourceId: string | number; resourceType: "image" }[]): Promise<void> => {
      await this.request("POST", `v2/tags/${encodeURIComponent(tag)}/resources`, { json: tagResources(resources), idempotent: true });
    },

    /** Deletes the tag (untagging everything that carries it); a tag already gone is success. */
    delete: async (name: string): Promise<void> => {
      try {
        await this.request("DELETE", `v2/tags/${encodeURIComponent(name)}`);
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    },

    unassignResources: async (tag: string, resources: { resourceId: string | number; resourceType: "image" }[]): Promise<void> => {
      await this.request("DELETE", `v2/tags/${encodeURIComponent(tag)}/resources`, { json: tagResources(resources) });
    },
  };

  private async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    try {
      const response = await this.http<T>(path, { method, json: options.json, context: { idempotent: options.idempotent } });
      return response.body;
    } catch (error) {
      throw toDigitalOceanError(error, method, `/${path}`);
    }
  }

  /**
   * Every page of a listing. DigitalOcean's `links.pages.next` is an absolute URL of its own host
   * (https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/Links-and-Pagination),
   * which names the wrong place when `apiEndpoint` is a proxy or has a path prefix. So only the
   * query of the link (the page it asks for) is taken, and every page is requested from the
   * configured endpoint and path: the token never goes to a host a response names.
   */
  private async paginate<T extends object>(firstPage: string): Promise<T[]> {
    const [path, firstQuery = ""] = firstPage.split("?", 2) as [string, string?];
    const bodies: T[] = [];
    const asked = new Set<string>();
    let query = firstQuery;
    for (;;) {
      asked.add(query);
      const body: T & { links?: { pages?: { next?: string } } } = await this.request<T>("GET", query ? `${path}?${query}` : path);
      bodies.push(body);
      const next = body.links?.pages?.next;
      if (!next) break;
      const params = new URLSearchParams(firstQuery);
      for (const [key, value] of new URL(next, "https://api.digitalocean.com/").searchParams) params.set(key, value);
      query = params.toString();
      if (asked.has(query)) {
        throw new NetworkError({ method: "GET", path: `/${path}` }, `DigitalOcean's pagination link asks again for a page already read (?${query}); stopping instead of looping`);
      }
    }
    return bodies;
  }

  /**
   * Looks for what a failed POST created, again and again for `SETTLE_TIMEOUTS` request
   * timeouts (real time: the timeout is real), so that a request carried out late is found
   * rather than sent a second time.
   */
  private async settle<T>(findExisting: () => Promise<T | undefined>): Promise<T | undefined> {
    const realToSimulated = this.clock.scale > 0 ? 1 / this.clock.scale : 0;
    const step = (this.timeoutMs / 2) * realToSimulated;
    for (let check = 0; check <= 2 * SETTLE_TIMEOUTS; check++) {
      if (check > 0) await this.clock.sleep(step);
      const existing = await findExisting();
      if (existing !== undefined) return existing;
    }
    return undefined;
  }

  /**
   * Sends a non-idempotent POST so that it takes effect at most once: after an ambiguous failure,
   * `findExisting` looks for what the POST would have created before the POST is sent again.
   */
  private async postWithoutDuplicates<T>(send: () => Promise<T>, findExisting: () => Promise<T | undefined>, what: string): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        if (!isAmbiguous(error, this.policy) || attempt > this.policy.limit) throw error;
        // With an answer in hand the request has run its course; without one it may still arrive.
        const existing = error.status !== undefined ? await findExisting() : await this.settle(findExisting);
        if (existing !== undefined) {
          this.log("warn", `${what}: the request failed (${error.message}) but DigitalOcean had acted on it; continuing with the result`);
          return existing;
        }
        const delay = backoffDelay(this.policy, attempt, Math.random());
        this.log("warn", `${what}: the request failed (${error.message}) and DigitalOcean has not acted on it; sending it again in ${Math.round(delay)}ms`);
        await this.clock.sleep(delay);
      }
    }
  }
}

/**
 * How long, in request timeouts, a request that failed ambiguously may still be carried out: a
 * request stuck behind a slow proxy can reach DigitalOcean after the client gave up on it.
 */
const SETTLE_TIMEOUTS = 2;

/** A failure after which the server may or may not have acted. */
function isAmbiguous(error: unknown, policy: RetryPolicy): error is DigitalOceanError {
  if (error instanceof NetworkError) return !policy.unsentErrorCodes.includes(error.networkCode ?? "");
  return error instanceof ServerError || error instanceof TimeoutError;
}

function tagResources(resources: { resourceId: string | number; resourceType: "image" }[]) {
  return { resources: resources.map((resource) => ({ resource_id: String(resource.resourceId), resource_type: resource.resourceType })) };
}

function pathOf(url: unknown): string {
  return url instanceof URL ? `${url.pathname}${url.search}` : String(url);
}

/**
 * got's errors carry the request options, Authorization header included; only the method, path,
 * status, DigitalOcean's error body and got's error code survive into our errors.
 */
function toDigitalOceanError(error: unknown, method: string, path: string): Error {
  if (!(error instanceof RequestError)) return error instanceof Error ? error : new Error(String(error));
  const response = error.response;
  if (response && response.statusCode >= 300) {
    const body = parseErrorBody(response.body);
    return errorFromResponse({
      method,
      path,
      status: response.statusCode,
      apiCode: body.id,
      apiMessage: body.message ?? response.statusMessage,
      requestId: body.request_id ?? header(response.headers, "x-request-id"),
    });
  }
  if (error.code === "ETIMEDOUT" || error.name === "TimeoutError") {
    return new TimeoutError({ method, path, apiMessage: `no response within ${error.options.timeout.request ?? "the"}ms timeout` });
  }
  if (error.code === "ERR_BODY_PARSE_FAILURE") {
    return new NetworkError({ method, path, status: response?.statusCode, apiMessage: "the response was not valid JSON" });
  }
  return new NetworkError({ method, path, networkCode: error.code, apiMessage: `connection failed (${error.code})` });
}

function parseErrorBody(body: unknown): { id?: string; message?: string; request_id?: string } {
  if (typeof body === "string") {
    try {
      return parseErrorBody(JSON.parse(body));
    } catch {
      return {};
    }
  }
  return body !== null && typeof body === "object" ? (body as { id?: string; message?: string; request_id?: string }) : {};
}
