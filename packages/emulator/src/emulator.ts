import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { scaledClock, systemClock, type Clock } from "../../../src/client/clock";
import { ApiError } from "./api-error";
import {
  EmulatorState,
  type AuditEntry,
  type DuplicateImport,
  type ErrorMessageUrl,
  type ImagePatch,
  type ListingPages,
  type PendingImages,
  type SavedImage,
  type TransferRegion,
} from "./emulator-state";
import { FaultQueue, faultErrorBody, type Fault, type FaultMatch, type InjectedFault } from "./faults";
import { OPERATIONS } from "./operations";
import { programTime, type ClientClock, type ProgramTime } from "./program-time";
import { DEFAULT_PUBLIC_IMAGES, type PublicImageSeed } from "./public-images";
import { RateLimiter, type RateDecision, type RateLimit } from "./rate-limiter";
import { missingScopes, requiredScopes, type ScopedToken } from "./scopes";
import { loadSpecValidator, type SpecValidator } from "./spec-validator";
import { actionTypeError, isToleratedResponseIssue, tolerate } from "./tolerances";
import { inspect, INSPECTION_PREFIX } from "./inspection";
import type { ActionWire, ImageWire } from "./wire";

export type {
  AuditEntry,
  DuplicateImport,
  ErrorMessageUrl,
  ImagePatch,
  ListingPages,
  PendingImages,
  SavedImage,
  TransferRegion,
} from "./emulator-state";
export type { Fault, FaultMatch, InjectedFault } from "./faults";
export type { ClientClock } from "./program-time";
export type { PublicImageSeed } from "./public-images";
export type { RateLimit } from "./rate-limiter";
export type { ScopedToken } from "./scopes";
export type { ActionWire, ImageStatus, ImageWire, TagWire } from "./wire";
export { DURATION_MARKER } from "./import-plan";
export { SPEC_PATH } from "./spec-validator";
export { emulatorReport, summaryLine, type EmulatorReport, type EmulatorSummary, type ReportedImport } from "./report";
export { INSPECTION_PREFIX, type InspectedRequest } from "./inspection";
export { requestLogLine } from "./request-log";

/** All durations are simulated milliseconds on `clock`. */
export interface EmulatorOptions {
  /** Default `systemClock`; share a `scaledClock` with the client to run simulated hours in seconds. */
  clock?: Clock;
  /** Shortcut for `clock: scaledClock(timeFactor)`; ignored when `clock` is given. */
  timeFactor?: number;
  /**
   * Whose clock the programs calling the emulator read its times with (see program-time.ts):
   * `shared` (default), they use `emulator.clock`; `system`, they use the system clock, so a fast
   * clock shows real instants (`created_at`, actions' times, `ratelimit-reset`, `date`), real
   * `retry-after` seconds, and lets a deleted image linger `deletedLingerMs` of real time. The
   * command (`digitalocean-images-emulator`) uses `system`: a program cannot share its clock.
   */
  clientClock?: ClientClock;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
  /**
   * Accepted bearer tokens; default `["test-token"]`. A string has full access; `{ token, scopes }`
   * is a custom-scoped token, answered 403 for an operation that needs a scope it lacks.
   */
  tokens?: (string | ScopedToken)[];
  /**
   * From `POST /v2/images` to `available` (or to `deleted` for a failing import); `NEW` for the
   * first 10 %, then `pending`. Default 30 s. An image URL with `?emulator_duration_s=N` takes N s.
   */
  importDurationMs?: number | ((url: string) => number);
  /** From a transfer action's creation to `completed`; default 20 s. */
  transferDurationMs?: number | ((region: string) => number);
  /** How long a deleted image still answers GET with `status: "deleted"`, in the programs' time (see `clientClock`); default 60 s. */
  deletedLingerMs?: number;
  /** Per token, sliding windows; default 250/minute and 5,000/hour. `false`: no limit and no `ratelimit-*` headers. */
  rateLimit?: RateLimit | false;
  /** DigitalOcean's public images; default a few distributions and 1-click apps; `false` for none. */
  publicImages?: boolean | readonly PublicImageSeed[];
  /**
   * Switches for what DigitalOcean does not document (digitalocean-openapi/SOURCE.md), so that a
   * client can be tested under each answer. Defaults: the first value.
   * `transferRegion`: a transfer action's `region`/`region_slug` name the region transferred to
   * (`destination`), the image's import region (`source`), or nothing (`none`: no `region`,
   * `region_slug: null`).
   */
  transferRegion?: TransferRegion;
  /** `listed`: listings show images still `NEW` or `pending`, with their tags; `unlisted`: only once their import ended. */
  pendingImages?: PendingImages;
  /** `path-only`: a failed import's `error_message` shows the url without its query; `full`: whole, signature included. */
  errorMessageUrl?: ErrorMessageUrl;
  /** `live`: each page of a listing is cut from the account as it is then (offset pagination); `snapshot`: as it was at page 1. */
  listingPages?: ListingPages;
  /**
   * Called once each request is over (answered, reset, or left hanging until the client gave up),
   * with the real milliseconds it took: the command's `--log` writes a line for each. Not called
   * for the inspection endpoint (`/_emulator/...`).
   */
  onRequest?: (entry: RequestLogEntry, realMs: number) => void;
}

export interface RequestLogEntry {
  method: string;
  /** Without the query string. */
  path: string;
  query: Record<string, string | string[]>;
  /** As received, `authorization` included. */
  headers: IncomingHttpHeaders;
  /**
   * Parsed JSON; the raw text when it is not JSON; undefined when empty, when refused as too large
   * (413), and for a request without a valid token (not kept: anyone can send them).
   */
  body: unknown;
  /**
   * The status answered, or that would have been for `reset-after-processing`; null when no
   * answer was produced (`hang`, `reset`, a request still in flight).
   */
  status: number | null;
  fault?: Fault["kind"];
  operationId?: string;
  requestId: string;
  /** Simulated epoch ms when the request arrived. */
  at: number;
}

/**
 * Something the spec does not allow, or the emulator could not do: `request` (the client sent
 * what DigitalOcean would reject, or a route the spec does not have), `deviation` (the client sent
 * what the spec rejects but DigitalOcean accepts, such as a distribution outside the enum, which
 * DigitalOcean stores as `Unknown`: answered as DigitalOcean does, and never sent by the provider),
 * `response` (the emulator answered outside the spec: an emulator bug), `unimplemented` (an
 * operation of the spec the emulator does not serve), `internal` (the emulator threw).
 */
export interface Violation {
  kind: "request" | "deviation" | "response" | "unimplemented" | "internal";
  operationId?: string;
  method: string;
  path: string;
  status?: number;
  errors: string[];
  /**
   * Set on a request without an accepted token to a route the spec does not have (a port scan, a
   * `curl /`): anyone can send one, so it says nothing about the program under test.
   */
  withoutToken?: true;
}

export interface Emulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly clock: Clock;
  readonly requests: RequestLogEntry[];
  readonly violations: Violation[];
  /** 429s sent because a token exceeded the rate limit (injected 429s not included). */
  readonly rateLimited: number;
  /** Real ms this process spent loading the spec (once, shared by every emulator). */
  readonly specInitMs: number;
  /** The next `match.count` (default 1) requests matching `match` get `fault`. */
  inject(fault: Fault, match?: FaultMatch): InjectedFault;
  /** Imports from URLs containing (string) or matching (RegExp) `matcher` end `deleted` with `message`. */
  failImports(matcher: string | RegExp, message?: string): void;
  /**
   * The servers of matching URLs refuse HEAD (a CDN that does not support it): DigitalOcean's
   * importer needs HEAD, so their imports end `deleted` once the import starts (at the end of `NEW`).
   */
  refuseHead(matcher: string | RegExp): void;
  /** Marks a custom image `retired`, a status DigitalOcean's spec lists: still readable, no longer transferable. */
  retireImage(id: number): void;
  /** From now on `token` is refused with 401, as DigitalOcean refuses a revoked or expired token. */
  revokeToken(token: string): void;
  /** From now on `token` has only `scopes` (a custom-scoped token), and is refused with 403 for what needs another. */
  limitToken(token: string, scopes: readonly string[]): void;
  /** Transfers to `region` started from now on end `errored`. */
  failTransfers(region: string): void;
  /** Every image created through `POST /v2/images`, oldest first. */
  audit(): AuditEntry[];
  /** Imports repeated while an earlier image with the same name and URL was not deleted. */
  duplicates(): DuplicateImport[];
  /**
   * Imports repeated by mistake: while an earlier image not deleted still carried the same import
   * marker; without a marker, as `duplicates()`. Replacements and other stacks' imports of the same
   * name and URL are not among them (see the README, "Gating CI on a run").
   */
  duplicateImports(): DuplicateImport[];
  /** Custom images not deleted that still carry an import marker: imported, never handed to Pulumi. */
  orphans(): AuditEntry[];
  /** Image actions (transfers, conversions), as `GET /v2/actions` answers them. */
  actions(): ActionWire[];
  /** The image as GET would answer it now (also while it lingers deleted); undefined when gone. */
  getImage(id: number): ImageWire | undefined;
  /** Changes a custom image behind the client's back (drift); tags are created as needed. */
  mutateImage(id: number, patch: Partial<ImagePatch>): void;
  /** Deletes a custom image behind the client's back; it lingers like any deleted image. */
  deleteImageOutOfBand(id: number): void;
  /** The custom images not deleted, as GET answers them, with the URLs they were imported from. */
  saveImages(): SavedImage[];
  /** Images `saveImages` returned, back with their ids in this emulator (seeds a test with the account a state was written against). */
  restoreImages(saved: readonly SavedImage[]): void;
  /** Stops listening and destroys every connection, hanging or kept alive. */
  close(): Promise<void>;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  operationId?: string;
}

/**
 * The largest request body read, in bytes. DigitalOcean's largest request here, an import POST with
 * an 8 KiB presigned url, a description and tags, is a few kilobytes; a larger body is answered 413
 * unread (by its content-length) or as soon as it passes this (a chunked one), so that no client can
 * make the emulator hold more than this per request.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

const DEFAULTS = {
  tokens: ["test-token"],
  importDurationMs: 30_000,
  transferDurationMs: 20_000,
  deletedLingerMs: 60_000,
  rateLimit: { perMinute: 250, perHour: 5000 },
  port: 0,
} satisfies Partial<EmulatorOptions>;

// The spec shows these actions bare; the real API wraps them in `{ "action": ... }` (SOURCE.md).
const BARE_ACTION_IN_SPEC = new Set(["imageActions_post", "imageActions_get"]);
// Who is counted when no valid token was sent.
const ANONYMOUS = "";

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const spec = await loadSpecValidator();
  const emulator = new EmulatorServer(spec, options);
  await emulator.listen(options.port ?? DEFAULTS.port);
  return emulator;
}

class EmulatorServer implements Emulator {
  readonly clock: Clock;
  readonly requests: RequestLogEntry[] = [];
  readonly violations: Violation[] = [];
  rateLimited = 0;
  url = "";

  private readonly server: Server;
  private readonly faults = new FaultQueue();
  private readonly limiter: RateLimiter | undefined;
  /** Each accepted token's scopes; `undefined` for full access. */
  private readonly tokens: Map<string, ReadonlySet<string> | undefined>;
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;
  private readonly state: EmulatorState;
  private readonly time: ProgramTime;
  private readonly onRequest: EmulatorOptions["onRequest"];

  constructor(
    private readonly spec: SpecValidator,
    options: EmulatorOptions,
  ) {
    this.clock = options.clock ?? (options.timeFactor !== undefined ? scaledClock(options.timeFactor) : systemClock);
    this.tokens = new Map(
      (options.tokens ?? DEFAULTS.tokens).map((token) =>
        typeof token === "string" ? [token, undefined] : [token.token, new Set(token.scopes)],
      ),
    );
    this.time = programTime(this.clock, options.clientClock ?? "shared");
    this.onRequest = options.onRequest;
    const rateLimit = options.rateLimit ?? DEFAULTS.rateLimit;
    this.limiter = rateLimit === false ? undefined : new RateLimiter(rateLimit, this.time);
    const seeds = options.publicImages;
    this.state = new EmulatorState({
      clock: this.clock,
      importDurationMs: options.importDurationMs ?? DEFAULTS.importDurationMs,
      transferDurationMs: options.transferDurationMs ?? DEFAULTS.transferDurationMs,
      // A program polls at its own pace; on a fast clock a simulated minute could pass between two of its polls.
      deletedLingerMs: this.time.simulatedSpan(options.deletedLingerMs ?? DEFAULTS.deletedLingerMs),
      time: this.time,
      transferRegion: options.transferRegion,
      pendingImages: options.pendingImages,
      errorMessageUrl: options.errorMessageUrl,
      listingPages: options.listingPages,
      publicImages: seeds === false ? [] : seeds === true || seeds === undefined ? DEFAULT_PUBLIC_IMAGES : seeds,
      baseUrl: () => this.url,
    });
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        // `handle` answers every error it expects; anything else is a bug worth seeing in tests.
        // The path without its query, as every violation names it.
        const path = (request.url ?? "").split("?")[0] ?? "";
        this.violations.push({ kind: "internal", method: request.method ?? "", path, errors: [String(error)] });
        if (!response.headersSent) response.writeHead(500).end();
      });
    });
  }

  get specInitMs(): number {
    return this.spec.initMs;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, "127.0.0.1", () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  inject(fault: Fault, match?: FaultMatch): InjectedFault {
    return this.faults.add(fault, match);
  }

  revokeToken(token: string): void {
    this.tokens.delete(token);
  }

  limitToken(token: string, scopes: readonly string[]): void {
    if (!this.tokens.has(token)) throw new RangeError(`unknown token: only an accepted token can be limited`);
    this.tokens.set(token, new Set(scopes));
  }

  failImports(matcher: string | RegExp, message?: string): void {
    this.state.failImports({ matcher, message });
  }

  failTransfers(region: string): void {
    this.state.failTransfers(region);
  }

  refuseHead(matcher: string | RegExp): void {
    this.state.failImports({ matcher, refuseHead: true });
  }

  retireImage(id: number): void {
    this.state.retireImage(id);
  }

  audit(): AuditEntry[] {
    return this.state.audit();
  }

  duplicates(): DuplicateImport[] {
    return this.state.duplicates();
  }

  duplicateImports(): DuplicateImport[] {
    return this.state.duplicateImports();
  }

  orphans(): AuditEntry[] {
    return this.state.orphans();
  }

  actions(): ActionWire[] {
    return this.state.listActions();
  }

  getImage(id: number): ImageWire | undefined {
    return this.state.peekImage(id);
  }

  mutateImage(id: number, patch: Partial<ImagePatch>): void {
    this.state.mutateImage(id, patch);
  }

  deleteImageOutOfBand(id: number): void {
    this.state.deleteImageOutOfBand(id);
  }

  saveImages(): SavedImage[] {
    return this.state.saveImages();
  }

  restoreImages(saved: readonly SavedImage[]): void {
    this.state.restoreImages(saved);
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing.abort(new Error("the emulator closed"));
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const at = this.clock.now();
    const started = performance.now();
    // Concatenated, not resolved: a path starting `//` must not become a host.
    const url = new URL(`${this.url}${request.url ?? "/"}`);
    if (url.pathname.startsWith(INSPECTION_PREFIX)) {
      // Read-only, and not part of the run: neither logged nor counted.
      request.resume();
      this.send(response, undefined, inspect(this, request.method ?? "GET", url.pathname));
      return;
    }
    const raw = await readBody(request, MAX_REQUEST_BODY_BYTES);
    if (raw === undefined) return; // the client went away while sending
    const entry: RequestLogEntry = {
      method: request.method ?? "GET",
      path: url.pathname,
      query: queryObject(url.searchParams),
      headers: request.headers,
      body: raw === TOO_LARGE ? undefined : parseLoosely(raw),
      status: null,
      requestId: randomUUID(),
      at,
    };
    this.requests.push(entry);
    if (this.onRequest) {
      const report = this.onRequest;
      response.once("close", () => report(entry, performance.now() - started));
    }
    if (raw === TOO_LARGE) {
      const tooLarge = new ApiError(413, "request_entity_too_large", `The request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`);
      const reply = this.error(tooLarge, entry.requestId, undefined);
      // The rest of the body is never read: the connection ends with the answer.
      this.send(response, entry, { ...reply, headers: { ...reply.headers, connection: "close" } });
      return;
    }

    const fault = this.faults.take(entry.method, entry.path);
    if (fault) entry.fault = fault.kind;
    switch (fault?.kind) {
      case "status":
        this.send(response, entry, faultReply(fault, entry.requestId));
        return;
      case "status-then-process":
        this.send(response, entry, faultReply({ kind: "status", status: fault.status }, entry.requestId));
        try {
          await this.clock.sleep(fault.afterMs, this.closing.signal);
        } catch {
          return; // closed while waiting
        }
        // The answer went out already: the request only takes effect now.
        this.reply({ ...entry, status: null }, raw, url);
        return;
      case "hang":
        await new Promise((resolve) => response.once("close", resolve));
        return;
      case "reset":
        request.socket.resetAndDestroy();
        return;
      case "malformed-json":
        this.send(response, entry, {
          status: fault.status ?? 200,
          headers: { "x-request-id": entry.requestId, "content-type": "application/json; charset=utf-8" },
          body: '{"images": [{"id": 1, "name": "trunc',
        });
        return;
      case "delay":
        try {
          await this.clock.sleep(fault.ms, this.closing.signal);
        } catch {
          return; // closed while waiting
        }
        break;
    }

    const reply = this.reply(entry, raw, url);
    entry.operationId = reply.operationId;
    if (reply.status === 401) entry.body = undefined;
    if (reply.operationId) this.checkResponse(entry, reply);
    if (fault?.kind === "reset-after-processing") {
      entry.status = reply.status;
      request.socket.resetAndDestroy();
      return;
    }
    this.send(response, entry, reply);
  }

  /** Routing, authentication, rate limiting, validation and the operation, in DigitalOcean's order. */
  private reply(entry: RequestLogEntry, raw: string, url: URL): Reply {
    const { method, path, requestId } = entry;
    const token = bearerToken(entry.headers.authorization);
    const known = token !== undefined && this.tokens.has(token);
    const matched = this.spec.match(method, path);
    if (!matched) {
      this.violations.push({
        kind: "request",
        method,
        path,
        errors: [`no operation of the spec matches ${method} ${path}`],
        ...(known ? {} : { withoutToken: true as const }),
      });
      return this.error(ApiError.notFound(), requestId, this.peekRate(known ? token : ANONYMOUS));
    }
    const { operationId, params } = matched;
    const withOperation = (reply: Reply): Reply => ({ ...reply, operationId });
    if (!known) {
      return withOperation(
        this.error(new ApiError(401, "unauthorized", "Unable to authenticate you"), requestId, this.peekRate(ANONYMOUS)),
      );
    }
    const rate = this.limiter?.take(token, this.clock.now());
    if (rate && !rate.allowed) {
      this.rateLimited += 1;
      const reply = this.error(new ApiError(429, "too_many_requests", "API Rate limit exceeded."), requestId, rate);
      return withOperation(
        rate.retryAfter === undefined ? reply : { ...reply, headers: { ...reply.headers, "retry-after": String(rate.retryAfter) } },
      );
    }

    const body = parseJson(raw);
    const missing = missingScopes(
      requiredScopes(operationId, this.spec.securityScopes(operationId), body === INVALID_JSON ? undefined : body),
      this.tokens.get(token),
    );
    if (missing.length > 0) {
      // DigitalOcean's 403 does not say which scope is missing (see the spec's "Example Error Response").
      return withOperation(this.error(new ApiError(403, "forbidden", "You do not have access for the attempted action."), requestId, rate));
    }
    const issues =
      body === INVALID_JSON
        ? [{ where: "body", keyword: "json", text: "body is not valid JSON" }]
        : this.spec.validateRequest(operationId, { method, path, query: entry.query, headers: entry.headers, body });
    const { errors, deviations } = tolerate(operationId, issues, body);
    if (deviations.length > 0)
      this.violations.push({ kind: "deviation", operationId, method, path, errors: deviations.map((issue) => issue.text) });
    const notAvailable = body === INVALID_JSON ? undefined : actionTypeError(operationId, body);
    if (errors.length > 0) {
      const texts = errors.map((issue) => issue.text);
      this.violations.push({ kind: "request", operationId, method, path, errors: texts });
      if (notAvailable) return withOperation(this.error(notAvailable, requestId, rate, operationId));
      return withOperation(this.error(ApiError.badRequest(texts.join("; ")), requestId, rate, operationId, texts));
    }
    const operation = OPERATIONS[operationId];
    if (!operation) {
      this.violations.push({
        kind: "unimplemented",
        operationId,
        method,
        path,
        errors: [`the emulator does not implement ${operationId}`],
      });
      return withOperation(
        this.error(new ApiError(501, "not_implemented", `The emulator does not implement ${operationId}.`), requestId, rate),
      );
    }
    try {
      const result = operation({ state: this.state, params, query: entry.query, body, url });
      return { status: result.status, headers: this.headers(requestId, rate), body: result.body, operationId };
    } catch (error) {
      if (error instanceof ApiError) return withOperation(this.error(error, requestId, rate, operationId));
      throw error;
    }
  }

  private error(
    error: ApiError,
    requestId: string,
    rate: RateDecision | undefined,
    operationId?: string,
    details: string[] = [error.message],
  ): Reply {
    const body: Record<string, unknown> = { id: error.id, message: error.message, request_id: requestId };
    if (operationId && this.spec.requiredResponseFields(operationId, error.status).includes("root_causes")) {
      // tags_create documents its 400 as `{ error, messages, root_causes }`; send both shapes.
      Object.assign(body, { error: error.message, messages: details, root_causes: details });
    }
    return { status: error.status, headers: this.headers(requestId, rate), body };
  }

  private headers(requestId: string, rate: RateDecision | undefined): Record<string, string> {
    const headers: Record<string, string> = { "x-request-id": requestId };
    if (rate) {
      headers["ratelimit-limit"] = String(rate.limit);
      headers["ratelimit-remaining"] = String(rate.remaining);
      headers["ratelimit-reset"] = String(rate.reset);
    }
    return headers;
  }

  private peekRate(key: string): RateDecision | undefined {
    return this.limiter?.peek(key, this.clock.now());
  }

  private checkResponse(entry: RequestLogEntry, reply: Reply): void {
    const operationId = reply.operationId as string;
    const body = BARE_ACTION_IN_SPEC.has(operationId) && reply.status < 300 ? (reply.body as { action?: unknown }).action : reply.body;
    const errors = this.spec
      .validateResponse(operationId, reply.status, body, reply.headers)
      .filter((issue) => !isToleratedResponseIssue(issue, body))
      .map((issue) => issue.text);
    if (errors.length > 0) {
      this.violations.push({ kind: "response", operationId, method: entry.method, path: entry.path, status: reply.status, errors });
    }
  }

  private send(response: ServerResponse, entry: RequestLogEntry | undefined, reply: Reply): void {
    if (entry) entry.status = reply.status;
    if (response.destroyed) return;
    // Node would write the real time; the emulator's answers say the time their other headers and bodies are written in.
    const headers: Record<string, string> = { date: new Date(this.time.epochMs(this.clock.now())).toUTCString(), ...reply.headers };
    let text: string | undefined;
    if (typeof reply.body === "string") {
      text = reply.body;
      headers["content-type"] ??= "text/plain; charset=utf-8";
    } else if (reply.body !== undefined) {
      text = JSON.stringify(reply.body);
      headers["content-type"] = "application/json; charset=utf-8";
    }
    if (text !== undefined) headers["content-length"] = String(Buffer.byteLength(text));
    response.writeHead(reply.status, headers).end(text);
  }
}

function faultReply(fault: Extract<Fault, { kind: "status" }>, requestId: string): Reply {
  return {
    status: fault.status,
    headers: { "x-request-id": requestId, ...fault.headers },
    body: fault.body ?? faultErrorBody(fault.status, requestId),
  };
}

const TOO_LARGE = Symbol("body too large");

/**
 * The body as text; `TOO_LARGE` past `limit` bytes, declared or sent (then nothing of it is kept);
 * undefined when the client went away while sending.
 */
function readBody(request: IncomingMessage, limit: number): Promise<string | typeof TOO_LARGE | undefined> {
  if (Number(request.headers["content-length"] ?? 0) > limit) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      chunks = [];
      request.off("data", onData);
      request.pause();
      resolve(TOO_LARGE);
    };
    request.on("data", onData);
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", () => resolve(undefined));
  });
}

function queryObject(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return query;
}

function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
}

const INVALID_JSON = Symbol("invalid JSON");

/** The body's JSON; undefined when empty. */
function parseJson(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return INVALID_JSON;
  }
}

function parseLoosely(raw: string): unknown {
  const parsed = parseJson(raw);
  return parsed === INVALID_JSON ? raw : parsed;
}
