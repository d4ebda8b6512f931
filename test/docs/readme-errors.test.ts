import { readFileSync } from "node:fs";
import { join } from "node:path";
import { API_ENDPOINT_SOURCES } from "../../src/client/credentials";
import { DigitalOceanClient } from "../../src/client/digitalocean-client";
import { type DigitalOceanError, MissingTokenError, WaitTimeoutError } from "../../src/client/errors";
import { closedPortUrl } from "../helpers/closed-port";

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
});
