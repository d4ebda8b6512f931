import { resolveCredentials } from "../../src/client/credentials";
import { MissingTokenError } from "../../src/client/errors";

describe("resolveCredentials", () => {
  test("prefers the stack config over the environment", () => {
    const env = { DIGITALOCEAN_TOKEN: "env", DIGITALOCEAN_API_URL: "http://env" };
    expect(resolveCredentials({ "digitalocean:token": "config", "digitalocean:apiEndpoint": "http://config/" }, env)).toEqual({ token: "config", apiEndpoint: "http://config" });
  });

  test("falls back to DIGITALOCEAN_TOKEN, then DIGITALOCEAN_ACCESS_TOKEN", () => {
    expect(resolveCredentials({}, { DIGITALOCEAN_TOKEN: "a", DIGITALOCEAN_ACCESS_TOKEN: "b" }).token).toBe("a");
    expect(resolveCredentials({}, { DIGITALOCEAN_ACCESS_TOKEN: "b" }).token).toBe("b");
  });

  test("defaults the endpoint to DigitalOcean's API", () => {
    expect(resolveCredentials({}, { DIGITALOCEAN_TOKEN: "a" }).apiEndpoint).toBe("https://api.digitalocean.com");
  });

  test("fails before any request without a token, naming every place a token can come from", () => {
    const attempt = () => resolveCredentials({ "digitalocean:token": "  " }, {});
    expect(attempt).toThrow(MissingTokenError);
    expect(attempt).toThrow(/digitalocean:token.*DIGITALOCEAN_TOKEN.*DIGITALOCEAN_ACCESS_TOKEN/);
  });
});
