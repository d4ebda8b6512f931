import type { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import type { ClientRequest } from "node:http";
import { join } from "node:path";
import got, { type Got, type Method, RequestError, type Response } from "got";
import { type Clock, systemClock } from "./clock";
import { DEFAULT_API_ENDPOINT, checkedEndpoint } from "./credentials";
import {
  type DigitalOceanError,
  MissingTokenError,
  NetworkError,
  NotFoundError,
  RedirectError,
  ServerError,
  TimeoutError,
  UnexpectedResponseError,
  ValidationError,
  errorFromResponse,
} from "./errors";
import { tagIdentity } from "./tag-identity";
import { header } from "./headers";
import { currentSubject, naming } from "./log-subject";
import { type RateBudget, type RateBudgetOptions, type RateTicket, sharedRateBudget } from "./rate-budget";
import { redactUrlsIn } from "./redact-urls";
import { type RetryPolicy, backoffDelay, defaultRetryPolicy, retryDelay, retryLimit } from "./retry-policy";
import { boundedText, describeType, withoutSecret } from "./text";
import { IMPORT_TAGS_SCOPE, OPERATION_SCOPES, type OperationId } from "./token-scopes";
import { type Action, type Image, type Tag, actionFromWire, fromWire, imageFromWire, toWire, wireObject } from "./wire";

export type LogLevel = "debug" | "info" | "warn";
export type ClientLogger = (level: LogLevel, message: string) => void;

export interface DigitalOceanClientOptions {
  /** API token; see `resolveCredentials` for where the provider finds it. */
  token: string;
  /** Default `https://api.digitalocean.com`. */
  apiEndpoint?: string;
  /** Where `apiEndpoint` came from (see `resolveCredentials`), named when it cannot be reached. */
  apiEndpointSource?: string;
  /** Where `token` came from (see `resolveCredentials`), named when DigitalOcean refuses it (401, 403). */
  tokenSource?: string;
  /**
   * Allows a plain http `apiEndpoint` on another machine than this one (see `ALLOW_INSECURE_ENDPOINT`).
   * Without it the endpoint must be https or loopback, as `resolveCredentials` demands: every request carries the token.
   */
  allowInsecureEndpoint?: boolean;
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
   * Looks for the image this import would have created (the provider's finds it by its import
   * marker, a tag only this import carries): the one way to tell, after an ambiguous failure,
   * whether DigitalOcean created it.
   */
  findExisting?: () => Promise<Image | undefined>;
  /**
   * Told, once the import has its image, how many import POSTs may have been carried out: 1
   * unless an ambiguous failure was followed by nothing found and the POST sent again. Only with
   * more than one can DigitalOcean still carry out an earlier POST, making a late copy.
   */
  onSettled?: (postsSent: number) => void;
}

export interface UpdateImageRequest {
  name?: string;
  /** An empty string clears the description. */
  description?: string;
  distribution?: string;
}

export type ImageActionRequest = { type: "transfer"; region: string } | { type: "convert" };

/**
 * got's per-request user data. got copies it shallowly for each retry, so `failures` (attempts
 * failed, by error code, for `RetryPolicy.limitByErrorCode`) is one object across the retries.
 */
type RequestContext = {
  idempotent?: boolean;
  failures: Record<string, number>;
  /** The subject of the work that sent the request (log-subject.ts), taken when it was sent: got's hooks run in no caller's context. */
  subject?: string;
};

interface RequestOptions {
  /** DigitalOcean's operation, which names the token scopes a 403 reports. */
  operation: OperationId;
  /** Scopes beyond the operation's own that this request needs (`tag:create` for an import with tags). */
  extraScopes?: readonly string[];
  json?: Record<string, unknown>;
  /** Safe to repeat although the method is not idempotent (assigning a tag, creating a tag). */
  idempotent?: boolean;
}

const packageJson = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { name: string; version: string };
export const USER_AGENT = `${packageJson.name}/${packageJson.version} node/${process.versions.node}`;

/**
 * The most bytes read of any answer. DigitalOcean's largest (a page of 200 images) is a few hundred
 * kilobytes; an answer without end (a misconfigured endpoint, a hostile proxy) would otherwise be
 * held in memory whole, and a string past V8's limit ends the process uncatchably.
 */
export const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** The code of the error that stops reading an answer past `MAX_RESPONSE_BYTES`. */
const RESPONSE_TOO_LARGE = "ERR_RESPONSE_TOO_LARGE";

const RATE_LIMIT_TEXT = "DigitalOcean allows 250 requests a minute and 5,000 an hour per token";

/**
 * Each client's token and got instance (whose options hold the Authorization header), kept off the
 * object: `util.inspect(client)` and `JSON.stringify(client)` cannot show what the client does not
 * hold. (Not `#private` fields: their declarations break programs compiled for ES5.)
 */
const CLIENT_SECRETS = new WeakMap<DigitalOceanClient, { http: Got; token: string }>();

function secretsOf(client: DigitalOceanClient): { http: Got; token: string } {
  return CLIENT_SECRETS.get(client)!;
}

/** How far back an action DigitalOcean may have started although the POST that started it failed is looked for: see `imageActions.post`. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * DigitalOcean's API v2 for custom images, image actions and tags, named after DigitalOcean's
 * operations (https://docs.digitalocean.com/reference/api/digitalocean/#tag/Images).
 */
export class DigitalOceanClient {
  readonly apiEndpoint: string;
  private readonly apiEndpointSource?: string;
  private readonly tokenSource?: string;
  readonly budget: RateBudget;
  readonly clock: Clock;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly log: ClientLogger;

  constructor(options: DigitalOceanClientOptions) {
    if (!options.token?.trim()) throw new MissingTokenError();
    this.apiEndpoint = (options.apiEndpoint ?? DEFAULT_API_ENDPOINT).replace(/\/+$/, "");
    checkedEndpoint(this.apiEndpoint, "DigitalOceanClient's apiEndpoint option", options.allowInsecureEndpoint ?? false);
    this.apiEndpointSource = options.apiEndpointSource;
    this.tokenSource = options.tokenSource;
    this.clock = options.clock ?? systemClock;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.log = options.logger ?? (() => {});
    this.budget = sharedRateBudget(options.token, this.apiEndpoint, this.clock, options.rateBudget);
    const { budget, clock, policy, log } = this;

    const token = options.token.trim();

    const http = got.extend({
      prefixUrl: this.apiEndpoint,
      headers: { authorization: `Bearer ${token}`, "user-agent": USER_AGENT },
      responseType: "json",
      // Every body a server sends (an image's name, an error message) loses any echo of the token here.
      parseJson: (text) => JSON.parse(withoutSecret(text, token)) as unknown,
      handlers: [
        (handlerOptions, next) => {
          const pending = next(handlerOptions);
          if (handlerOptions.isStream) return pending;
          // got keeps reading an answer until it ends; stopped here once it passes the cap (or says it will).
          const events = pending as unknown as EventEmitter;
          let clientRequest: ClientRequest | undefined;
          events.on("request", (request: ClientRequest) => (clientRequest = request));
          events.on("downloadProgress", (progress: { transferred: number; total?: number }) => {
            if (progress.transferred > MAX_RESPONSE_BYTES || (progress.total ?? 0) > MAX_RESPONSE_BYTES) {
              clientRequest?.destroy(Object.assign(new Error("response too large"), { code: RESPONSE_TOO_LARGE }));
            }
          });
          return pending;
        },
      ],
      // DigitalOcean's API never redirects; a 3xx is reported (see `parseResponse`), never followed.
      followRedirect: false,
      timeout: { request: this.timeoutMs },
      retry: {
        limit: policy.limit,
        methods: ["GET", "HEAD", "PUT", "DELETE", "OPTIONS", "POST", "PATCH"],
        statusCodes: policy.statusCodes,
        errorCodes: [...new Set([...policy.errorCodes, ...policy.unsentErrorCodes])],
        // got's own rules are replaced by `retryDelay`, which also decides when a POST may be repeated.
        enforceRetryRules: false,
        calculateDelay: ({ attemptCount, error }) => {
          // An endpoint that answered past the cap once will again (a 500 of 300 MiB is not a passing failure).
          if (error.code === RESPONSE_TOO_LARGE) return 0;
          const context = error.options.context as RequestContext;
          const sameFailures = (context.failures[error.code] = (context.failures[error.code] ?? 0) + 1);
          const delay = retryDelay(policy, {
            attempt: attemptCount,
            method: error.options.method,
            statusCode: error.response?.statusCode,
            errorCode: error.code,
            sameFailures,
            headers: error.response?.headers,
            idempotent: Boolean(context.idempotent),
            now: clock.now(),
            random: Math.random(),
          });
          if (delay > 0) {
            const reason = error.response ? String(error.response.statusCode) : error.code;
            const limit = retryLimit(policy, error.code);
            const retry = limit < policy.limit ? sameFailures : attemptCount;
            log(
              "warn",
              naming(
                `retrying ${error.options.method} ${pathOf(error.options.url)} in ${Math.round(delay)}ms after ${reason} (retry ${retry} of ${limit})`,
                context.subject,
              ),
            );
          }
          return delay > 0 ? Math.max(1, delay * clock.scale) : 0;
        },
      },
      hooks: {
        beforeRequest: [
          async (request) => {
            const ticket = await budget.acquire(request.signal ?? undefined);
            request.context.rateTicket = ticket;
            // Said out loud: a deployment that slows down for the token's budget should say why.
            if (ticket.waitedMs > 0)
              log(
                "warn",
                naming(
                  `${request.method} ${pathOf(request.url)} waited ${Math.round(ticket.waitedMs)}ms for the token's rate limit (${RATE_LIMIT_TEXT})`,
                  (request.context as RequestContext).subject,
                ),
              );
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
    CLIENT_SECRETS.set(this, { http, token });
  }

  readonly images = {
    /** Lists images, following `links.pages.next` through every page. */
    list: async (options: ListImagesOptions = {}): Promise<Image[]> => {
      const query = new URLSearchParams({ per_page: String(options.perPage ?? 200) });
      if (options.type) query.set("type", options.type);
      if (options.private !== undefined) query.set("private", String(options.private));
      if (options.tagName) query.set("tag_name", options.tagName);
      return (await this.paginate(`v2/images?${query}`, "images", "images_list")).map(imageFromWire);
    },

    /** By numeric id, or by slug for public images. */
    get: async (idOrSlug: number | string): Promise<Image> => {
      const body = await this.request<{ image: unknown }>("GET", `v2/images/${encodeURIComponent(String(idOrSlug))}`, {
        operation: "images_get",
      });
      return imageFromWire(body.image);
    },

    /**
     * Imports an image from a URL. The POST is not idempotent: a retry after the server acted
     * would import the image twice, and DigitalOcean offers no idempotency key. So it is repeated
     * by got only when the server certainly did not act (429, connection refused; see
     * `RetryPolicy.unsentStatusCodes`). After an ambiguous failure (reset, timeout, 5xx) the image
     * is looked for with `findExisting`: found, it is adopted; certainly not created, the POST is
     * sent again. Name, url and age identify nothing (another stack, another resource or an
     * earlier import may share them all), so without a finder an ambiguous failure is thrown as it is.
     */
    createCustom: async (request: CreateCustomImageRequest, options: CreateCustomImageOptions = {}): Promise<Image> => {
      const extraScopes = request.tags?.length ? [IMPORT_TAGS_SCOPE] : [];
      const send = async () =>
        imageFromWire(
          (
            await this.request<{ image: unknown }>("POST", "v2/images", {
              operation: "images_create_custom",
              extraScopes,
              json: toWire({ ...request }),
            })
          ).image,
        );
      if (options.findExisting === undefined) {
        const image = await send();
        options.onSettled?.(1);
        return image;
      }
      const { result, posts } = await this.postWithoutDuplicates(send, options.findExisting, `import of image "${request.name}"`);
      options.onSettled?.(posts);
      return result;
    },

    /** Changes name, description and distribution; an empty description clears it. */
    update: async (id: number, request: UpdateImageRequest): Promise<Image> => {
      const body = await this.request<{ image: unknown }>("PUT", `v2/images/${id}`, {
        operation: "images_update",
        json: toWire({ ...request }),
      });
      return imageFromWire(body.image);
    },

    delete: async (id: number): Promise<void> => {
      await this.request("DELETE", `v2/images/${id}`, { operation: "images_delete" });
    },
  };

  readonly imageActions = {
    /**
     * Starts a transfer or a conversion. Like an import, a transfer POST is repeated after an
     * ambiguous failure only when the image's actions show it was not started.
     */
    post: async (imageId: number, request: ImageActionRequest): Promise<Action> => {
      const startedAt = this.clock.now();
      const { result } = await this.postWithoutDuplicates(
        async () =>
          actionFromWire(
            await this.request("POST", `v2/images/${imageId}/actions`, { operation: "imageActions_post", json: toWire({ ...request }) }),
          ),
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
      return result;
    },

    /**
     * A transfer POST that failed ambiguously (a gateway's 504, a reset) may be carried out after
     * the look for it found nothing; the POST sent again is then refused with 422 "already being
     * transferred". DigitalOcean allows one transfer per region at a time, so that refusal names a
     * transfer under way, which is waited for like one started here.
     */
    transfer: async (imageId: number, region: string): Promise<Action> => {
      try {
        return await this.imageActions.post(imageId, { type: "transfer", region });
      } catch (error) {
        if (!(error instanceof ValidationError && /already being transferred/i.test(error.apiMessage ?? ""))) throw error;
        const transfers = (await this.imageActions.list(imageId)).filter(
          (action) => action.type === "transfer" && action.regionSlug === region && action.status !== "errored",
        );
        // The newest: one still in progress, or one that has just completed since the refusal.
        const underWay = transfers.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || b.id - a.id)[0];
        if (underWay === undefined) throw error;
        this.log(
          "warn",
          naming(
            `transfer of image ${imageId} to ${region}: DigitalOcean answered that the image is already being transferred there (${error.apiMessage}), so a request that failed earlier was carried out after all; continuing with that transfer (action ${underWay.id})`,
          ),
        );
        return underWay;
      }
    },

    convert: (imageId: number): Promise<Action> => this.imageActions.post(imageId, { type: "convert" }),

    get: async (imageId: number, actionId: number): Promise<Action> =>
      actionFromWire(await this.request("GET", `v2/images/${imageId}/actions/${actionId}`, { operation: "imageActions_get" })),

    list: async (imageId: number): Promise<Action[]> => {
      return (await this.paginate(`v2/images/${imageId}/actions`, "actions", "imageActions_list")).map(actionFromWire);
    },
  };

  readonly tags = {
    /**
     * Creates the tag unless it exists already, and returns it spelt as DigitalOcean spells it: the
     * first capitalization a tag was created with stays its name (see tagIdentity), and URLs must
     * use it. DigitalOcean answers 201 with the tag, or 422 for an existing tag, whose spelling is
     * then looked up in the account's tags (`tag:read` comes with any token that has `tag:create`).
     */
    create: async (name: string): Promise<Tag> => {
      try {
        const body = await this.request<{ tag: unknown }>("POST", "v2/tags", {
          operation: "tags_create",
          json: { name },
          idempotent: true,
        });
        return fromWire<Tag>(body.tag);
      } catch (error) {
        if (!(error instanceof ValidationError && /already exists/i.test(error.apiMessage ?? ""))) throw error;
        const existing = (await this.paginate("v2/tags?per_page=200", "tags", "tags_list")).map((tag) => fromWire<Tag>(tag));
        return existing.find((tag) => tagIdentity(tag.name) === tagIdentity(name)) ?? { name };
      }
    },

    assignResources: async (tag: string, resources: { resourceId: string | number; resourceType: "image" }[]): Promise<void> => {
      await this.request("POST", `v2/tags/${encodeURIComponent(tag)}/resources`, {
        operation: "tags_assign_resources",
        json: tagResources(resources),
        idempotent: true,
      });
    },

    /** The tag with the count of resources of each type that carry it (`tags_get`). */
    get: async (name: string): Promise<Tag> =>
      fromWire<Tag>(
        wireObject(
          (await this.request<{ tag: unknown }>("GET", `v2/tags/${encodeURIComponent(name)}`, { operation: "tags_get" })).tag,
          "a tag",
        ),
      ),

    /** Deletes the tag (untagging everything that carries it); a tag already gone is success. */
    delete: async (name: string): Promise<void> => {
      try {
        await this.request("DELETE", `v2/tags/${encodeURIComponent(name)}`, { operation: "tags_delete" });
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    },

    unassignResources: async (tag: string, resources: { resourceId: string | number; resourceType: "image" }[]): Promise<void> => {
      await this.request("DELETE", `v2/tags/${encodeURIComponent(tag)}/resources`, {
        operation: "tags_unassign_resources",
        json: tagResources(resources),
      });
    },
  };

  /** The response's JSON object (`undefined` for a 204), or a `DigitalOceanError`. */
  private async request<T>(method: Method, path: string, options: RequestOptions): Promise<T> {
    let response: Response<unknown>;
    try {
      const context: RequestContext = { idempotent: options.idempotent, failures: {}, subject: currentSubject() };
      response = await secretsOf(this).http<unknown>(path, { method, json: options.json, context });
    } catch (error) {
      const scrub = (text: string) => withoutSecret(text, secretsOf(this).token);
      const endpoint = { url: withoutUserinfo(this.apiEndpoint), source: this.apiEndpointSource };
      const tooLarge = error instanceof RequestError && error.code === RESPONSE_TOO_LARGE;
      const refused =
        error instanceof RequestError && error.response && !tooLarge
          ? redirectError(endpoint.url, method, `/${path}`, error.response, scrub)
          : undefined;
      const scopes = [...new Set([...OPERATION_SCOPES[options.operation], ...(options.extraScopes ?? [])])];
      throw refused ?? toDigitalOceanError(error, method, `/${path}`, endpoint, scopes, scrub, this.tokenSource);
    }
    return parseResponse(withoutUserinfo(this.apiEndpoint), method, `/${path}`, response, (text) =>
      withoutSecret(text, secretsOf(this).token),
    ) as T;
  }

  /**
   * The items under `key` on every page of a listing. DigitalOcean's `links.pages.next` is an
   * absolute URL of its own host
   * (https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/Links-and-Pagination),
   * which names the wrong place when `apiEndpoint` is a proxy or has a path prefix. So only the
   * query of the link (the page it asks for) is taken, and every page is requested from the
   * configured endpoint and path: the token never goes to a host a response names. A link back to
   * a page already read, or more than `MAX_PAGES` pages, ends the listing with an error.
   *
   * DigitalOcean's pages are numbered, and it does not say what a page shows when the listing
   * changes while it is read (packages/emulator/digitalocean-openapi/SOURCE.md): if each page is
   * cut from the account as it is then, an image deleted from an earlier page moves a later one onto
   * a page already read, and that image is never seen. A change shows in `meta.total`: a listing
   * whose pages disagree on it is read again from page 1, up to `LISTING_READS` times in all.
   */
  private async paginate(firstPage: string, key: string, operation: OperationId): Promise<unknown[]> {
    for (let read = 1; ; read++) {
      const { items, totals } = await this.readPages(firstPage, key, operation);
      if (new Set(totals).size <= 1 || read >= LISTING_READS) return items;
      this.log(
        "info",
        naming(
          `GET /${firstPage.split("?", 1)[0]} changed while its ${totals.length} pages were read (meta.total ${totals.join(", ")}): reading it again so that no item is missed`,
        ),
      );
    }
  }

  /** One reading of every page of a listing, with each page's `meta.total` (where it has a number). */
  private async readPages(firstPage: string, key: string, operation: OperationId): Promise<{ items: unknown[]; totals: number[] }> {
    const [path, firstQuery = ""] = firstPage.split("?", 2) as [string, string?];
    const items: unknown[] = [];
    const totals: number[] = [];
    const asked = new Set<string>();
    let query = firstQuery;
    for (let page = 1; ; page++) {
      asked.add(query);
      const pagePath = query ? `${path}?${query}` : path;
      const request = { method: "GET", path: `/${pagePath}` };
      const body = await this.request<Record<string, unknown> & { links?: { pages?: { next?: unknown } }; meta?: { total?: unknown } }>(
        "GET",
        pagePath,
        { operation },
      );
      const pageItems = body[key];
      if (!Array.isArray(pageItems))
        throw new UnexpectedResponseError({
          ...request,
          apiMessage: `expected a list "${key}" in the response, got ${describeType(pageItems)}`,
        });
      items.push(...pageItems);
      if (typeof body.meta?.total === "number") totals.push(body.meta.total);
      const next = body.links?.pages?.next;
      if (!next) return { items, totals };
      const nextUrl = typeof next === "string" ? URL.parse(next, DEFAULT_API_ENDPOINT) : null;
      if (nextUrl === null)
        throw new UnexpectedResponseError({ ...request, apiMessage: `links.pages.next is ${describeType(next)}, not a URL` });
      const params = new URLSearchParams(firstQuery);
      for (const [name, value] of nextUrl.searchParams) params.set(name, value);
      query = params.toString();
      if (asked.has(query)) {
        throw new UnexpectedResponseError({
          ...request,
          apiMessage: `links.pages.next leads back to a page already read (?${boundedText(query, 200)}); stopped after ${page} page${page === 1 ? "" : "s"}`,
        });
      }
      if (page >= MAX_PAGES) {
        throw new UnexpectedResponseError({
          ...request,
          apiMessage: `the listing did not end after ${MAX_PAGES} pages (${items.length} items); stopped, taking it for a loop`,
        });
      }
    }
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
   * `posts`: how many were sent that DigitalOcean may have carried out (each one that answered or
   * failed ambiguously; got repeats one on its own only when it certainly was not carried out).
   */
  private async postWithoutDuplicates<T>(
    send: () => Promise<T>,
    findExisting: () => Promise<T | undefined>,
    what: string,
  ): Promise<{ result: T; posts: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { result: await send(), posts: attempt };
      } catch (error) {
        if (!isAmbiguous(error, this.policy) || attempt > this.policy.limit) throw error;
        // With an answer in hand the request has run its course; without one it may still arrive.
        const existing = error.status !== undefined ? await findExisting() : await this.settle(findExisting);
        if (existing !== undefined) {
          this.log(
            "warn",
            naming(
              `${what}: the request failed (${error.message}), but what it would have created exists, so DigitalOcean is taken to have carried it out; continuing with that`,
            ),
          );
          return { result: existing, posts: attempt };
        }
        const delay = backoffDelay(this.policy, attempt, Math.random());
        this.log(
          "warn",
          naming(
            `${what}: the request failed (${error.message}) and nothing it would have created was found, so DigitalOcean is taken not to have carried it out; sending it again in ${Math.round(delay)}ms`,
          ),
        );
        await this.clock.sleep(delay);
      }
    }
  }
}

/**
 * The most pages a listing may take. The largest listing this package reads is every image an
 * account can see (its snapshots, backups and custom images, and DigitalOcean's distributions and
 * Marketplace applications, a few hundred), at 200 a page; image actions come 20 a page and an
 * image has a handful. 100 pages leave room for 20,000 images and end a link loop within 100
 * requests, under half a minute of DigitalOcean's 250-a-minute budget.
 */
export const MAX_PAGES = 100;

/** Readings of a listing that changes while it is read (see `paginate`); the last one is taken as it is. */
export const LISTING_READS = 3;

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

/** An endpoint as messages show it: a `user:password@` in it is a credential. */
function withoutUserinfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1");
}

function pathOf(url: unknown): string {
  return url instanceof URL ? `${url.pathname}${url.search}` : String(url);
}

/**
 * Connection failures that mean the endpoint cannot be reached at all, in words: the message names
 * the endpoint and its setting, since the usual cause is a wrong `apiEndpoint` or no network.
 */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed",
  ENETUNREACH: "network unreachable",
  EHOSTUNREACH: "host unreachable",
};

/**
 * got's errors carry the request options, Authorization header included; only the method, path,
 * status, DigitalOcean's error body, got's error code and the endpoint (`endpoint`, with where it
 * came from) survive into our errors.
 */
function redactOptional(text: string | undefined): string | undefined {
  return text === undefined ? undefined : redactUrlsIn(text);
}

function toDigitalOceanError(
  error: unknown,
  method: string,
  path: string,
  endpoint: { url: string; source?: string },
  requiredScopes: string[],
  scrub: (text: string) => string,
  tokenSource?: string,
): Error {
  if (!(error instanceof RequestError)) return error instanceof Error ? error : new Error(String(error));
  const response = error.response;
  if (error.code === RESPONSE_TOO_LARGE) {
    return new UnexpectedResponseError({
      method,
      path,
      status: response?.statusCode,
      apiMessage:
        `the answer from ${endpoint.url} was larger than ${MAX_RESPONSE_BYTES / 1024 / 1024} MiB and was not read further: DigitalOcean's answers are far smaller, ` +
        "so the endpoint (digitalocean:apiEndpoint or DIGITALOCEAN_API_URL) is probably not DigitalOcean's API, or a proxy in between is misbehaving",
    });
  }
  if (response && response.statusCode >= 300) {
    const body = parseErrorBody(response.body, scrub);
    return errorFromResponse({
      method,
      path,
      status: response.statusCode,
      apiCode: body.id,
      apiMessage: redactOptional(
        body.message ??
          (response.statusMessage === undefined ? undefined : boundedText(scrub(response.statusMessage), ERROR_TEXT_LIMITS.message)),
      ),
      requestId: body.request_id ?? requestIdHeader(response, scrub),
      requiredScopes,
      tokenSource,
    });
  }
  const source = endpoint.source ? `; the API endpoint ${endpoint.source}` : "";
  if (error.code === "ETIMEDOUT" || error.name === "TimeoutError") {
    return new TimeoutError({
      method,
      path,
      apiMessage: `no response within ${error.options.timeout.request ?? "the"}ms timeout from ${endpoint.url}${source}`,
    });
  }
  if (error.code === "ERR_BODY_PARSE_FAILURE") {
    return new NetworkError({ method, path, status: response?.statusCode, apiMessage: "the response was not valid JSON" });
  }
  if (Object.hasOwn(UNREACHABLE, error.code)) {
    return new NetworkError({
      method,
      path,
      networkCode: error.code,
      apiMessage: `cannot connect to ${endpoint.url} (${error.code}: ${UNREACHABLE[error.code]})${source}`,
    });
  }
  return new NetworkError({ method, path, networkCode: error.code, apiMessage: `connection failed (${error.code})` });
}

/** Longest text taken from an error body into a message; longer text is cut (saying so). */
const ERROR_TEXT_LIMITS = { message: 500, id: 100, requestId: 100 } as const;

/** DigitalOcean's error body `{ id, message, request_id }`: only string fields, each without the token and bounded. */
function parseErrorBody(body: unknown, scrub: (text: string) => string): { id?: string; message?: string; request_id?: string } {
  if (typeof body === "string") {
    try {
      return parseErrorBody(JSON.parse(body), scrub);
    } catch {
      return {};
    }
  }
  if (body === null || typeof body !== "object") return {};
  const field = (name: string, limit: number) => {
    const value = (body as Record<string, unknown>)[name];
    // Scrubbed before it is cut, so that no part of a token survives the cut.
    return typeof value === "string" && value !== "" ? boundedText(scrub(value), limit) : undefined;
  };
  return {
    id: field("id", ERROR_TEXT_LIMITS.id),
    message: field("message", ERROR_TEXT_LIMITS.message),
    request_id: field("request_id", ERROR_TEXT_LIMITS.requestId),
  };
}

/**
 * A successful response's body: a JSON object, or nothing for a 204. Anything else (`null`, a
 * number, a list, an empty 200) is an `UnexpectedResponseError` rather than a TypeError later.
 */
function parseResponse(
  endpoint: string,
  method: string,
  path: string,
  response: Response<unknown>,
  scrub: (text: string) => string,
): unknown {
  const refused = redirectError(endpoint, method, path, response, scrub);
  if (refused) throw refused;
  if (response.statusCode === 204) return undefined;
  const body = response.body;
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    const got = body === "" ? "an empty body" : describeType(body);
    throw new UnexpectedResponseError({ method, path, status: response.statusCode, apiMessage: `expected a JSON object, got ${got}` });
  }
  return body;
}

/**
 * The error for a 3xx, which is never followed: it names the endpoint (without userinfo, which the
 * caller has taken out) and where the redirect pointed (an origin never carries userinfo).
 */
function redirectError(
  endpoint: string,
  method: string,
  path: string,
  response: Response<unknown>,
  scrub: (text: string) => string,
): RedirectError | undefined {
  if (response.statusCode < 300 || response.statusCode >= 400) return undefined;
  const location = header(response.headers, "location");
  const origin = location ? scrub(URL.parse(location, `${endpoint}/`)?.origin ?? "null") : undefined;
  const target = origin === undefined ? "" : origin === "null" ? " to an unreadable location" : ` to ${origin}`;
  return new RedirectError({
    method,
    path,
    status: response.statusCode,
    requestId: requestIdHeader(response, scrub),
    apiMessage:
      `the endpoint ${endpoint} answered with a redirect${target}, which was not followed: DigitalOcean's API does not redirect, ` +
      "so the endpoint (digitalocean:apiEndpoint or DIGITALOCEAN_API_URL) is probably wrong",
  });
}

function requestIdHeader(response: Response<unknown>, scrub: (text: string) => string): string | undefined {
  const value = header(response.headers, "x-request-id");
  return value === undefined ? undefined : boundedText(scrub(value), ERROR_TEXT_LIMITS.requestId);
}
