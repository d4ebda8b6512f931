import { ALLOW_INSECURE_ENDPOINT, API_ENDPOINT_SOURCES, findToken, isLoopback, resolveCredentials } from "../../src/client/credentials";
import { InvalidEndpointError, MissingTokenError } from "../../src/client/errors";

describe("resolveCredentials", () => {
  test("prefers the stack config over the environment", () => {
    const env = { DIGITALOCEAN_TOKEN: "env", DIGITALOCEAN_API_URL: "https://env.example" };
    expect(resolveCredentials({ "digitalocean:token": "config", "digitalocean:apiEndpoint": "https://config.example/" }, env)).toEqual({
      token: "config",
      tokenSource: "stack config digitalocean:token",
      apiEndpoint: "https://config.example",
      apiEndpointSource: API_ENDPOINT_SOURCES.config,
      allowInsecureEndpoint: false,
      warnings: [],
    });
  });

  test("falls back to DIGITALOCEAN_TOKEN, then DIGITALOCEAN_ACCESS_TOKEN", () => {
    expect(resolveCredentials({}, { DIGITALOCEAN_TOKEN: "a", DIGITALOCEAN_ACCESS_TOKEN: "b" }).token).toBe("a");
    expect(resolveCredentials({}, { DIGITALOCEAN_ACCESS_TOKEN: "b" }).token).toBe("b");
  });

  test.each([
    [{ "digitalocean:token": "c" }, { DIGITALOCEAN_TOKEN: "a" }, "stack config digitalocean:token"],
    [{}, { DIGITALOCEAN_TOKEN: "a", DIGITALOCEAN_ACCESS_TOKEN: "b" }, "the environment variable DIGITALOCEAN_TOKEN"],
    [{ "digitalocean:token": " " }, { DIGITALOCEAN_ACCESS_TOKEN: "b" }, "the environment variable DIGITALOCEAN_ACCESS_TOKEN"],
  ])("says where the token came from (%j, %j): %s, never the token itself", (config, env, expected) => {
    expect(resolveCredentials(config, env).tokenSource).toBe(expected);
  });

  test("defaults the endpoint to DigitalOcean's API", () => {
    expect(resolveCredentials({}, { DIGITALOCEAN_TOKEN: "a" }).apiEndpoint).toBe("https://api.digitalocean.com");
  });

  test.each([
    [
      "stack config",
      { "digitalocean:apiEndpoint": "https://config.example" },
      { DIGITALOCEAN_API_URL: "https://env.example" },
      /^was set by stack config digitalocean:apiEndpoint$/,
    ],
    [
      "environment",
      { "digitalocean:apiEndpoint": " " },
      { DIGITALOCEAN_API_URL: "https://env.example" },
      /^was set by the environment variable DIGITALOCEAN_API_URL \(stack config digitalocean:apiEndpoint is not set\)$/,
    ],
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

describe("the API endpoint is checked when the credentials are resolved", () => {
  const withEndpoint = (endpoint: string, extra: Record<string, string> = {}) =>
    resolveCredentials({ "digitalocean:token": "t", "digitalocean:apiEndpoint": endpoint, ...extra }, {});

  test.each([
    ["https://api.digitalocean.com/", "https://api.digitalocean.com"],
    ["https://proxy.example:8443/digitalocean/", "https://proxy.example:8443/digitalocean"],
    ["HTTPS://API.DigitalOcean.com", "https://api.digitalocean.com"],
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080"],
    ["http://127.12.0.9", "http://127.12.0.9"],
    ["http://localhost:3000/", "http://localhost:3000"],
    ["http://[::1]:3000", "http://[::1]:3000"],
  ])("accepts %s as %s", (endpoint, expected) => {
    expect(withEndpoint(endpoint)).toEqual({
      token: "t",
      tokenSource: "stack config digitalocean:token",
      apiEndpoint: expected,
      apiEndpointSource: API_ENDPOINT_SOURCES.config,
      allowInsecureEndpoint: false,
      warnings: [],
    });
  });

  test.each([
    [
      "not a url",
      "digitalocean:apiEndpoint (from the stack config) is not a URL: expected an https URL such as https://api.digitalocean.com (scheme, host, optional port and path)",
    ],
    ["dop_v1_0123456789abcdef", "digitalocean:apiEndpoint (from the stack config) is not a URL"],
    ["ftp://api.example", 'uses "ftp:"'],
    ["file:///etc/passwd", 'uses "file:"'],
    ["https://user:secret@api.example", "must not carry a user name or password"],
    ["https://api.example/?x=1", "must not have a query or fragment"],
    ["https://api.example/#top", "must not have a query or fragment"],
    [
      "http://api.example",
      "digitalocean:apiEndpoint (from the stack config) is http://api.example: plain http would send the DigitalOcean token unencrypted. Use https, or, on a network you trust, " +
        "allow it with `pulumi config set digitalocean-custom-image:allowInsecureEndpoint true` or DIGITALOCEAN_CUSTOM_IMAGE_ALLOW_INSECURE_ENDPOINT=true. Loopback hosts (localhost, 127.0.0.0/8, ::1) need neither.",
    ],
    ["http://128.0.0.1", "plain http would send the DigitalOcean token unencrypted"],
    ["http://localhost.example", "plain http would send the DigitalOcean token unencrypted"],
  ])("refuses %s before any request: %s", (endpoint, message) => {
    const attempt = () => withEndpoint(endpoint);
    expect(attempt).toThrow(InvalidEndpointError);
    expect(attempt).toThrow(message);
  });

  test("never repeats a value that is not a URL, which may be a token in the wrong place", () => {
    expect(() => withEndpoint("dop_v1_0123456789abcdef")).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("dop_v1") }),
    );
    expect(() => withEndpoint("https://user:secret@api.example")).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("secret") }),
    );
  });

  test("names the environment variable when the endpoint comes from there", () => {
    expect(() => resolveCredentials({}, { DIGITALOCEAN_TOKEN: "t", DIGITALOCEAN_API_URL: "http://api.example" })).toThrow(
      /^DIGITALOCEAN_API_URL \(from the environment\) is http:\/\/api\.example: plain http/,
    );
  });

  test.each([
    [{ [ALLOW_INSECURE_ENDPOINT.config]: "true" }, {}],
    [{}, { [ALLOW_INSECURE_ENDPOINT.env]: "TRUE" }],
  ])("allows plain http to another host when told to (%j %j), with a warning", (config, env) => {
    const credentials = resolveCredentials(
      { "digitalocean:token": "t", "digitalocean:apiEndpoint": "http://proxy.internal:8080", ...config },
      env,
    );
    expect(credentials.apiEndpoint).toBe("http://proxy.internal:8080");
    expect(credentials.warnings).toEqual([
      expect.stringMatching(
        /^The API endpoint http:\/\/proxy\.internal:8080 is plain http: the DigitalOcean token is sent unencrypted, as (digitalocean-custom-image:allowInsecureEndpoint|DIGITALOCEAN_CUSTOM_IMAGE_ALLOW_INSECURE_ENDPOINT) allows\.$/,
      ),
    ]);
  });

  test("refuses an allowInsecureEndpoint that is neither true nor false without repeating any of its value", () => {
    expect(() => withEndpoint("https://api.example", { [ALLOW_INSECURE_ENDPOINT.config]: "dop_v1_0123456789abcdef" })).not.toThrow(
      /dop_v1|0123/,
    );
    expect(() => withEndpoint("http://localhost.:8080")).toThrow(/plain http would send/);
    expect(() => withEndpoint("https://api.example", { [ALLOW_INSECURE_ENDPOINT.config]: "yes" })).toThrow(
      new InvalidEndpointError(
        {},
        "digitalocean-custom-image:allowInsecureEndpoint (from the stack config) must be true or false; the value set is neither (it is not repeated here)",
      ),
    );
    expect(() => withEndpoint("http://api.example", { [ALLOW_INSECURE_ENDPOINT.config]: "false" })).toThrow(/plain http would send/);
  });

  test.each([
    [
      "the token from the stack config and the endpoint from the environment",
      { "digitalocean:token": "t" },
      { DIGITALOCEAN_API_URL: "https://env.example" },
      "The DigitalOcean token comes from the stack config (digitalocean:token) but the API endpoint from the environment (DIGITALOCEAN_API_URL = https://env.example), and the token is sent there. If that is not meant, set both in the same place.",
    ],
    [
      "the token from the environment and the endpoint from the stack config",
      { "digitalocean:apiEndpoint": "https://config.example" },
      { DIGITALOCEAN_ACCESS_TOKEN: "t" },
      "The DigitalOcean token comes from the environment (DIGITALOCEAN_ACCESS_TOKEN) but the API endpoint from the stack config (digitalocean:apiEndpoint = https://config.example), and the token is sent there. If that is not meant, set both in the same place.",
    ],
  ])("warns when %s", (_, config, env, warning) => {
    expect(resolveCredentials(config, env).warnings).toEqual([warning]);
  });

  test("does not warn when both come from one place, or the endpoint is the default", () => {
    expect(resolveCredentials({}, { DIGITALOCEAN_TOKEN: "t", DIGITALOCEAN_API_URL: "https://env.example" }).warnings).toEqual([]);
    expect(resolveCredentials({ "digitalocean:token": "t" }, {}).warnings).toEqual([]);
  });
});

describe("isLoopback", () => {
  test.each([
    ["localhost", true],
    ["LOCALHOST", true],
    ["localhost.", false],
    ["127.0.0.1", true],
    ["127.255.255.254", true],
    ["[::1]", true],
    ["[::ffff:7f00:1]", true],
    ["128.0.0.1", false],
    ["10.0.0.1", false],
    ["[::2]", false],
    ["localhost.example", false],
    ["api.digitalocean.com", false],
  ])("%s: %s", (hostname, expected) => {
    expect(isLoopback(hostname)).toBe(expected);
  });
});
