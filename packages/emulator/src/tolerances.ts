import { UNKNOWN_OS } from "../../../src/provider/digitalocean-enums";
import { ApiError } from "./api-error";
import { isRegionSlug } from "./regions";
import type { SpecIssue } from "./spec-validator";

/**
 * Where DigitalOcean's API and its OpenAPI description part ways on a request: what the spec
 * rejects but the API accepts, and what the API rejects otherwise than the spec says. Each rule
 * names its source (../digitalocean-openapi/SOURCE.md).
 */
export interface Tolerance {
  operations: readonly string[];
  /** The spec issue's location and schema keyword, as SpecValidator reports them. */
  where: string;
  keyword: string;
  /** Whether the API accepts this value; every value when omitted. */
  accepts?: (value: unknown) => boolean;
  /**
   * `deviation`: accepted, and recorded as a `deviation` violation, a request the provider must
   * never send. `accepted`: the API's own catalogue is wider than the spec's enum; nothing recorded.
   */
  record: "deviation" | "accepted";
  why: string;
}

export const TOLERANCES: readonly Tolerance[] = [
  {
    operations: ["images_create_custom", "images_update"],
    where: "body.distribution",
    keyword: "enum",
    record: "deviation",
    why: 'the spec\'s own text: any other distribution "will be accepted but ignored, and `Unknown` will be used in its place"',
  },
  {
    operations: ["images_create_custom"],
    where: "body.region",
    keyword: "enum",
    accepts: (value) => typeof value === "string" && isRegionSlug(value),
    record: "accepted",
    why: "DigitalOcean opens regions (atl1) that the spec's enum does not list yet",
  },
];

export interface ToleratedIssues {
  /** What DigitalOcean rejects: a 400. */
  errors: SpecIssue[];
  /** Accepted by DigitalOcean, recorded as deviations. */
  deviations: SpecIssue[];
}

/** Splits the spec's issues with a request into those DigitalOcean rejects and those it accepts. */
export function tolerate(operationId: string, issues: readonly SpecIssue[], body: unknown): ToleratedIssues {
  const result: ToleratedIssues = { errors: [], deviations: [] };
  for (const issue of issues) {
    const rule = TOLERANCES.find(
      (tolerance) =>
        tolerance.operations.includes(operationId) &&
        tolerance.where === issue.where &&
        tolerance.keyword === issue.keyword &&
        (tolerance.accepts?.(requestValueAt(body, issue.where)) ?? true),
    );
    if (!rule) result.errors.push(issue);
    else if (rule.record === "deviation") result.deviations.push(issue);
  }
  return result;
}

const ACTION_TYPES: readonly unknown[] = ["convert", "transfer"];

/**
 * DigitalOcean answers an image action without a known `type` with 404 "The specified action type
 * is not available." (doctl#192: a transfer sent without `type`), not with the 400 the spec implies.
 */
export function actionTypeError(operationId: string, body: unknown): ApiError | undefined {
  if (operationId !== "imageActions_post") return undefined;
  const type = body !== null && typeof body === "object" ? (body as { type?: unknown }).type : undefined;
  return ACTION_TYPES.includes(type) ? undefined : new ApiError(404, "not_found", "The specified action type is not available.");
}

/** Values DigitalOcean answers with although the response schema's enums leave them out. */
const RESPONSE_TOLERANCES: readonly { where: RegExp; accepts: (value: unknown) => boolean; why: string }[] = [
  {
    where: /(^|\.)distribution$/,
    accepts: (value) => value === UNKNOWN_OS,
    why: "the 202 of an import with an unknown distribution says `Unknown OS` (doctl#671)",
  },
  {
    where: /region/,
    accepts: (value) => typeof value === "string" && isRegionSlug(value),
    why: "an image in a region opened after the spec's enum (atl1)",
  },
];

/** An answer outside a response enum that DigitalOcean gives all the same: not an emulator bug. */
export function isToleratedResponseIssue(issue: SpecIssue, body: unknown): boolean {
  if (issue.keyword !== "enum") return false;
  const value = valueAt(body, issue.where.split("."));
  return RESPONSE_TOLERANCES.some((tolerance) => tolerance.where.test(issue.where) && tolerance.accepts(value));
}

/** The value at `body.a.b` in a request body. */
function requestValueAt(body: unknown, where: string): unknown {
  const [root, ...keys] = where.split(".");
  return root === "body" ? valueAt(body, keys) : undefined;
}

function valueAt(value: unknown, keys: readonly string[]): unknown {
  return keys.reduce<unknown>(
    (inner, key) => (inner !== null && typeof inner === "object" ? (inner as Record<string, unknown>)[key] : undefined),
    value,
  );
}
