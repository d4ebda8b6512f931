import { readFileSync } from "node:fs";
import { join } from "node:path";
import { API_ENDPOINT_SOURCES } from "../../src/client/credentials";
import { DigitalOceanClient } from "../../src/client/digitalocean-client";
import {
  type DigitalOceanError,
  MissingTokenError,
  RedirectError,
  UnexpectedResponseError,
  WaitTimeoutError,
} from "../../src/client/errors";
import { ImageWaiter } from "../../src/client/image-waiter";
import { create, read, type Runtime } from "../../src/provider/lifecycle";
import type { CustomImageInputs } from "../../src/provider/types";
import { closedPortUrl } from "../helpers/closed-port";
import { withServer } from "../helpers/http-server";

/**
 * The README's errors table quotes the provider's messages. Those built without a server are
 * produced here and looked up in it verbatim, so that a changed message fails until the README
 * says the same; the lifecycle tests pin the others' words.
 */
const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");

/** A message as Markdown quotes it: a code span, with double backticks when the message has one. */
const quoted = (message: string) => (message.includes("`") ? `\`\` ${message} \`\`` : `\`${message}\``);

describe("the README's errors table", () => {
  test("quotes the missing token message", () => {
    expect(readme).toContain(`| ${quoted(new MissingTokenError().message)} |`);
  });

  test.each(Object.entries(API_ENDPOINT_SOURCES))("names where an endpoint came from (%s) in the provider's words", (_source, words) => {
    expect(readme).toContain(words);
  });

  test("quotes an unreachable endpoint's message, as create reports it", async () => {
    const endpoint = await closedPortUrl();
    const client = new DigitalOceanClient({
      token: "t",
      apiEndpoint: endpoint,
      apiEndpointSource: API_ENDPOINT_SOURCES.config,
      retry: { limit: 0 },
    });
    const error = (await client.images.list({ private: true }).catch((caught: unknown) => caught)) as DigitalOceanError;
    const message = error
      .restate(`importing image "web" from https://example.com/web.img into nyc3`)
      .message.replace(endpoint, "http://127.0.0.1:9");
    expect(readme).toContain(quoted(message));
  });

  test("quotes a wait's timeout as create reports it", () => {
    const wait = new WaitTimeoutError("the import of image 42 to become available", 42, 60 * 60_000, "pending").message;
    expect(readme).toContain(quoted(`${wait}. Pulumi has recorded the image; run \`pulumi up\` again to resume.`));
  });

  /** The provider's runtime on a client of `endpoint` that tries each request once. */
  const runtimeOn = (endpoint: string): Runtime => {
    const client = new DigitalOceanClient({
      token: "t",
      apiEndpoint: endpoint,
      apiEndpointSource: API_ENDPOINT_SOURCES.config,
      retry: { limit: 0 },
    });
    return { client, waiter: new ImageWaiter(client), log: { info: () => undefined, warn: () => undefined } };
  };
  const web: CustomImageInputs = { name: "web", url: "https://example.com/web.img", regions: ["nyc3"], distribution: "Unknown" };

  test("quotes a redirect as create reports it", () =>
    withServer(
      (_request, response) => response.writeHead(307, { location: "https://other.example/v2/images" }).end(),
      async (server) => {
        const error = (await create(runtimeOn(server.url), web).catch((caught: unknown) => caught)) as RedirectError;
        expect(error).toBeInstanceOf(RedirectError);
        expect(readme).toContain(quoted(error.message.replace(server.url, "https://proxy.example")));
      },
    ));

  test("quotes an answer that is not DigitalOcean's as refresh reports it", () =>
    withServer(
      (_request, response) => response.writeHead(200, { "content-type": "application/json" }).end("null"),
      async (server) => {
        const error = (await read(runtimeOn(server.url), "1", {}).catch((caught: unknown) => caught)) as UnexpectedResponseError;
        expect(error).toBeInstanceOf(UnexpectedResponseError);
        expect(readme).toContain(quoted(error.message));
      },
    ));
});
