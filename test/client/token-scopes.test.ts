import { readFileSync } from "node:fs";
import { SPEC_PATH } from "pulumi-digitalocean-custom-image-emulator";
import { ForbiddenError } from "../../src/client/errors";
import { OPERATION_SCOPES } from "../../src/client/token-scopes";
import { clientFor, withEmulator } from "../helpers/emulator-fixture";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { load } = require("js-yaml") as { load(text: string): unknown };

type Spec = { paths: Record<string, Record<string, { operationId?: string; security?: { bearer_auth?: string[] }[] }>> };
const spec = load(readFileSync(SPEC_PATH, "utf8")) as Spec;
const specScopes = new Map(
  Object.values(spec.paths).flatMap((operations) =>
    Object.values(operations).map((operation) => [operation.operationId, operation.security?.[0]?.bearer_auth ?? []] as const),
  ),
);

// Scopes the spec states in prose rather than in `security`.
const PROSE_SCOPES: Record<string, string[]> = { tags_assign_resources: ["image:update"], tags_unassign_resources: ["image:update"] };

describe("the token scopes each operation needs", () => {
  test.each(Object.entries(OPERATION_SCOPES))("%s needs what DigitalOcean's spec says", (operationId, scopes) => {
    expect([...scopes]).toEqual([...(specScopes.get(operationId) ?? ["(not in the spec)"]), ...(PROSE_SCOPES[operationId] ?? [])]);
  });
});

describe("a token without a scope the request needs", () => {
  const limited = { token: "limited", scopes: ["image:create", "image:read", "image:update", "image:delete", "tag:read"] };

  test("gets 403, and the error names the scopes, tag:create for an import with tags", () =>
    withEmulator({ tokens: [limited] }, async (emulator) => {
      const { client } = clientFor(emulator, { token: "limited" });
      const request = { name: "web", url: "https://images.example.com/web.qcow2.gz", region: "nyc3" };
      const error = await client.images.createCustom({ ...request, tags: ["pulumi-import:abc"] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ForbiddenError);
      expect((error as ForbiddenError).requiredScopes).toEqual(["image:create", "tag:create"]);
      expect((error as Error).message).toMatch(
        /^DigitalOcean API POST \/v2\/images failed: 403 forbidden: You do not have access for the attempted action\. This request needs the token scopes image:create and tag:create: use a token with full access or add them to its custom scopes \(request id [\w-]+\)$/,
      );
      expect((error as Error).message).not.toContain("limited");
      // The same import without tags is allowed: image:create is there.
      await expect(client.images.createCustom(request)).resolves.toMatchObject({ status: "NEW" });
    }));

  test("is not retried: a 403 is an answer, not a transient failure", () =>
    withEmulator({ tokens: [limited] }, async (emulator) => {
      const { client } = clientFor(emulator, { token: "limited" });
      await expect(client.tags.create("prod")).rejects.toThrow(
        /This request needs the token scope tag:create: use a token with full access or add it to its custom scopes/,
      );
      expect(emulator.requests.filter((request) => request.path === "/v2/tags")).toHaveLength(1);
    }));
});
