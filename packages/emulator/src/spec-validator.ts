import { readFileSync } from "node:fs";
import path from "node:path";
import addFormats from "ajv-formats";
import { load } from "js-yaml";
import { OpenAPIBackend, ValidationContext, type Document, type OpenAPIValidator, type ValidationResult } from "openapi-backend";

/** DigitalOcean's own description of the images, image-actions, actions and tags endpoints. */
export const SPEC_PATH = path.join(__dirname, "..", "digitalocean-openapi", "images.openapi.yaml");

type AjvError = NonNullable<ValidationResult["errors"]>[number];
type Ajv = ReturnType<OpenAPIValidator["getAjv"]>;
type ValidateFunction = ReturnType<Ajv["compile"]>;

export interface SpecRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

/** One way a request breaks the spec: where (`body.region`), the schema keyword (`enum`), and a readable line. */
export interface SpecIssue {
  where: string;
  keyword: string;
  text: string;
}

export interface MatchedOperation {
  operationId: string;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
}

/**
 * Validates requests and responses against the spec with openapi-backend. Errors come back as
 * one readable line each (`body.region must be equal to one of the allowed values (ams1, ...)`),
 * which is what the emulator puts in a 400's `message` and in its violation log.
 */
export class SpecValidator {
  private readonly headerValidators = new Map<string, ValidateFunction>();
  private headerAjv: Ajv | undefined;

  private constructor(
    private readonly api: OpenAPIBackend,
    /** Real milliseconds spent parsing the YAML and initialising openapi-backend. */
    readonly initMs: number,
  ) {}

  static async load(): Promise<SpecValidator> {
    const started = performance.now();
    const sharedAjv = new Map<string, Ajv>();
    const definition = load(readFileSync(SPEC_PATH, "utf8")) as Document;
    const api = new OpenAPIBackend({
      definition,
      strict: true,
      validate: true,
      // The spec is 470 KB and already fully dereferenced. Quick mode skips re-validating the
      // document (about 0.7 s) and compiles each operation's Ajv validators on first use
      // (a few ms each) instead of all of them up front.
      quick: true,
      // DigitalOcean's tag pattern `^[a-zA-Z0-9_\-\:]+$` escapes `:`, which is a syntax error
      // under the `u` flag Ajv uses by default.
      ajvOpts: { unicodeRegExp: false },
      customizeAjv: (fresh, options, context) => {
        // openapi-backend asks for a new Ajv for every validator it compiles; a fresh Ajv's first
        // compile costs about 6 ms and later ones well under 1 ms, so reuse one Ajv per set of
        // options. None of the compiled schemas has an `$id`, so they cannot collide.
        const key = `${context}:${Boolean(options.coerceTypes)}`;
        const ajv = sharedAjv.get(key) ?? addFormats(fresh);
        sharedAjv.set(key, ajv);
        return ajv;
      },
    });
    await api.init();
    return new SpecValidator(api, performance.now() - started);
  }

  match(method: string, path: string): MatchedOperation | undefined {
    const request = { method, path, headers: {} };
    const operation = this.api.matchOperation(request);
    if (!operation?.operationId) return undefined;
    const { params } = this.api.router.parseRequest(request, operation);
    return { operationId: operation.operationId, params: params as Record<string, string> };
  }

  /** Every way `request` breaks the operation's parameters and body schema; empty when valid. */
  validateRequest(operationId: string, request: SpecRequest): SpecIssue[] {
    const issues: SpecIssue[] = [];
    const operation = this.api.getOperation(operationId);
    const contentType = String(request.headers["content-type"] ?? "");
    if (operation?.requestBody && request.body !== undefined && !/^application\/json\b/i.test(contentType)) {
      // Every request body in the spec is `application/json` only.
      issues.push({
        where: "header.content-type",
        keyword: "content-type",
        text: `content-type must be application/json, got ${contentType || "none"}`,
      });
    }
    const result = this.api.validateRequest({ ...request, headers: { ...request.headers } as Record<string, string> }, operationId);
    return [...issues, ...issuesOf(result)];
  }

  /** Every way a response breaks the operation's documented response for `status` (or `default`). */
  validateResponse(operationId: string, status: number, body: unknown, headers: Record<string, string>): SpecIssue[] {
    // A response without content (204) is validated as `null` by openapi-backend.
    const bodyResult = this.api.validateResponse(body ?? null, operationId, status);
    return [...issuesOf(bodyResult), ...this.validateResponseHeaders(operationId, status, headers)];
  }

  /**
   * A header the spec documents must have the documented type when present (the spec marks none
   * as required). Every operation documents the same `ratelimit-*` headers, so one compiled
   * validator serves them all; openapi-backend's own compiles 4 per status per operation.
   */
  private validateResponseHeaders(operationId: string, status: number, headers: Record<string, string>): SpecIssue[] {
    const responses = this.api.getOperation(operationId)?.responses ?? {};
    const response = responses[String(status)] ?? responses.default;
    const documented = response && "headers" in response ? (response.headers ?? {}) : {};
    const properties = Object.fromEntries(
      Object.entries(documented).map(([name, header]) => [name.toLowerCase(), "schema" in header ? (header.schema ?? {}) : {}]),
    );
    const key = JSON.stringify(properties);
    let validate = this.headerValidators.get(key);
    if (!validate) {
      // Header values are strings on the wire; coercion checks that `"5000"` is an integer.
      this.headerAjv ??= this.api.validator.getAjv(ValidationContext.ResponseHeaders, { coerceTypes: true });
      validate = this.headerAjv.compile({ type: "object", properties: { headers: { type: "object", properties } } });
      this.headerValidators.set(key, validate);
    }
    validate({ headers: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value])) });
    return issuesOf({ valid: !validate.errors, errors: validate.errors });
  }

  /** The scopes a custom-scoped token needs for the operation (`security: [bearer_auth: [...]]`). */
  securityScopes(operationId: string): string[] {
    const security = this.api.getOperation(operationId)?.security ?? [];
    return security.flatMap((requirement) => requirement.bearer_auth ?? []);
  }

  /**
   * Names of the fields the operation's documented response for `status` requires. `tags_create`
   * documents its 400 as `{ error, messages, root_causes }` rather than the usual `{ id, message }`.
   */
  requiredResponseFields(operationId: string, status: number): string[] {
    const response = this.api.getOperation(operationId)?.responses?.[String(status)];
    const schema = response && "content" in response ? response.content?.["application/json"]?.schema : undefined;
    return schema && "required" in schema ? (schema.required ?? []) : [];
  }
}

let loading: Promise<SpecValidator> | undefined;

/** The process-wide validator: the spec is parsed and initialised once, on first use. */
export function loadSpecValidator(): Promise<SpecValidator> {
  loading ??= SpecValidator.load().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

const LOCATIONS: Record<string, string> = { requestBody: "body", query: "query", path: "path", headers: "header" };

function issuesOf(result: ValidationResult): SpecIssue[] {
  // Branches of an `anyOf` report the same error once each.
  const issues = new Map<string, SpecIssue>();
  for (const error of result.errors ?? []) {
    const issue = issueOf(error);
    issues.set(issue.text, issue);
  }
  return [...issues.values()];
}

function issueOf(error: AjvError): SpecIssue {
  const segments = error.instancePath.split("/").filter(Boolean);
  const [first, ...rest] = segments;
  const where = first === undefined ? "body" : [LOCATIONS[first] ?? first, ...rest].join(".");
  const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
  const detail = allowed ? ` (${allowed.join(", ")})` : "";
  return { where, keyword: error.keyword, text: `${where} ${error.message ?? error.keyword}${detail}` };
}
