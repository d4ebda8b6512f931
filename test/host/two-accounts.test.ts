import { startEmulator } from "pulumi-digitalocean-custom-image-emulator";
import { customImageUrn } from "../../tools/provider-host/engine-values";
import { serializedProvider } from "../../tools/provider-host/provider-host";
import { ADOPTING } from "../../src/provider/types";
import { failureOf, routes, TOKEN, URN, withHostAndEmulator } from "./host-fixture";

/**
 * A stack whose images live in two DigitalOcean accounts: the stack's (`digitalocean:token` and
 * `digitalocean:apiEndpoint`, the first emulator) and a second one, given to a CustomImage as its
 * own `token` and `apiEndpoint` inputs (the second emulator). One provider host serves both, as the
 * engine starts one for every dynamic resource of a deployment.
 */

const SECOND_TOKEN = "dop_v1_second_account_0123456789abcdef";
const ROTATED_TOKEN = "dop_v1_second_account_rotated_fedcba98";

describe("a CustomImage with its own token and apiEndpoint", () => {
  test("is created, read, updated and deleted in its own account, while one without them stays in the stack's", () =>
    withHostAndEmulator({}, async (fixture) => {
      const second = await startEmulator({ clock: fixture.clock, tokens: [SECOND_TOKEN, ROTATED_TOKEN] });
      try {
        const account = { token: SECOND_TOKEN, apiEndpoint: second.url };
        const theirs = await fixture.create({ ...account, name: "theirs" });
        const ours = await fixture.create({ name: "ours" });

        expect(second.audit().map((entry) => entry.id)).toEqual([Number(theirs.id)]);
        expect(fixture.emulator.audit().map((entry) => entry.id)).toEqual([Number(ours.id)]);
        expect(theirs.outputs).toMatchObject({ status: "available", token: SECOND_TOKEN, apiEndpoint: second.url });
        expect(String(theirs.inputs.__provider)).not.toContain(SECOND_TOKEN);

        const before = second.requests.length;
        const read = await fixture.host.read(theirs.id, URN, theirs.outputs, theirs.inputs);
        expect(read.properties).toMatchObject({ imageId: Number(theirs.id), status: "available" });
        const { diff, deployed: updated } = await fixture.update(theirs, { ...account, name: "theirs", description: "second account" });
        expect(diff.changes).toBe("some");
        expect(second.getImage(Number(theirs.id))?.description).toBe("second account");
        await fixture.destroy(updated);
        expect(second.audit().find((entry) => entry.id === Number(theirs.id))?.status).toBe("deleted");
        expect(routes(second.requests.slice(before))).toContain(`DELETE /v2/images/${theirs.id}`);

        expect(second.requests.every((request) => request.headers.authorization === `Bearer ${SECOND_TOKEN}`)).toBe(true);
        expect(fixture.emulator.requests.every((request) => request.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
        expect(fixture.host.logs.join("\n")).not.toContain(SECOND_TOKEN);
        expect(second.violations).toEqual([]);
      } finally {
        await second.close();
      }
    }));

  test("with a rotated token: an in-place update records it, and delete uses it once the old one is revoked", () =>
    withHostAndEmulator({}, async (fixture) => {
      const second = await startEmulator({ clock: fixture.clock, tokens: [SECOND_TOKEN, ROTATED_TOKEN] });
      try {
        const deployed = await fixture.create({ token: SECOND_TOKEN, apiEndpoint: second.url });
        const { diff, deployed: rotated } = await fixture.update(deployed, { token: ROTATED_TOKEN, apiEndpoint: second.url });
        expect(diff).toEqual({ changes: "some", replaces: [], deleteBeforeReplace: false });
        expect(rotated.outputs.token).toBe(ROTATED_TOKEN);

        second.revokeToken(SECOND_TOKEN);
        await fixture.destroy(rotated);
        expect(second.audit().find((entry) => entry.id === Number(deployed.id))?.status).toBe("deleted");
      } finally {
        await second.close();
      }
    }));

  test("fails Check for an apiEndpoint without a token, and for a token that is not a string, without repeating it", () =>
    withHostAndEmulator({}, async (fixture) => {
      const alone = await fixture.host.check(URN, {}, await fixture.inputs({ apiEndpoint: "https://proxy.example.com" }));
      const number = await fixture.host.check(URN, {}, await fixture.inputs({ token: 12345 }));
      const spaced = await fixture.host.check(URN, {}, await fixture.inputs({ token: "dop_v1_secret part" }));

      expect(alone.failures).toEqual([{ property: "apiEndpoint", reason: expect.stringContaining("apiEndpoint is given without token") }]);
      expect(number.failures).toEqual([{ property: "token", reason: expect.stringContaining("token must be a DigitalOcean API token") }]);
      expect(spaced.failures).toEqual([{ property: "token", reason: expect.stringContaining("the value is not repeated here") }]);
      expect(JSON.stringify(spaced.failures)).not.toContain("secret part");
      expect(fixture.emulator.requests).toEqual([]);
    }));

  test("refused by DigitalOcean (401), fails naming the token input, never the token", () =>
    withHostAndEmulator({}, async (fixture) => {
      const second = await startEmulator({ clock: fixture.clock, tokens: [ROTATED_TOKEN] });
      try {
        const error = await failureOf(fixture.create({ token: SECOND_TOKEN, apiEndpoint: second.url }));
        expect(error.message).toMatch(/401/);
        expect(error.message).toContain("the token input");
        expect(error.message).not.toContain(SECOND_TOKEN);
        expect(fixture.emulator.requests).toEqual([]);
      } finally {
        await second.close();
      }
    }));

  // What `CustomImage.get(name, id, { token, apiEndpoint })` sends: no outputs, its inputs with the adoption marker.
  test("CustomImage.get with the second account's token and apiEndpoint reads the image there, and a refresh reads it with the recorded ones", () =>
    withHostAndEmulator({}, async (fixture) => {
      const second = await startEmulator({ clock: fixture.clock, tokens: [SECOND_TOKEN] });
      try {
        const account = { token: SECOND_TOKEN, apiEndpoint: second.url };
        const theirs = await fixture.create({ ...account, name: "theirs" });
        const urn = customImageUrn("theirs-read");
        const lookup = { name: "theirs-read", ...account, [ADOPTING]: true, __provider: await serializedProvider() };
        const before = second.requests.length;

        const read = await fixture.host.read(theirs.id, urn, {}, lookup);
        expect(read).toMatchObject({
          id: theirs.id,
          properties: { imageId: Number(theirs.id), name: "theirs", status: "available", ...account },
        });
        const refreshed = await fixture.host.read(theirs.id, urn, read.properties, lookup);
        expect(refreshed.properties).toMatchObject({ imageId: Number(theirs.id), ...account });

        expect(routes(second.requests.slice(before))).toEqual([`GET /v2/images/${theirs.id}`, `GET /v2/images/${theirs.id}`]);
        expect(second.requests.every((request) => request.headers.authorization === `Bearer ${SECOND_TOKEN}`)).toBe(true);
        expect(fixture.emulator.requests).toEqual([]);
        expect(fixture.host.logs.join("\n")).not.toContain(SECOND_TOKEN);
      } finally {
        await second.close();
      }
    }));

  test("CustomImage.get with an apiEndpoint but no token fails naming both, before any request", () =>
    withHostAndEmulator({}, async (fixture) => {
      const second = await startEmulator({ clock: fixture.clock, tokens: [SECOND_TOKEN] });
      try {
        const lookup = { name: "theirs-read", apiEndpoint: second.url, [ADOPTING]: true, __provider: await serializedProvider() };
        const error = await failureOf(fixture.host.read("200000001", customImageUrn("theirs-read"), {}, lookup));
        expect(error.message).toContain("CustomImage.get: apiEndpoint is given without token");
        expect([...fixture.emulator.requests, ...second.requests]).toEqual([]);
      } finally {
        await second.close();
      }
    }));
});
