import { fetchImport } from "../src/import-fetch";
import { closedPortUrl } from "../../../test/helpers/closed-port";
import { withServer } from "../../../test/helpers/http-server";

describe("fetchImport, DigitalOcean's importer's download", () => {
  it("sends a HEAD, then a GET read to its end, and succeeds on 200s", async () => {
    await withServer(
      (request, response) => response.writeHead(200, { "content-length": "4" }).end(request.method === "GET" ? "QFI\xfb" : undefined),
      async (server) => {
        expect(await fetchImport(`${server.url}/disk.qcow2?X-Amz-Signature=abc`)).toBeUndefined();
        expect(server.requests.map(({ method, url }) => `${method} ${url}`)).toEqual([
          "HEAD /disk.qcow2?X-Amz-Signature=abc",
          "GET /disk.qcow2?X-Amz-Signature=abc",
        ]);
      },
    );
  });

  it("goes on to the GET after a HEAD answered 403, as a url presigned for GET is answered", async () => {
    await withServer(
      (request, response) => (request.method === "HEAD" ? response.writeHead(403).end() : response.writeHead(200).end("image")),
      async (server) => expect(await fetchImport(`${server.url}/disk.img`)).toBeUndefined(),
    );
  });

  it.each([
    [405, "the server does not support HEAD requests"],
    [501, "the server does not support HEAD requests"],
    [404, "the server answered HTTP 404"],
  ])("fails when the HEAD is answered %i", async (status, reason) => {
    await withServer(
      (_request, response) => response.writeHead(status).end(),
      async (server) => {
        expect(await fetchImport(`${server.url}/disk.img`)).toBe(reason);
        expect(server.requests.map(({ method }) => method)).toEqual(["HEAD"]);
      },
    );
  });

  it("fails when the GET is refused, naming an S3-compatible server's error code", async () => {
    await withServer(
      (request, response) =>
        request.method === "HEAD"
          ? response.writeHead(403).end()
          : response
              .writeHead(404, { "content-type": "application/xml" })
              .end("<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>"),
      async (server) => expect(await fetchImport(`${server.url}/disk.img`)).toBe("the server answered HTTP 404 NoSuchKey"),
    );
  });

  it("fails on an empty file", async () => {
    await withServer(
      (_request, response) => response.writeHead(200).end(),
      async (server) => expect(await fetchImport(`${server.url}/disk.img`)).toBe("the server sent an empty file"),
    );
  });

  it("fails when nothing listens, naming the host", async () => {
    const base = await closedPortUrl();
    expect(await fetchImport(`${base}/disk.img`)).toBe(`could not connect to host ${new URL(base).host}: ECONNREFUSED`);
  });
});
