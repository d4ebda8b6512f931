/**
 * The custom token scopes each DigitalOcean operation this client calls needs, from the `security`
 * of each operation in DigitalOcean's OpenAPI description (https://docs.digitalocean.com/reference/api/scopes/).
 * DigitalOcean's 403 does not say which scope is missing, so a ForbiddenError names these.
 * test/client/token-scopes.test.ts compares the table with the spec.
 */
export const OPERATION_SCOPES = {
  images_list: ["image:read"],
  images_get: ["image:read"],
  images_create_custom: ["image:create"],
  images_update: ["image:update"],
  images_delete: ["image:delete"],
  imageActions_post: ["image:update"],
  imageActions_list: ["image:read"],
  imageActions_get: ["image:read"],
  tags_list: ["tag:read"],
  tags_create: ["tag:create"],
  tags_get: ["tag:read"],
  tags_delete: ["tag:delete"],
  // "you must have both `tag:create` and `<resource type>:update` scopes" (tags_assign_resources); likewise `tag:delete` to untag.
  tags_assign_resources: ["tag:create", "image:update"],
  tags_unassign_resources: ["tag:delete", "image:update"],
} as const satisfies Record<string, readonly string[]>;

export type OperationId = keyof typeof OPERATION_SCOPES;

/** images_create_custom's `tags`: "Requires `tag:create` scope." */
export const IMPORT_TAGS_SCOPE = "tag:create";
