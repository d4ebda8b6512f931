import type { EmulatorState, TagResource } from "./emulator-state";
import { paginate, type PageRequest } from "./paginate";

/**
 * One handler per operationId of the spec. Requests reach them already validated against the
 * spec, so bodies and parameters have the documented shapes.
 */

export interface OperationContext {
  state: EmulatorState;
  /** Path parameters, decoded. */
  params: Record<string, string>;
  query: Record<string, string | string[]>;
  body: unknown;
  /** The request's absolute URL on the emulator, for pagination links. */
  url: URL;
}

export interface OperationResult {
  status: number;
  body?: unknown;
}

export type Operation = (context: OperationContext) => OperationResult;

export const OPERATIONS: Record<string, Operation> = {
  images_list: ({ state, query, url }) => {
    const type = first(query.type);
    const page = paginate(
      state.listImages(
        {
          type: type === "application" || type === "distribution" ? type : undefined,
          private: first(query.private) === "true",
          tagName: first(query.tag_name),
        },
        listingOf(query, url),
      ),
      pageRequest(query, url),
    );
    return ok({ images: page.items, links: page.links, meta: page.meta });
  },

  images_create_custom: ({ state, body }) => {
    const request = body as {
      name: string;
      url: string;
      region: string;
      distribution?: string;
      description?: string;
      tags?: string[] | null;
    };
    return { status: 202, body: { image: state.createCustom(request) } };
  },

  images_get: ({ state, params }) => ok({ image: state.getImage(params.image_id) }),

  images_update: ({ state, params, body }) => {
    const patch = body as { name?: string; description?: string; distribution?: string };
    return ok({ image: state.updateImage(Number(params.image_id), patch) });
  },

  images_delete: ({ state, params }) => {
    state.deleteImage(Number(params.image_id));
    return noContent;
  },

  // The real API wraps the action as `{ "action": ... }` although the spec shows it bare (SOURCE.md).
  imageActions_post: ({ state, params, body }) => ({
    status: 201,
    body: { action: state.createAction(Number(params.image_id), body as { type: string; region?: string }) },
  }),

  imageActions_list: ({ state, params, query, url }) => {
    const page = paginate(state.listImageActions(Number(params.image_id)), pageRequest(query, url));
    return ok({ actions: page.items, links: page.links, meta: page.meta });
  },

  imageActions_get: ({ state, params }) => ok({ action: state.getImageAction(Number(params.image_id), Number(params.action_id)) }),

  actions_list: ({ state, query, url }) => {
    const page = paginate(state.listActions(), pageRequest(query, url));
    return ok({ actions: page.items, links: page.links, meta: page.meta });
  },

  actions_get: ({ state, params }) => ok({ action: state.getAction(Number(params.action_id)) }),

  tags_list: ({ state, query, url }) => {
    const page = paginate(state.listTags(), pageRequest(query, url));
    return ok({ tags: page.items, links: page.links, meta: page.meta });
  },

  tags_create: ({ state, body }) => ({ status: 201, body: { tag: state.createTag((body as { name: string }).name) } }),

  tags_get: ({ state, params }) => ok({ tag: state.getTag(params.tag_id) }),

  tags_delete: ({ state, params }) => {
    state.deleteTag(params.tag_id);
    return noContent;
  },

  tags_assign_resources: ({ state, params, body }) => {
    state.tagResources(params.tag_id, (body as { resources: TagResource[] }).resources, true);
    return noContent;
  },

  tags_unassign_resources: ({ state, params, body }) => {
    state.tagResources(params.tag_id, (body as { resources: TagResource[] }).resources, false);
    return noContent;
  },
};

const noContent: OperationResult = { status: 204 };

function ok(body: unknown): OperationResult {
  return { status: 200, body };
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** `page` and `per_page` as DigitalOcean reads them: defaults 1 and 20, `per_page` at most 200. */
/** Which listing a page belongs to: its query without `page`, and the page. */
function listingOf(query: Record<string, string | string[]>, url: URL): { key: string; page: number } {
  const params = new URLSearchParams(url.search);
  params.delete("page");
  params.sort();
  return { key: params.toString(), page: pageRequest(query, url).page };
}

function pageRequest(query: Record<string, string | string[]>, url: URL): PageRequest {
  const integer = (name: string, fallback: number) => {
    const value = Number.parseInt(first(query[name]) ?? "", 10);
    return Number.isInteger(value) && value >= 1 ? value : fallback;
  };
  return { page: integer("page", 1), perPage: Math.min(200, integer("per_page", 20)), url };
}
