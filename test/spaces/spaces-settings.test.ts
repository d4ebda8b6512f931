import { resolveSpacesSettings } from "../../src/spaces/spaces-settings";

const keys = { "digitalocean:spacesAccessId": "DO00ID", "digitalocean:spacesSecretKey": "secret-from-config" };

describe("resolveSpacesSettings", () => {
  it("takes the keys from stack config, and the region's Spaces endpoint", () => {
    expect(resolveSpacesSettings("ams3", keys, {})).toEqual({
      accessKeyId: "DO00ID",
      secretAccessKey: "secret-from-config",
      endpoint: "https://ams3.digitaloceanspaces.com",
      custom: false,
      keySource: "stack config digitalocean:spacesAccessId",
    });
  });

  it("takes the keys from the environment when the stack config has none, and prefers the stack config", () => {
    const env = { SPACES_ACCESS_KEY_ID: "ENVID", SPACES_SECRET_ACCESS_KEY: "env-secret" };
    expect(resolveSpacesSettings("nyc3", {}, env)).toMatchObject({
      accessKeyId: "ENVID",
      secretAccessKey: "env-secret",
      keySource: "the environment variable SPACES_ACCESS_KEY_ID",
    });
    expect(resolveSpacesSettings("nyc3", keys, env)).toMatchObject({ accessKeyId: "DO00ID" });
    expect(resolveSpacesSettings("nyc3", { "digitalocean:spacesAccessId": "DO00ID" }, env)).toMatchObject({
      secretAccessKey: "env-secret",
      keySource: "stack config digitalocean:spacesAccessId and the environment variable SPACES_SECRET_ACCESS_KEY",
    });
  });

  it.each([
    [{}, "access key id and secret key"],
    [{ "digitalocean:spacesAccessId": "DO00ID" }, "secret key"],
    [{ "digitalocean:spacesSecretKey": "s" }, "access key id"],
  ])("says which key is missing and where to set it", (config, missing) => {
    expect(() => resolveSpacesSettings("nyc3", config, {})).toThrow(
      `No Spaces ${missing} found: a CustomImage with \`file\` uploads it to Spaces. Create a Spaces access key in DigitalOcean's control panel, then \`pulumi config set digitalocean:spacesAccessId <id>\` and \`pulumi config set --secret digitalocean:spacesSecretKey <secret>\`, or export SPACES_ACCESS_KEY_ID and SPACES_SECRET_ACCESS_KEY.`,
    );
  });

  it("takes an endpoint override, addressed path-style, over https or plain http on loopback", () => {
    expect(resolveSpacesSettings("nyc3", { ...keys, "digitalocean:spacesEndpoint": "http://127.0.0.1:9000/" }, {})).toMatchObject({
      endpoint: "http://127.0.0.1:9000",
      custom: true,
    });
    expect(resolveSpacesSettings("nyc3", keys, { SPACES_ENDPOINT_URL: "https://s3.example.com" })).toMatchObject({
      endpoint: "https://s3.example.com",
    });
  });

  it.each([
    ["http://s3.example.com", /is http:\/\/s3\.example\.com\/: expected an https URL .*, or http on a loopback address/],
    ["https://s3.example.com/?x=1", /without credentials, query or fragment/],
    ["not a url secret-ish", /^The Spaces endpoint from stack config digitalocean:spacesEndpoint is not a URL: expected/],
  ])("refuses the endpoint %s", (endpoint, message) => {
    let error: Error | undefined;
    try {
      resolveSpacesSettings("nyc3", { ...keys, "digitalocean:spacesEndpoint": endpoint }, {});
    } catch (caught) {
      error = caught as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain("secret");
  });
});
