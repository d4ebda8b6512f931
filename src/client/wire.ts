/**
 * The only place where DigitalOcean's snake_case exists: bodies are converted key by key on the way
 * in and out, so fields the API adds later are kept (the spec's `Image` accepts additional
 * properties) rather than dropped.
 */

import { UnexpectedResponseError } from "./errors";
import { describeType } from "./text";
import { redactUrlsIn } from "./redact-urls";

/** An image as DigitalOcean describes it (https://docs.digitalocean.com/reference/api/digitalocean/#tag/Images). */
export interface Image {
  /** The image id. */
  id: number;
  /** The display name. */
  name: string;
  /** `base`, `snapshot`, `backup`, `custom` or `admin`. */
  type: string;
  /** The distribution (`Ubuntu`, `Unknown`, ...). */
  distribution: string;
  /** The slug of one of DigitalOcean's public images (`ubuntu-24-04-x64`); `null` for others (nullable in DigitalOcean's API). */
  slug: string | null;
  /** Whether every account can use it (DigitalOcean's own images). */
  public: boolean;
  /** The region slugs it is available in; `[]` while an import runs. */
  regions: string[];
  /** When it was created, ISO 8601. */
  createdAt: string;
  /** The smallest droplet disk, in GB, that can use it; `null` until known (nullable in DigitalOcean's API). */
  minDiskSize: number | null;
  /** Its size in GB; `null` until known (nullable in DigitalOcean's API). */
  sizeGigabytes: number | null;
  /** `""` when it has none. */
  description: string;
  /** `[]` when it has none (DigitalOcean's `null`). */
  tags: string[];
  /** `NEW`, `pending`, `available`, `deleted` or `retired`. */
  status: string;
  /** DigitalOcean's reason for a failed import; `""` otherwise. */
  errorMessage: string;
  /** Fields DigitalOcean adds that this package does not map, as received. */
  [extra: string]: unknown;
}

/** An image's fields, as `imageFromWire` fills them: what the lookups' filters and sorts may name. */
export const IMAGE_FIELDS = [
  "id",
  "name",
  "type",
  "distribution",
  "slug",
  "public",
  "regions",
  "createdAt",
  "minDiskSize",
  "sizeGigabytes",
  "description",
  "tags",
  "status",
  "errorMessage",
] as const satisfies readonly (keyof Image)[];
export type ImageField = (typeof IMAGE_FIELDS)[number];

/** An image action (transfer, convert) or a generic action. */
export interface Action {
  id: number;
  /** `in-progress`, `completed` or `errored`. */
  status: string;
  type: string;
  startedAt: string;
  completedAt: string | null;
  resourceId: number | null;
  resourceType: string;
  regionSlug: string | null;
  [extra: string]: unknown;
}

export interface Tag {
  name: string;
  /** How many images carry the tag, and the last one tagged (as GET /v2/tags/{name} answers). */
  resources?: { images?: { count?: number; lastTaggedUri?: string } };
  [extra: string]: unknown;
}

/** A body's object, or an `UnexpectedResponseError` (a TypeError later would say nothing useful). */
export function wireObject(value: unknown, what: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UnexpectedResponseError({}, `DigitalOcean's response did not hold ${what} object: got ${describeType(value)}`);
  }
  return value as Record<string, unknown>;
}

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => mapKeys(item, rename));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [rename(key), mapKeys(item, rename)]));
}

/** Wire (snake_case) to model (camelCase), recursively. */
export function fromWire<T>(body: unknown): T {
  return mapKeys(body, camel) as T;
}

/** Model (camelCase) to wire (snake_case), recursively; `undefined` fields are left out. */
export function toWire(body: Record<string, unknown>): Record<string, unknown> {
  const defined = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
  return mapKeys(defined, snake) as Record<string, unknown>;
}

/** Fills the fields DigitalOcean may omit or send as null so that callers see the documented shape. */
export function imageFromWire(body: unknown): Image {
  const image = fromWire<Partial<Image>>(wireObject(body, "an image"));
  return {
    ...image,
    id: image.id as number,
    name: image.name ?? "",
    type: image.type ?? "custom",
    distribution: image.distribution ?? "Unknown",
    slug: image.slug ?? null,
    public: image.public ?? false,
    regions: image.regions ?? [],
    createdAt: image.createdAt ?? "",
    minDiskSize: image.minDiskSize ?? null,
    sizeGigabytes: image.sizeGigabytes ?? null,
    description: image.description ?? "",
    tags: image.tags ?? [],
    status: image.status ?? "",
    errorMessage: redactUrlsIn(image.errorMessage ?? ""),
  };
}

/** Image-action responses are wrapped as `{ "action": {...} }` although DigitalOcean's spec shows a bare action. */
export function actionFromWire(body: unknown): Action {
  const raw = body !== null && typeof body === "object" && "action" in body ? (body as { action: unknown }).action : body;
  const action = fromWire<Partial<Action>>(wireObject(raw, "an action"));
  return {
    ...action,
    id: action.id as number,
    status: action.status ?? "",
    type: action.type ?? "",
    startedAt: action.startedAt ?? "",
    completedAt: action.completedAt ?? null,
    resourceId: action.resourceId ?? null,
    resourceType: action.resourceType ?? "",
    regionSlug: action.regionSlug ?? null,
  };
}
