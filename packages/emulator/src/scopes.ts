/**
 * Custom token scopes (https://docs.digitalocean.com/reference/api/scopes/): each operation of the
 * spec names the scope it needs under `security: [bearer_auth: [...]]`; some need more, which the
 * spec says only in prose. A token given as a plain string has full access.
 */
export interface ScopedToken {
  token: string;
  /** `image:create`, `tag:read`, ... */
  scopes: readonly string[];
}

interface ExtraScopes {
  operationId: string;
  scopes: readonly string[];
  /** When the extra scopes apply; always when omitted. */
  when?: (body: unknown) => boolean;
  source: string;
}

const EXTRA_SCOPES: readonly ExtraScopes[] = [
  {
    operationId: "images_create_custom",
    scopes: ["tag:create"],
    when: (body) => ((body as { tags?: unknown[] | null } | undefined)?.tags ?? []).length > 0,
    source: 'images_create_custom, `tags`: "Requires `tag:create` scope."',
  },
  {
    operationId: "tags_assign_resources",
    scopes: ["image:update"],
    source: 'tags_assign_resources: "you must have both `tag:create` and `<resource type>:update` scopes"',
  },
  {
    operationId: "tags_unassign_resources",
    scopes: ["image:update"],
    source: 'tags_unassign_resources: "you must have both `tag:delete` and `<resource type>:update` scopes"',
  },
];

/** Every scope the request needs: the operation's own (from the spec) and those its body adds. */
export function requiredScopes(operationId: string, specScopes: readonly string[], body: unknown): string[] {
  const extra = EXTRA_SCOPES.filter((rule) => rule.operationId === operationId && (rule.when?.(body) ?? true)).flatMap(
    (rule) => rule.scopes,
  );
  return [...new Set([...specScopes, ...extra])];
}

/** Scopes `granted` lacks of `needed`; a token with full access (`undefined`) lacks none. */
export function missingScopes(needed: readonly string[], granted: ReadonlySet<string> | undefined): string[] {
  return granted ? needed.filter((scope) => !granted.has(scope)) : [];
}
