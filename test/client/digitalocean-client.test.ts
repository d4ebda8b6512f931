import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { API_ENDPOINT_SOURCES } from "../../src/client/credentials";
import { DigitalOceanClient, USER_AGENT } from "../../src/client/digitalocean-client";
import {
  DigitalOceanError,
  ImageDeletedError,
  ImportFailedError,
  InvalidEndpointError,
  MissingTokenError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TimeoutError,
  UnauthorizedError,
  ValidationError,
} from "../../src/client/errors";
import { importMarked } from "../../src/provider/import-marker";
import { closedPortUrl } from "../helpers/closed-port";
import { reply, withServer } from "../helpers/http-server";
import { clientFor, withEmulator } from "../helpers/emulator-fixture";

const routes = (emulator: { requests: { method: string; path: string }[] }) =>
  emulator.requests.map((request) => `${request.method} ${request.path}`);
const importRequest = (name: string) => ({
  name,
  url: `https://images.example.com/${name}.qcow2.gz`,
  region: "nyc3",
  distribution: "Ubuntu",
  description: `image ${name}`,
});

describe("images", () => {
  test("imports a custom image and returns it in camelCase with every field of the Image model", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const image = await client.images.createCustom({ ...importRequest("web"), tags: ["base"] });
      expect(image).toMatchObject({
        name: "web",
        type: "custom",
        distribution: "Ubuntu",
        public: false,
        description: "image web",
        tags: ["base"],
        status: "NEW",
        errorMessage: "",
      });
      expect(typeof image.id).toBe("number");
      expect(Object.keys(image)).toEqual(expect.arrayContaining(["id", "slug", "regions", "createdAt", "minDiskSize", "sizeGigabytes"]));
      expect(emulator.requests[0]).toMatchObject({
        method: "POST",
        path: "/v2/images",
        body: { name: "web", region: "nyc3", distribution: "Ubuntu", tags: ["base"] },
      });
    }));

  test("gets an image by id and a public image by slug", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const created = await client.images.createCustom(importRequest("web"));
      expect((await client.images.get(created.id)).name).toBe("web");
      const [distribution] = await client.images.list({ type: "distribution" });
      expect(distribution!.slug).toBeTruthy();
      expect((await client.images.get(distribution!.slug!)).id).toBe(distribution!.id);
    }));

  test("follows links.pages.next through every page of a listing", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      for (const name of ["a", "b", "c", "d", "e"]) await client.images.createCustom(importRequest(name));
      const images = await client.images.list({ private: true, perPage: 2 });
      expect(images.map((image) => image.name)).toEqual(["a", "b", "c", "d", "e"]);
      const pages = emulator.requests.filter((request) => request.method === "GET" && request.path === "/v2/images");
      expect(pages.map((request) => request.query.page ?? "1")).toEqual(["1", "2", "3"]);
      expect(pages.every((request) => request.query.private === "true" && request.query.per_page === "2")).toBe(true);
    }));

  test("passes the type, private and tag_name filters to DigitalOcean", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      await client.images.createCustom({ ...importRequest("tagged"), tags: ["golden"] });
      await client.images.createCustom(importRequest("untagged"));
      expect((await client.images.list({ tagName: "golden" })).map((image) => image.name)).toEqual(["tagged"]);
      expect((await client.images.list({ private: true })).map((image) => image.name)).toEqual(["tagged", "untagged"]);
      const applications = await client.images.list({ type: "application" });
      expect(applications.length).toBeGreaterThan(0);
      expect(applications.every((image) => image.public)).toBe(true);
    }));

  test("updates name, description and distribution, and can clear the description", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const image = await client.images.createCustom(importRequest("web"));
      const updated = await client.images.update(image.id, { name: "web-2", distribution: "Debian", description: "" });
      expect(updated).toMatchObject({ name: "web-2", distribution: "Debian", description: "" });
      expect(emulator.requests.at(-1)).toMatchObject({ method: "PUT", body: { name: "web-2", distribution: "Debian", description: "" } });
    }));

  test("deletes an image", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const image = await client.images.createCustom(importRequest("web"));
      await client.images.delete(image.id);
      expect(emulator.audit()[0]).toMatchObject({ id: image.id, fate: "deleted" });
    }));
});

describe("image actions", () => {
  test("starts a transfer, parses the { action } wrapper, and reads the action back", () =>
    withEmulator({ importDurationMs: 1_000 }, async (emulator) => {
      const { client } = clientFor(emulator);
      const image = await client.images.createCustom(importRequest("web"));
      await emulator.clock.sleep(1_500);
      const action = await client.imageActions.transfer(image.id, "lon1");
      expect(action).toMatchObject({
        type: "transfer",
        status: "in-progress",
        regionSlug: "lon1",
        resourceId: image.id,
        resourceType: "image",
      });
      const again = await client.imageActions.get(image.id, action.id);
      expect(again.id).toBe(action.id);
      expect((await client.imageActions.list(image.id)).map((listed) => listed.id)).toContain(action.id);
    }));

  test("a transfer refused with 422 because one to that region is already under way (a request DigitalOcean carried out late) continues with that transfer", () =>
    withEmulator({ importDurationMs: 1_000, transferDurationMs: 60_000 }, async (emulator) => {
      const { client, logs } = clientFor(emulator);
      const image = await client.images.createCustom(importRequest("web"));
      await emulator.clock.sleep(1_500);
      const first = await client.imageActions.transfer(image.id, "lon1");
      const again = await client.imageActions.transfer(image.id, "lon1");
      expect(again).toMatchObject({ id: first.id, status: "in-progress", regionSlug: "lon1" });
      expect(emulator.requests.filter((request) => request.method === "POST").map((request) => request.status)).toEqual([202, 201, 422]);
      expect(logs.map((log) => log.message)).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^transfer of image ${image.id} to lon1: DigitalOcean answered that the image is already being transferred there \\(Image ${image.id} is already being transferred to lon1\\.\\), .*\\(action ${first.id}\\)$`,
          ),
        ),
      );
    }));

  test("any other 422 of a transfer is DigitalOcean's answer, as it is", () =>
    withEmulator({ importDurationMs: 1_000 }, async (emulator) => {
      const { client } = clientFor(emulator);
      const image = await client.images.createCustom(importRequest("web"));
      await emulator.clock.sleep(1_500);
      await expect(client.imageActions.transfer(image.id, "nyc3")).rejects.toBeInstanceOf(ValidationError);
      expect(emulator.requests.filter((request) => request.method === "GET")).toEqual([]);
    }));

  test("starts a conversion", () =>
    withEmulator({ importDurationMs: 1_000 }, async (emulator) => {
      const { client } = clientFor(emulator);
      const image = await client.images.createCustom(importRequest("web"));
      await emulator.clock.sleep(1_500);
      expect((await client.imageActions.convert(image.id)).type).toBe("convert");
    }));
});

describe("tags", () => {
  test("creates a tag, accepts creating it again, and assigns and unassigns an image", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const image = await client.images.createCustom(importRequest("web"));
      await client.tags.create("golden");
      await client.tags.create("golden");
      await client.tags.assignResources("golden", [{ resourceId: image.id, resourceType: "image" }]);
      expect((await client.images.get(image.id)).tags).toEqual(["golden"]);
      await client.tags.unassignResources("golden", [{ resourceId: image.id, resourceType: "image" }]);
      expect((await client.images.get(image.id)).tags).toEqual([]);
      expect(emulator.requests.filter((request) => request.path === "/v2/tags/golden/resources").map((request) => request.body)).toEqual([
        { resources: [{ resource_id: String(image.id), resource_type: "image" }] },
        { resources: [{ resource_id: String(image.id), resource_type: "image" }] },
      ]);
    }));
});

describe("a tag that exists in another capitalization", () => {
  test.each([
    ["DigitalOcean answers 201 with the existing tag", undefined],
    ["DigitalOcean answers 422 already exists", { id: "unprocessable_entity", message: "tag PROD already exists" }],
  ])("comes back spelt as DigitalOcean spells it when %s", (_case, refusal) =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      await client.tags.create("PROD");
      if (refusal) emulator.inject({ kind: "status", status: 422, body: refusal }, { method: "POST", path: "/v2/tags" });
      expect(await client.tags.create("prod")).toMatchObject({ name: "PROD" });
    }),
  );

  test("keeps the program's spelling after a 422 already exists when DigitalOcean's listing lacks the tag", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      emulator.inject(
        { kind: "status", status: 422, body: { id: "unprocessable_entity", message: "tag already exists" } },
        { method: "POST", path: "/v2/tags" },
      );
      expect(await client.tags.create("prod")).toEqual({ name: "prod" });
    }));
});

describe("errors", () => {
  test.each([
    [
      "a failed import",
      new ImportFailedError(42, "could not import", "bad format"),
      ImportFailedError,
      ImageDeletedError,
      "import_failed",
      "bad format",
    ],
    [
      "an image deleted during a wait",
      new ImageDeletedError(42, "deleted outside Pulumi"),
      ImageDeletedError,
      ImportFailedError,
      "image_deleted",
      undefined,
    ],
  ])("%s carries the image id, its own code and class, and is not the other kind", (_case, error, own, other, code, apiMessage) => {
    expect(error).toBeInstanceOf(own);
    expect(error).toBeInstanceOf(DigitalOceanError);
    expect(error).not.toBeInstanceOf(other);
    expect(error).toMatchObject({ imageId: 42, code, name: own.name, apiMessage });
  });

  test("a missing image is a NotFoundError showing method, path, status, DigitalOcean's id, message and request id", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const error = await client.images.get(424242).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error).toMatchObject({ code: "not_found", status: 404, method: "GET", path: "/v2/images/424242" });
      const requestId = (error as NotFoundError).requestId;
      expect(requestId).toBeTruthy();
      expect((error as Error).message).toBe(
        `DigitalOcean API GET /v2/images/424242 failed: 404 not_found: The resource you were accessing could not be found. (request id ${requestId})`,
      );
    }));

  test.each([
    [
      "401 of a revoked token",
      () => [],
      "test-token",
      /^DigitalOcean API GET \/v2\/images\/1 failed: 401 unauthorized: Unable to authenticate you\. DigitalOcean refused the token from the environment variable DIGITALOCEAN_TOKEN: it was revoked, has expired or is mistyped; put a valid token there and run the command again \(request id [^)]+\)$/,
    ],
    [
      "403 of a token without image:read",
      () => ["tag:read"],
      "test-token",
      /^DigitalOcean API GET \/v2\/images\/1 failed: 403 forbidden: You do not have access for the attempted action\. This request needs the token scope image:read: use a token with full access or add it to its custom scopes \(the token comes from the environment variable DIGITALOCEAN_TOKEN\) \(request id [^)]+\)$/,
    ],
  ])("a %s names where the token came from, never the token", (_case, scopes, token, expected) =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator, { tokenSource: "the environment variable DIGITALOCEAN_TOKEN" });
      const keep = scopes();
      if (keep.length === 0) emulator.revokeToken(token);
      else emulator.limitToken(token, keep);
      const error = (await client.images.get(1).catch((caught: unknown) => caught)) as Error;
      expect(error.message).toMatch(expected);
      expect(error.message).not.toContain(token);
    }),
  );

  test("a wrong token is an UnauthorizedError and is not retried", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator, { token: "wrong-token" });
      await expect(client.images.get(1)).rejects.toBeInstanceOf(UnauthorizedError);
      expect(emulator.requests).toHaveLength(1);
    }));

  test("a rejected request is a ValidationError with DigitalOcean's message", () =>
    withEmulator({ importDurationMs: 60_000 }, async (emulator) => {
      const { client } = clientFor(emulator);
      const image = await client.images.createCustom(importRequest("web"));
      const error = await client.imageActions.transfer(image.id, "lon1").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).status).toBe(422);
    }));

  test("a 5xx that outlasts every retry is a ServerError", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator, { retry: { limit: 2 } });
      emulator.inject({ kind: "status", status: 502 }, { method: "GET", count: 3 });
      await expect(client.images.get(1)).rejects.toBeInstanceOf(ServerError);
      expect(emulator.requests).toHaveLength(3);
    }));

  test("a 429 that outlasts every retry is a RateLimitError", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator, { retry: { limit: 1 } });
      emulator.inject({ kind: "status", status: 429, headers: { "retry-after": "1" } }, { count: 2 });
      const error = await client.images.list().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).code).toBe("too_many_requests");
    }));

  test("a response that never comes is a TimeoutError after the configured timeout", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator, { timeoutMs: 100, retry: { limit: 0 } });
      emulator.inject({ kind: "hang" });
      const error = await client.images.get(1).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toMatch(/GET \/v2\/images\/1 failed: no response within 100ms/);
    }));

  test("a reset connection is a NetworkError", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator, { retry: { limit: 0 } });
      emulator.inject({ kind: "reset" });
      const error = await client.images.get(1).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ code: "network_error", networkCode: "ECONNRESET" });
    }));

  test("a connection refused is a NetworkError", async () => {
    const client = new DigitalOceanClient({ token: "t", apiEndpoint: await closedPortUrl(), retry: { limit: 0 } });
    await expect(client.images.get(1)).rejects.toMatchObject({ code: "network_error", networkCode: "ECONNREFUSED" });
  });

  test.each(Object.entries(API_ENDPOINT_SOURCES))(
    "an endpoint that refuses connections (set by %s) is tried three times, and the error names it and its setting, never the token",
    async (_source, apiEndpointSource) => {
      const apiEndpoint = await closedPortUrl();
      const token = "dop_v1_refused_canary";
      const logs: string[] = [];
      const client = new DigitalOceanClient({
        token,
        apiEndpoint,
        apiEndpointSource,
        retry: { baseDelayMs: 1 },
        logger: (_level, message) => logs.push(message),
      });

      const error = (await client.images.list({ private: true }).catch((caught: unknown) => caught)) as NetworkError;

      expect(error).toMatchObject({ code: "network_error", networkCode: "ECONNREFUSED" });
      expect(error.message).toBe(
        `DigitalOcean API GET /v2/images?per_page=200&private=true failed: cannot connect to ${apiEndpoint} (ECONNREFUSED: connection refused); the API endpoint ${apiEndpointSource}`,
      );
      expect(error.message).toMatch(/digitalocean:apiEndpoint/);
      expect(logs.filter((message) => message.startsWith("retrying"))).toEqual([
        expect.stringMatching(/after ECONNREFUSED \(retry 1 of 2\)$/),
        expect.stringMatching(/\(retry 2 of 2\)$/),
      ]);
      expect([error.message, inspect(error), ...logs].join("\n")).not.toContain(token);
    },
  );

  test("an endpoint given with a user and password is refused before any request, without naming them", async () => {
    const apiEndpoint = await closedPortUrl();
    const build = () =>
      new DigitalOceanClient({ token: "t", apiEndpoint: apiEndpoint.replace("//", "//user:hunter2@"), retry: { limit: 0 } });
    expect(build).toThrow(InvalidEndpointError);
    expect(build).toThrow("DigitalOceanClient's apiEndpoint option must not carry a user name or password");
    expect(() => build()).not.toThrow(/hunter2/);
  });

  test.each([
    ["plain http to another machine", "http://api.example.com", /plain http would send the DigitalOcean token unencrypted/],
    [
      "plain http to localhost. (a name DNS may answer)",
      "http://localhost.:8080",
      /plain http would send the DigitalOcean token unencrypted/,
    ],
    ["a scheme other than https", "ftp://api.example.com", /uses "ftp:"/],
    ["text that is not a URL", "dop_v1_pasted-here", /is not a URL/],
  ])("a client built directly with %s as its endpoint is refused, as the provider's settings are", (_, apiEndpoint, message) => {
    expect(() => new DigitalOceanClient({ token: "t", apiEndpoint })).toThrow(message);
  });

  test("a client built directly accepts plain http to another machine only when allowed, and loopback always", () => {
    expect(new DigitalOceanClient({ token: "t", apiEndpoint: "http://proxy.internal:8080", allowInsecureEndpoint: true }).apiEndpoint).toBe(
      "http://proxy.internal:8080",
    );
    expect(new DigitalOceanClient({ token: "t", apiEndpoint: "http://127.0.0.1:8080/" }).apiEndpoint).toBe("http://127.0.0.1:8080");
  });

  test("an endpoint that never answers fails after three request timeouts, naming itself and its setting", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator, { timeoutMs: 100, apiEndpointSource: API_ENDPOINT_SOURCES.env, retry: { baseDelayMs: 1 } });
      emulator.inject({ kind: "hang" }, { count: 10 });
      const error = await client.images.get(1).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TimeoutError);
      expect((error as Error).message).toBe(
        `DigitalOcean API GET /v2/images/1 failed: no response within 100ms timeout from ${emulator.url}; the API endpoint ${API_ENDPOINT_SOURCES.env}`,
      );
      expect(emulator.requests).toHaveLength(3);
    }));

  test("a missing token fails before any request, naming where a token can come from", () =>
    withEmulator({}, async (emulator) => {
      expect(() => new DigitalOceanClient({ token: "", apiEndpoint: emulator.url })).toThrow(MissingTokenError);
      expect(() => new DigitalOceanClient({ token: " ", apiEndpoint: emulator.url })).toThrow(
        /digitalocean:token.*DIGITALOCEAN_TOKEN.*DIGITALOCEAN_ACCESS_TOKEN/,
      );
      expect(emulator.requests).toHaveLength(0);
    }));

  test("every error belongs to one family", () => {
    for (const ErrorClass of [
      NotFoundError,
      UnauthorizedError,
      ValidationError,
      ServerError,
      RateLimitError,
      NetworkError,
      TimeoutError,
      MissingTokenError,
    ]) {
      expect(new ErrorClass({ method: "GET", path: "/" })).toBeInstanceOf(DigitalOceanError);
    }
  });
});

describe("retries", () => {
  test.each([429, 500, 502, 503, 504] as const)("retries a GET on %i and succeeds", (status) =>
    withEmulator({}, async (emulator) => {
      const { client, logs } = clientFor(emulator);
      emulator.inject({ kind: "status", status }, { method: "GET" });
      await expect(client.images.list({ type: "distribution" })).resolves.not.toHaveLength(0);
      expect(emulator.requests.map((request) => request.status)).toEqual([status, 200]);
      expect(logs.some((log) => log.level === "warn" && log.message.includes(`after ${status}`))).toBe(true);
    }),
  );

  test("retries a GET after a reset connection, a hang past the timeout and malformed JSON", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator, { timeoutMs: 100 });
      emulator.inject({ kind: "reset" }, { method: "GET" });
      emulator.inject({ kind: "hang" }, { method: "GET" });
      emulator.inject({ kind: "malformed-json" }, { method: "GET" });
      await expect(client.images.list({ type: "distribution" })).resolves.not.toHaveLength(0);
      expect(emulator.requests.map((request) => request.fault ?? request.status)).toEqual(["reset", "hang", "malformed-json", 200]);
    }));

  test("retries a GET on 503 and honours Retry-After", () =>
    withEmulator({}, async (emulator) => {
      const { client, logs } = clientFor(emulator);
      emulator.inject({ kind: "status", status: 503, headers: { "retry-after": "7" } });
      await client.images.list({ type: "distribution" });
      expect(logs.map((log) => log.message)).toContain(
        "retrying GET /v2/images?per_page=200&type=distribution in 7000ms after 503 (retry 1 of 5)",
      );
      const [first, second] = emulator.requests;
      // Timers may fire up to a real millisecond early: a simulated second at this scale.
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(6000);
    }));

  test("honours ratelimit-reset on a 429 that carries no Retry-After", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const reset = Math.ceil(emulator.clock.now() / 1000) + 20;
      emulator.inject({ kind: "status", status: 429, headers: { "ratelimit-reset": String(reset) } });
      await client.images.list({ type: "distribution" });
      const [, second] = emulator.requests;
      // Timers may fire up to a real millisecond early: a simulated second at this scale.
      expect(second!.at).toBeGreaterThanOrEqual(reset * 1000 - 1000);
    }));

  test("spaces the retries of an hourly 429 whose ratelimit-reset is already past by the local clock, instead of spending them in milliseconds", () =>
    // A real millisecond is 100 simulated ones, so that timer overhead stays far below the second compared with.
    withEmulator({ timeFactor: 0.01 }, async (emulator) => {
      const { client } = clientFor(emulator);
      const pastReset = String(Math.floor(emulator.clock.now() / 1000) - 5);
      const hourly = { "ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": pastReset };
      emulator.inject({ kind: "status", status: 429, headers: hourly }, { count: 6 });
      await expect(client.images.list({ type: "distribution" })).rejects.toBeInstanceOf(RateLimitError);
      const sentAt = emulator.requests.map((request) => request.at);
      expect(sentAt).toHaveLength(6);
      const gaps = sentAt.slice(1).map((at, index) => at - sentAt[index]!);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(900);
      expect(sentAt[5]! - sentAt[0]!).toBeGreaterThanOrEqual(10_000);
    }));

  test("retries a PUT and a DELETE on 503", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const image = await client.images.createCustom(importRequest("web"));
      emulator.inject({ kind: "status", status: 503 }, { method: "PUT" });
      emulator.inject({ kind: "status", status: 503 }, { method: "DELETE" });
      await client.images.update(image.id, { name: "renamed" });
      await client.images.delete(image.id);
      expect(emulator.requests.map((request) => `${request.method} ${request.status}`)).toEqual([
        "POST 202",
        "PUT 503",
        "PUT 200",
        "DELETE 503",
        "DELETE 204",
      ]);
    }));

  test("does not retry a 404, a 401 or a 422", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      await expect(client.images.get(99)).rejects.toBeInstanceOf(NotFoundError);
      expect(emulator.requests).toHaveLength(1);
    }));
});

describe("imports are never duplicated", () => {
  /** An import carrying a tag that only it carries (the provider's import marker), by which it is found after an ambiguous failure. */
  const markedImport = (client: DigitalOceanClient, name: string, marker = `marker-${name}`) =>
    importMarked(client, { ...importRequest(name), tags: ["base"] }, marker);

  test("an import whose connection reset after DigitalOcean created the image adopts that image instead of importing again", () =>
    withEmulator({}, async (emulator) => {
      const { client, logs } = clientFor(emulator);
      emulator.inject({ kind: "reset-after-processing" }, { method: "POST", path: "/v2/images" });
      const image = await markedImport(client, "web");
      expect(emulator.audit()).toHaveLength(1);
      expect(emulator.audit()[0]!.id).toBe(image.id);
      expect(emulator.duplicates()).toEqual([]);
      // The client found a matching image; it cannot know that DigitalOcean acted, and says so.
      expect(logs.map((log) => log.message)).toContainEqual(
        expect.stringMatching(
          /^import of image "web": the request failed \(.*ECONNRESET.*\), but what it would have created exists, so DigitalOcean is taken to have carried it out; continuing with that$/,
        ),
      );
      expect(emulator.requests.find((request) => request.method === "GET")?.query).toMatchObject({ tag_name: "marker-web" });
    }));

  test("an import that timed out after DigitalOcean created the image adopts that image", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator, { timeoutMs: 100 });
      emulator.inject({ kind: "delay", ms: 1_000_000 }, { method: "POST", path: "/v2/images" });
      const image = await markedImport(client, "web").catch((error: unknown) => error);
      // The delayed request is handled only after the timeout: either the client adopted it, or it
      // sent the import again because nothing existed yet; never both.
      expect(image).not.toBeInstanceOf(Error);
      expect(emulator.duplicates()).toEqual([]);
    }));

  test("an import carried out only after its request timed out is found and adopted, not sent again", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator, { timeoutMs: 100 });
      // Reaches DigitalOcean 150 real ms after it was sent, 50 ms after the client gave up on it.
      emulator.inject({ kind: "delay", ms: 150 / emulator.clock.scale }, { method: "POST", path: "/v2/images" });
      const image = await markedImport(client, "web");
      await emulator.clock.sleep(1_000 / emulator.clock.scale);
      expect(emulator.audit().map((entry) => entry.id)).toEqual([image.id]);
      expect(emulator.requests.filter((request) => request.method === "POST")).toHaveLength(1);
    }));

  test("an import that met a 503 before DigitalOcean acted is sent again once a listing by its tag shows no image", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      emulator.inject({ kind: "status", status: 503 }, { method: "POST", path: "/v2/images" });
      const image = await markedImport(client, "web");
      expect(emulator.requests.map((request) => `${request.method} ${request.path} ${request.status}`)).toEqual([
        "POST /v2/images 503",
        "GET /v2/images 200",
        "POST /v2/images 202",
      ]);
      expect(emulator.audit().map((entry) => entry.id)).toEqual([image.id]);
    }));

  test("an import is retried on 429 without a listing: DigitalOcean rejected it before acting", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      emulator.inject({ kind: "status", status: 429, headers: { "retry-after": "1" } }, { method: "POST", path: "/v2/images" });
      await markedImport(client, "web");
      expect(emulator.requests.map((request) => `${request.method} ${request.status}`)).toEqual(["POST 429", "POST 202"]);
    }));

  test("after a 503 an image of the same name, url and age created by another client is never adopted: only the import marker identifies", () =>
    withEmulator({}, async (emulator) => {
      const other = await markedImport(clientFor(emulator).client, "web", "marker-of-another-stack");
      const { client } = clientFor(emulator);
      emulator.inject({ kind: "status", status: 503 }, { method: "POST", path: "/v2/images" });
      const mine = await markedImport(client, "web");
      expect(mine.id).not.toBe(other.id);
      expect(emulator.audit().map((entry) => entry.id)).toEqual([other.id, mine.id]);
    }));

  test.each([
    ["none", undefined, 1],
    ["a reset after DigitalOcean acted, the image found", { kind: "reset-after-processing" }, 1],
    ["a 429, repeated before DigitalOcean acted", { kind: "status", status: 429, headers: { "retry-after": "1" } }, 1],
    ["a 503, nothing found, the POST sent again", { kind: "status", status: 503 }, 2],
  ] as const)("tells how many import POSTs DigitalOcean may have carried out (fault: %s)", (_fault, fault, posts) =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      if (fault) emulator.inject(fault, { method: "POST", path: "/v2/images" });
      const told: number[] = [];
      const image = await client.images.createCustom(
        { ...importRequest("web"), tags: ["marker-web"] },
        {
          findExisting: async () => (await client.images.list({ tagName: "marker-web" }))[0],
          onSettled: (sent) => told.push(sent),
        },
      );
      expect(told).toEqual([posts]);
      expect(emulator.audit().map((entry) => entry.id)).toEqual([image.id]);
    }),
  );

  test("without a finder an ambiguous failure is thrown as it is: neither adopted by name nor sent again", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      emulator.inject({ kind: "reset-after-processing" }, { method: "POST", path: "/v2/images" });
      await expect(client.images.createCustom(importRequest("web"))).rejects.toMatchObject({
        code: "network_error",
        networkCode: "ECONNRESET",
      });
      expect(routes(emulator)).toEqual(["POST /v2/images"]);
    }));

  test("a transfer whose connection reset after DigitalOcean started it is not started twice", () =>
    withEmulator({ importDurationMs: 1_000 }, async (emulator) => {
      const { client } = clientFor(emulator);
      const image = await client.images.createCustom(importRequest("web"));
      await emulator.clock.sleep(1_500);
      emulator.inject({ kind: "reset-after-processing" }, { method: "POST", path: `/v2/images/${image.id}/actions` });
      const action = await client.imageActions.transfer(image.id, "lon1");
      expect(action.regionSlug).toBe("lon1");
      expect(emulator.requests.filter((request) => request.method === "POST" && request.path.endsWith("/actions"))).toHaveLength(1);
    }));
});

describe("rate budget", () => {
  test("slows down before DigitalOcean's per-minute limit instead of meeting a 429", () =>
    // A slower clock than elsewhere: at 1,000× a millisecond of loopback latency is a simulated second.
    withEmulator({ timeFactor: 0.02, rateLimit: { perMinute: 20, perHour: 5000 } }, async (emulator) => {
      const { client } = clientFor(emulator, { rateBudget: { perMinute: 20 } });
      await Promise.all(Array.from({ length: 40 }, () => client.images.list({ type: "distribution" })));
      expect(emulator.rateLimited).toBe(0);
      expect(emulator.requests.every((request) => request.status === 200)).toBe(true);
      expect(client.budget.snapshot().throttledMs).toBeGreaterThan(0);
    }));

  test("says in the log which request the budget held back, for how long and why", () =>
    withEmulator({ rateLimit: { perMinute: 5, perHour: 5000 } }, async (emulator) => {
      const { client, logs } = clientFor(emulator, { rateBudget: { perMinute: 5, reserve: 0 } });
      for (let index = 0; index < 6; index++) await client.images.get("ubuntu-24-04-x64");
      const held = logs.filter((line) => line.message.includes("for the token's rate limit"));
      expect(held).toHaveLength(1);
      expect(held[0]).toEqual({
        level: "warn",
        message: expect.stringMatching(
          /^GET \/v2\/images\/ubuntu-24-04-x64 waited \d+ms for the token's rate limit \(DigitalOcean allows 250 requests a minute and 5,000 an hour per token\)$/,
        ),
      });
    }));

  test("a burst-limit 429 with DigitalOcean's documented headers holds requests for its retry-after, not until the hour's oldest request expires", () =>
    // A slow clock (a real millisecond is 50 simulated ones), so that test overhead stays far below the 10 minutes compared with.
    withEmulator({ timeFactor: 0.02 }, async (emulator) => {
      const { client } = clientFor(emulator);
      const start = emulator.clock.now();
      const hourReset = String(Math.floor(start / 1000) + 10 * 60);
      const burst = { "ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": hourReset, "retry-after": "29" };
      emulator.inject({ kind: "status", status: 429, headers: burst }, { method: "GET" });
      await client.images.list({ type: "distribution" });
      await client.images.list({ type: "application" });
      const elapsed = emulator.clock.now() - start;
      expect(elapsed).toBeGreaterThanOrEqual(28_000);
      expect(elapsed).toBeLessThan(3 * 60_000);
    }));

  test("one budget serves every client of the same token and endpoint", () =>
    withEmulator({}, async (emulator) => {
      expect(clientFor(emulator).client.budget).toBe(clientFor(emulator).client.budget);
    }));
});

describe("requests", () => {
  test("carry the bearer token and a User-Agent naming the package and its version", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      await client.images.list({ type: "distribution" });
      expect(emulator.requests[0]!.headers).toMatchObject({ authorization: "Bearer test-token", "user-agent": USER_AGENT });
      expect(USER_AGENT).toMatch(/^pulumi-digitalocean-custom-image\/\d+\.\d+\.\d+/);
    }));

  test("take only the page from a pagination link naming another host: every page is asked of the configured endpoint", () =>
    withEmulator({}, async (emulator) => {
      // The emulator's links name 127.0.0.1, as DigitalOcean's name api.digitalocean.com.
      const { client } = clientFor(emulator, { apiEndpoint: emulator.url.replace("127.0.0.1", "localhost") });
      for (const name of ["a", "b", "c"]) await client.images.createCustom(importRequest(name));
      expect((await client.images.list({ private: true, perPage: 1 })).map((image) => image.name)).toEqual(["a", "b", "c"]);
      const pages = emulator.requests.filter((request) => request.method === "GET");
      expect(pages.map((request) => [request.headers.host, request.query.page ?? "1", request.query.private])).toEqual([
        [new URL(client.apiEndpoint).host, "1", "true"],
        [new URL(client.apiEndpoint).host, "2", "true"],
        [new URL(client.apiEndpoint).host, "3", "true"],
      ]);
    }));

  test("page through an apiEndpoint behind a proxy with a path prefix, whose answers carry DigitalOcean's absolute links", () =>
    withEmulator({}, async (emulator) =>
      withPrefixProxy(emulator.url, "/digitalocean", async (proxyUrl, seen) => {
        const { client } = clientFor(emulator, { apiEndpoint: `${proxyUrl}/digitalocean` });
        for (const name of ["a", "b", "c"]) await client.images.createCustom(importRequest(name));
        expect((await client.images.list({ private: true, perPage: 2 })).map((image) => image.name)).toEqual(["a", "b", "c"]);
        expect(seen.filter((path) => path.startsWith("GET"))).toEqual([
          "GET /digitalocean/v2/images?per_page=2&private=true",
          "GET /digitalocean/v2/images?per_page=2&private=true&page=2",
        ]);
      }),
    ));

  test("stop with an error when a pagination link asks again for a page already read", () =>
    withPrefixProxy(
      "http://127.0.0.1:9",
      "",
      async (url) => {
        const client = new DigitalOceanClient({ token: "t", apiEndpoint: url, retry: { limit: 0 } });
        await expect(client.images.list()).rejects.toThrow(
          "DigitalOcean API GET /v2/images?per_page=200 failed: links.pages.next leads back to a page already read (?per_page=200); stopped after 1 page",
        );
      },
      () => ({ images: [], links: { pages: { next: "https://api.digitalocean.com/v2/images?per_page=200" } }, meta: { total: 1 } }),
    ));
});

/**
 * A reverse proxy on 127.0.0.1 port 0 that serves `target` under `prefix`, as a company proxy
 * might, passing answers through unchanged (DigitalOcean's links included); or, given `answer`,
 * a server that answers every request with that body. Closed in `finally`.
 */
async function withPrefixProxy<T>(
  target: string,
  prefix: string,
  body: (url: string, seen: string[]) => Promise<T>,
  answer?: () => unknown,
): Promise<T> {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    if (answer) {
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer()));
      return;
    }
    const url = new URL(request.url!.slice(prefix.length), target);
    const upstream = httpRequest(url, { method: request.method, headers: { ...request.headers, host: url.host } }, (reply) => {
      response.writeHead(reply.statusCode!, reply.headers);
      reply.pipe(response);
    });
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe("the token never leaks", () => {
  const canary = "dop_v1_canary0123456789abcdef";

  test("into any error message, property, serialized error or log line", () =>
    withEmulator({ tokens: [canary] }, async (emulator) => {
      const { client, logs } = clientFor(emulator, { token: canary, timeoutMs: 100, retry: { limit: 1 } });
      const { client: wrongClient } = clientFor(emulator, { token: `${canary}-wrong`, retry: { limit: 0 } });
      emulator.inject({ kind: "status", status: 500 }, { count: 2, path: "/v2/images/1" });
      emulator.inject({ kind: "hang" }, { count: 2, path: "/v2/images/2" });
      emulator.inject({ kind: "reset" }, { count: 2, path: "/v2/images/3" });
      emulator.inject({ kind: "malformed-json" }, { count: 2, path: "/v2/images/4" });
      const errors = await Promise.all(
        [
          client.images.get(1),
          client.images.get(2),
          client.images.get(3),
          client.images.get(4),
          client.images.get(5),
          wrongClient.images.get(6),
          client.images
            .createCustom({ name: "x", url: "https://a.example/x.img", region: "nyc3", distribution: "Ubuntu" })
            .then(() => client.images.update(999, { name: "y" })),
        ].map((promise) =>
          promise.then(
            () => undefined,
            (error: unknown) => error,
          ),
        ),
      );
      expect(errors.filter((error) => error instanceof DigitalOceanError)).toHaveLength(7);
      for (const error of errors) {
        const views = [String(error), (error as Error).stack, JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })];
        for (const view of views) expect(view).not.toContain(canary);
      }
      expect(JSON.stringify(logs)).not.toContain(canary);
      expect(logs.length).toBeGreaterThan(0);
    }));

  test("into util.inspect or JSON of the client itself", () => {
    const client = new DigitalOceanClient({ token: canary, apiEndpoint: "https://api.example.com" });
    expect(inspect(client, { depth: 20, showHidden: true })).not.toContain(canary);
    expect(JSON.stringify(client)).not.toContain(canary);
  });

  test("out of a server's answers that echo it: error message, status text, request id and a 200's body", () =>
    withServer(
      (request, response) => {
        const echoed = String(request.headers.authorization);
        if (request.url.endsWith("/1")) {
          response.writeHead(401, `Bad ${echoed}`, { "content-type": "application/json", "x-request-id": `id ${echoed}` });
          response.end(JSON.stringify({ id: "unauthorized", message: `The token ${echoed} is not valid` }));
        } else if (request.url.endsWith("/2")) {
          response.writeHead(502, `Bad gateway for ${echoed}`, { "content-type": "text/html" });
          response.end("<html></html>");
        } else {
          reply(response, 200, { image: { id: 3, name: `named ${echoed}`, description: echoed } });
        }
      },
      async (server) => {
        const client = new DigitalOceanClient({ token: canary, apiEndpoint: server.url, retry: { limit: 0 } });
        const errors = await Promise.all(
          [client.images.get(1), client.images.get(2)].map((promise) => promise.catch((error: unknown) => error)),
        );
        expect((errors[0] as Error).message).toBe(
          "DigitalOcean API GET /v2/images/1 failed: 401 unauthorized: The token Bearer [token] is not valid (request id id Bearer [token])",
        );
        expect((errors[1] as Error).message).toBe("DigitalOcean API GET /v2/images/2 failed: 502: Bad gateway for Bearer [token]");
        const image = await client.images.get(3);
        expect(image).toMatchObject({ name: "named Bearer [token]", description: "Bearer [token]" });
        for (const error of errors) expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(canary);
      },
    ));
});
