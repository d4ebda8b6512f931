import { API_ENDPOINT_SOURCES, findToken, resolveCredentials } from "../../src/client/credentials";
import { MissingTokenError } from "../../src/client/errors";

describe("resolveCredentials", () => {
  test("prefers the stack config over the environment", () => {
    const env = { DIGITALOCEAN_TOKEN: "env", DIGITALOCEAN_API_URL: "http://env" };
    expect(resolveCredentials({ "digitalocean:token": "config", "digitalocean:apiEndpoint": "http://config/" }, env)).toEqual({ token: "config", apiEndpoint: "http://config", apiEndpointSource: API_ENDPOINT_SOURCES.config });
  });

  test("falls back to DIGITALOCEAN_TOKEN, then DIGITALOCEAN_ACCESS_TOKEN", () => {
    expect(resolveCredentials({}, { DIGITALOCEAN_TOKEN: "a", DIGITALOCEAN_ACCESS_TOKEN: "b" }).token).toBe("a");
    expect(resolveCredentials({}, { DIGITALOCEAN_ACCESS_TOKEN: "b" }).token).toBe("b");
  });

  test("defaults the endpoint to DigitalOcean's API", () => {
    expect(resolveCredentials({}, { DIGITALOCEAN_TOKEN: "a" }).apiEndpoint).toBe("https://api.digitalocean.com");
  });

  test.each([
    ["stack config", { "digitalocean:apiEndpoint": "http://config" }, { DIGITALOCEAN_API_URL: "http://env" }, /^was set by stack config digitalocean:apiEndpoint$/],
    ["environment", { "digitalocean:apiEndpoint": " " }, { DIGITALOCEAN_API_URL: "http://env" }, /^was set by the environment variable DIGITALOCEAN_API_URL \(stack config digitalocean:apiEndpoint is not set\)$/],
    ["default", {}, {}, /^is the default, as neither stack config digitalocean:apiEndpoint nor DIGITALOCEAN_API_URL is set$/],
  ])("says where the endpoint came from (%s), naming the setting to change", (_source, config, env, expected) => {
    const { apiEndpointSource } = resolveCredentials({ "digitalocean:token": "t", ...config }, env);
    expect(apiEndpointSource).toMatch(expected);
    expect(apiEndpointSource).toMatch(/digitalocean:apiEndpoint/);
  });

  test("finds whether a token exists without failing, for the warning at preview", () => {
    expect(findToken({}, {})).toBeUndefined();
    expect(findToken({ "digitalocean:token": " " }, {})).toBeUndefined();
    expect(findToken({}, { DIGITALOCEAN_ACCESS_TOKEN: "b" })).toBe("b");
  });

  test("fails before any request without a token, naming every place a token can come from", () => {
    const attempt = () => resolveCredentials({ "digitalocean:token": "  " }, {});
    expect(attempt).toThrow(MissingTokenError);
    expect(attempt).toThrow(/digitalocean:token.*DIGITALOCEAN_TOKEN.*DIGITALOCEAN_ACCESS_TOKEN/);
  });
});
