import type { ServerResponse } from "node:http";
import { DigitalOceanClient, MAX_PAGES, MAX_RESPONSE_BYTES } from "../../src/client/digitalocean-client";
import { DigitalOceanError, NotFoundError, RedirectError, UnexpectedResponseError, ValidationError } from "../../src/client/errors";
import { boundedText } from "../../src/client/text";
import { type TestServer, reply, withServer } from "../helpers/http-server";

const presignedUrl = "https://bucket.example/image.qcow2?X-Amz-Signature=secret-signature&X-Amz-Security-Token=secret-session";
const importRequest = { name: "web", url: presignedUrl, region: "nyc3", distribution: "Ubuntu" };

const clientOf = (server: TestServer) => new DigitalOceanClient({ token: "test-token", apiEndpoint: server.url, timeoutMs: 2_000 });

/** A server on another origin that answers like DigitalOcean would, so that any request reaching it would succeed. */
const otherOrigin = <T>(body: (other: TestServer) => Promise<T>) =>
  withServer((_, response) => reply(response, 201, { image: { id: 5, name: "web" } }), body);

describe("redirects are refused", () => {
  test.each([307, 308])("an import POST answered with %i to another origin is not sent there, and the error names the endpoint", (status) =>
    otherOrigin((other) =>
      withServer(
        (_, response) => reply(response, status, "", { location: `${other.url}/v2/images` }),
        async (endpoint) => {
          const error = await clientOf(endpoint)
            .images.createCustom(importRequest)
            .catch((caught: unknown) => caught);
          expect(error).toBeInstanceOf(RedirectError);
          expect(error).toMatchObject({ code: "redirect_refused", status, method: "POST", path: "/v2/images" });
          expect((error as Error).message).toContain(`the endpoint ${endpoint.url} answered with a redirect to ${other.url}`);
          expect((error as Error).message).toContain("DigitalOcean's API does not redirect");
          expect((error as Error).message).not.toContain("secret-signature");
          expect(other.requests).toEqual([]);
          expect(endpoint.requests).toHaveLength(1);
          expect(endpoint.requests[0]!.body).toContain("secret-signature");
        },
      ),
    ),
  );

  test.each([301, 302, 307, 308])("a GET answered with %i and an HTML body is neither followed nor retried", (status) =>
    otherOrigin((other) =>
      withServer(
        (_, response) =>
          reply(response, status, "<html>Moved</html>", { location: `${other.url}/v2/images/1`, "content-type": "text/html" }),
        async (endpoint) => {
          await expect(clientOf(endpoint).images.get(1)).rejects.toThrow(RedirectError);
          expect(other.requests).toEqual([]);
          expect(endpoint.requests).toHaveLength(1);
        },
      ),
    ),
  );
});

describe("pagination ends", () => {
  const pageOf = (url: string) => Number(new URL(url, "http://x").searchParams.get("page") ?? "1");
  const listing =
    (next: (page: number, server: TestServer) => string | undefined) =>
    (request: { url: string }, response: Parameters<typeof reply>[0], server: TestServer) => {
      const page = pageOf(request.url);
      const link = next(page, server);
      reply(response, 200, {
        images: [{ id: page, name: `image-${page}` }],
        links: link ? { pages: { next: link } } : {},
        meta: { total: 1_000_000 },
      });
    };

  test("at a links.pages.next that leads back to a page already read", () =>
    withServer(
      listing((page, server) => `${server.url}/v2/images?page=${page === 1 ? 2 : 1}&per_page=200`),
      async (server) => {
        const error = await clientOf(server)
          .images.list()
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(UnexpectedResponseError);
        expect((error as Error).message).toMatch(
          /links\.pages\.next leads back to a page already read \(\?per_page=200&page=2\); stopped after 3 pages/,
        );
        expect(server.requests.map((request) => pageOf(request.url))).toEqual([1, 2, 1]);
      },
    ));

  test(`after ${MAX_PAGES} pages of a listing that never ends, with an error saying so`, () =>
    withServer(
      listing((page, server) => `${server.url}/v2/images?page=${page + 1}&per_page=200`),
      async (server) => {
        const error = await clientOf(server)
          .images.list()
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(UnexpectedResponseError);
        expect(error).toMatchObject({ code: "unexpected_response" });
        expect((error as Error).message).toContain(
          `the listing did not end after ${MAX_PAGES} pages (${MAX_PAGES} items); stopped, taking it for a loop`,
        );
        expect(server.requests).toHaveLength(MAX_PAGES);
      },
    ));

  test("a listing whose items are missing is an UnexpectedResponseError naming the list", () =>
    withServer(
      (_, response) => reply(response, 200, { links: {} }),
      async (server) => {
        await expect(clientOf(server).images.list()).rejects.toThrow(
          new UnexpectedResponseError({
            method: "GET",
            path: "/v2/images?per_page=200",
            apiMessage: 'expected a list "images" in the response, got nothing',
          }).message,
        );
      },
    ));
});

describe("unexpected bodies are DigitalOceanErrors", () => {
  test.each([
    ["null", "null"],
    ["42", "a number"],
    ['"text"', "a string"],
    ["[]", "a list"],
    ["", "an empty body"],
  ])("a 200 whose body is %j is an UnexpectedResponseError, not a TypeError", (body, described) =>
    withServer(
      (_, response) => reply(response, 200, body),
      async (server) => {
        const error = await clientOf(server)
          .images.get(1)
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(UnexpectedResponseError);
        expect((error as Error).message).toBe(`DigitalOcean API GET /v2/images/1 failed: 200: expected a JSON object, got ${described}`);
      },
    ),
  );

  test("an object without the image in it is an UnexpectedResponseError", () =>
    withServer(
      (_, response) => reply(response, 200, { image: null }),
      async (server) => {
        await expect(clientOf(server).images.get(1)).rejects.toThrow(
          new UnexpectedResponseError({}, "DigitalOcean's response did not hold an image object: got null"),
        );
      },
    ));

  test("an error body's message of any length is cut to 500 characters in the error, saying how much was left out", () =>
    withServer(
      (_, response) =>
        reply(response, 422, { id: "unprocessable_entity", message: `${"x".repeat(1_000_000)}END`, request_id: "r".repeat(5_000) }),
      async (server) => {
        const error = (await clientOf(server)
          .images.update(1, { name: "n" })
          .catch((caught: unknown) => caught)) as ValidationError;
        expect(error).toBeInstanceOf(ValidationError);
        expect(error.message.length).toBeLessThan(800);
        expect(error.message).toContain(`${"x".repeat(500)}… (999503 more characters)`);
        expect(error.message).not.toContain("END");
        expect(error.requestId).toBe(`${"r".repeat(100)}… (4900 more characters)`);
      },
    ));

  test("an error body whose fields are not strings falls back to the HTTP status text", () =>
    withServer(
      (_, response) => reply(response, 404, { id: { nested: true }, message: ["a", "b"] }),
      async (server) => {
        const error = await clientOf(server)
          .images.get(1)
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(NotFoundError);
        expect(error).toMatchObject({ code: "not_found", message: "DigitalOcean API GET /v2/images/1 failed: 404: Not Found" });
      },
    ));

  test("every new error belongs to the one family", () => {
    for (const ErrorClass of [RedirectError, UnexpectedResponseError]) expect(new ErrorClass({})).toBeInstanceOf(DigitalOceanError);
  });
});

describe("answers of any size", () => {
  const MiB = 1024 * 1024;

  /**
   * Streams `totalMiB` MiB of a JSON body (a message that never ends) without a content-length,
   * and records how much was written before the client hung up.
   */
  const endless =
    (status: number, totalMiB: number, written: { bytes: number }, headers: Record<string, string> = {}) =>
    (_: unknown, response: ServerResponse) => {
      response.writeHead(status, { "content-type": "application/json", ...headers });
      response.write('{"id": "server_error", "message": "');
      const chunk = Buffer.alloc(MiB, "x");
      const write = () => {
        while (!response.destroyed && written.bytes < totalMiB * MiB) {
          written.bytes += chunk.length;
          if (!response.write(chunk)) return void response.once("drain", write);
        }
        if (!response.destroyed) response.end('"}');
      };
      response.on("close", () => undefined);
      write();
    };

  test.each([
    [200, "a 200"],
    [500, "a 500 whose message"],
  ])(
    "%i: %s of 300 MiB is read no further than the cap and fails with an UnexpectedResponseError, not retried",
    (status) => {
      const written = { bytes: 0 };
      return withServer(endless(status, 300, written), async (server) => {
        const client = new DigitalOceanClient({
          token: "test-token",
          apiEndpoint: server.url,
          timeoutMs: 20_000,
          retry: { baseDelayMs: 1 },
        });
        const error = await client.images.get(1).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(UnexpectedResponseError);
        expect(error).toMatchObject({ code: "unexpected_response", status, method: "GET", path: "/v2/images/1" });
        expect((error as Error).message).toContain(`the answer from ${server.url} was larger than 4 MiB and was not read further`);
        expect(server.requests).toHaveLength(1);
        // What the server managed to write before the hang-up: the cap and what the socket buffers held.
        expect(written.bytes).toBeLessThan(MAX_RESPONSE_BYTES + 64 * MiB);
      });
    },
    30_000,
  );

  test("an answer whose content-length announces more than the cap is refused before its body is read", () => {
    const written = { bytes: 0 };
    return withServer(endless(200, 8, written, { "content-length": String(8 * MiB + 40) }), async (server) => {
      const error = await clientOf(server)
        .images.get(1)
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expect((error as Error).message).toContain("was larger than 4 MiB");
    });
  });

  test("an answer just under the cap is read whole", () =>
    withServer(
      (_, response) => reply(response, 200, { image: { id: 1, name: "web", description: "d".repeat(MAX_RESPONSE_BYTES - 100) } }),
      async (server) => {
        expect((await clientOf(server).images.get(1)).description).toHaveLength(MAX_RESPONSE_BYTES - 100);
      },
    ));
});

describe("boundedText", () => {
  test("reads no more of a long text than the limit: it never walks the whole text", () => {
    let walked = 0;
    // A string whose iteration is counted; its length, slicing and indexing are String's own.
    class CountingString extends String {
      override *[Symbol.iterator](): StringIterator<string> {
        for (const character of String(this)) {
          walked++;
          yield character;
        }
        return undefined;
      }
    }
    const text = new CountingString("x".repeat(1_000_000)) as unknown as string;
    expect(boundedText(text, 10)).toBe(`${"x".repeat(10)}… (999990 more characters)`);
    expect(walked).toBeLessThanOrEqual(11);
  });

  test.each([
    ["a text within the limit, as it is", "short", 10, "short"],
    ["a text of exactly the limit, as it is", "abcde", 5, "abcde"],
    ["a text whose code units exceed the limit but whose characters do not, as it is", "😀😀", 2, "😀😀"],
  ])("keeps %s", (_, text, limit, expected) => {
    expect(boundedText(text, limit)).toBe(expected);
  });

  test("counts an emoji as one character and never splits it", () => {
    expect(boundedText("😀😀😀", 2)).toMatch(/^😀😀… \(\d more characters\)$/);
  });
});
