import { randomBytes } from "node:crypto";
import { closedPortUrl } from "../helpers/closed-port";
import { failureOf, URN, withHostAndEmulator } from "./host-fixture";

/**
 * Where the provider inside the host finds its token and endpoint (the stack config, as Configure
 * delivers it, then the environment), and that the token goes nowhere but the Authorization header.
 */

/** A token no other text could contain by chance. */
const canary = (label: string) => `dop_v1_canary_${label}_${randomBytes(12).toString("hex")}`;

describe("the token", () => {
  test("from Configure, sent as the secret digitalocean:token, authenticates every request and appears nowhere else", () => {
    const token = canary("config");
    return withHostAndEmulator({ emulator: { tokens: [token] }, config: { "digitalocean:token": token } }, async (fixture) => {
      const { host, emulator } = fixture;
      const seen: unknown[] = [];

      const deployed = await fixture.create({ regions: ["nyc3", "ams3"] });
      const read = await host.read(deployed.id, URN, deployed.outputs, deployed.inputs);
      const { deployed: updated } = await fixture.update(deployed, { regions: ["nyc3", "ams3"], description: "updated" });
      seen.push(deployed, read, updated);

      // Errors of every kind: a failed import, a partial failure, and an API error after retries.
      const imported = await failureOf(fixture.create({ url: "https://example.com/images/broken.zip" }));
      emulator.failTransfers("sgp1");
      const partial = await failureOf(fixture.update(updated, { regions: ["nyc3", "ams3", "sgp1"] }));
      emulator.inject({ kind: "status", status: 500 }, { method: "DELETE", count: 6 });
      const api = await failureOf(fixture.destroy(updated));
      seen.push(...[imported, partial, api].map((error) => ({ message: error.message, initFailed: error.initFailed })));
      await fixture.destroy(updated);

      expect(api.message).toMatch(/500/);
      expect(partial.initFailed).toBeDefined();
      expect(emulator.requests.length).toBeGreaterThan(10);
      expect(emulator.requests.filter((request) => request.headers.authorization !== `Bearer ${token}`)).toEqual([]);
      expect(JSON.stringify(seen)).not.toContain(token);
      expect(String(deployed.inputs.__provider)).not.toContain(token);
      expect(host.logs.join("\n")).not.toContain(token);
    });
  });

  test("DigitalOcean's refusal (401) fails with a message that says so and does not contain the token", () => {
    const token = canary("revoked");
    return withHostAndEmulator({ config: { "digitalocean:token": token } }, async (fixture) => {
      const error = await failureOf(fixture.create());

      expect(error.initFailed).toBeUndefined();
      expect(error.message).toMatch(/401 unauthorized: Unable to authenticate you/);
      expect(error.message).not.toContain(token);
      expect(fixture.host.logs.join("\n")).not.toContain(token);
      expect(fixture.emulator.audit()).toEqual([]);
    });
  });

  const config = canary("config");
  const doToken = canary("do_token");
  const doAccessToken = canary("do_access_token");
  test.each([
    ["DIGITALOCEAN_TOKEN is used when the stack config has none", undefined, { DIGITALOCEAN_TOKEN: doToken }, doToken],
    [
      "DIGITALOCEAN_ACCESS_TOKEN is used when the stack config has none",
      undefined,
      { DIGITALOCEAN_ACCESS_TOKEN: doAccessToken },
      doAccessToken,
    ],
    [
      "DIGITALOCEAN_TOKEN wins over DIGITALOCEAN_ACCESS_TOKEN",
      undefined,
      { DIGITALOCEAN_TOKEN: doToken, DIGITALOCEAN_ACCESS_TOKEN: doAccessToken },
      doToken,
    ],
    [
      "the stack config's digitalocean:token wins over the environment",
      config,
      { DIGITALOCEAN_TOKEN: doToken, DIGITALOCEAN_ACCESS_TOKEN: doAccessToken },
      config,
    ],
  ])("%s", (_sentence, configured, env, used) =>
    withHostAndEmulator(
      { emulator: { tokens: [config, doToken, doAccessToken] }, config: { "digitalocean:token": configured }, env },
      async (fixture) => {
        const deployed = await fixture.create();

        expect(deployed.outputs.status).toBe("available");
        expect(fixture.emulator.requests.map((request) => request.headers.authorization)).toEqual(
          fixture.emulator.requests.map(() => `Bearer ${used}`),
        );
      },
    ),
  );

  test("missing from the config and the environment fails Create before any request, naming the three places to set it", () =>
    withHostAndEmulator({ config: { "digitalocean:token": undefined } }, async (fixture) => {
      const error = await failureOf(fixture.create());

      expect(error.initFailed).toBeUndefined();
      expect(error.message).toContain("digitalocean:token");
      expect(error.message).toContain("DIGITALOCEAN_TOKEN");
      expect(error.message).toContain("DIGITALOCEAN_ACCESS_TOKEN");
      expect(fixture.emulator.requests).toEqual([]);
    }));

  test("missing from the config and the environment, Check (what preview runs) passes and warns once that `pulumi up` will fail, without a request", () =>
    withHostAndEmulator({ config: { "digitalocean:token": undefined } }, async (fixture) => {
      const first = await fixture.host.check(URN, {}, await fixture.inputs());
      const second = await fixture.host.check(URN, {}, await fixture.inputs({ name: "second" }));

      expect([first.failures, second.failures]).toEqual([[], []]);
      const warnings = fixture.host.logs.filter((line) => line.includes("No DigitalOcean API token found"));
      expect(warnings).toEqual([
        expect.stringContaining(
          "No DigitalOcean API token found. Set one with `pulumi config set --secret digitalocean:token <token>`, or export DIGITALOCEAN_TOKEN or DIGITALOCEAN_ACCESS_TOKEN. Preview needs none, but `pulumi up` fails without one.",
        ),
      ]);
      expect(fixture.emulator.requests).toEqual([]);
    }));

  test("present, Check warns about nothing", () =>
    withHostAndEmulator({}, async (fixture) => {
      await fixture.host.check(URN, {}, await fixture.inputs());
      expect(fixture.host.logs.join("\n")).not.toContain("No DigitalOcean API token found");
    }));
});

describe("a presigned URL's signature", () => {
  test("stays out of error messages and logs, though DigitalOcean is sent the whole URL", () => {
    const signature = canary("signature");
    const url = `https://images.example.com/flatcar.qcow2.gz?X-Amz-Credential=DO00EXAMPLE&X-Amz-Signature=${signature}`;
    return withHostAndEmulator({}, async (fixture) => {
      // Every import POST fails: the provider gives up and reports what it was importing from.
      const outage = fixture.emulator.inject({ kind: "status", status: 503 }, { method: "POST", path: "/v2/images", count: 20 });
      fixture.emulator.failImports(signature);

      const rejected = await failureOf(fixture.create({ url }));
      outage.cancel();
      // The import is accepted, and DigitalOcean ends it as failed.
      const ended = await failureOf(fixture.create({ url, name: "second" }));

      expect(rejected.message).toContain("https://images.example.com/flatcar.qcow2.gz");
      expect(ended.message).toMatch(/not a supported disk image/);
      expect(fixture.emulator.requests.some((request) => JSON.stringify(request.body ?? "").includes(signature))).toBe(true);
      expect([rejected.message, ended.message, ...fixture.host.logs].join("\n")).not.toContain(signature);
    });
  });
});

describe("a presigned url given as a secret", () => {
  test("stays secret: the host takes no secrets, so the engine marks secret every output named like a secret input, and only url holds it", () => {
    const signature = canary("signature");
    const url = `https://images.example.com/flatcar.qcow2.gz?X-Amz-Security-Token=session&X-Amz-Signature=${signature}`;
    return withHostAndEmulator({}, async (fixture) => {
      const { acceptSecrets } = await fixture.host.configure(fixture.config, ["digitalocean:token"]);
      const checked = await fixture.host.check(URN, {}, await fixture.inputs({ url }));
      const deployed = await fixture.create({ url });
      const read = await fixture.host.read(deployed.id, URN, deployed.outputs, deployed.inputs);

      // pulumi/pulumi pkg/resource/plugin/provider_plugin.go: for a provider that does not accept
      // secrets, the engine unwraps them and, after Check, Create, Read and Update, marks secret
      // every returned property whose input of the same name held a secret (annotateSecrets).
      expect(acceptSecrets).toBe(false);
      const holding = (properties: Record<string, unknown>) =>
        Object.keys(properties).filter((key) => JSON.stringify(properties[key]).includes(signature));
      expect(holding(checked.inputs)).toEqual(["url"]);
      expect(holding(deployed.outputs)).toEqual(["url"]);
      expect(holding(read.properties)).toEqual(["url"]);
      // Read returns no inputs: the engine keeps the old ones, the secret url among them.
      expect(read.inputs).toBeUndefined();
    });
  });
});

describe("the API endpoint", () => {
  test.each([
    [
      "stack config digitalocean:apiEndpoint",
      (url: string) => ({ config: { "digitalocean:apiEndpoint": url } }),
      "was set by stack config digitalocean:apiEndpoint",
    ],
    [
      "DIGITALOCEAN_API_URL",
      (url: string) => ({ config: { "digitalocean:apiEndpoint": undefined }, env: { DIGITALOCEAN_API_URL: url } }),
      "was set by the environment variable DIGITALOCEAN_API_URL (stack config digitalocean:apiEndpoint is not set)",
    ],
  ])(
    "refusing connections, set by %s: Create fails after two retries, naming the import, the endpoint and that setting, never the token",
    async (_source, settings, source) => {
      const endpoint = await closedPortUrl();
      const token = canary("unreachable");
      const { config, env } = settings(endpoint) as { config: Record<string, string | undefined>; env?: Record<string, string> };
      await withHostAndEmulator({ config: { ...config, "digitalocean:token": token }, env }, async (fixture) => {
        const error = await failureOf(fixture.create());

        expect(error.initFailed).toBeUndefined();
        expect(error.message).toContain(
          `importing image "basic" from https://example.com/images/flatcar.qcow2.gz into nyc3 failed: cannot connect to ${endpoint} (ECONNREFUSED: connection refused); the API endpoint ${source}`,
        );
        expect(error.message).not.toContain("GET /v2/images");
        expect(fixture.host.logs.filter((line) => /retrying GET .* after ECONNREFUSED/.test(line))).toHaveLength(2);
        expect([error.message, ...fixture.host.logs].join("\n")).not.toContain(token);
      });
    },
  );

  /** A port nothing listens on: a request sent there would fail. */
  const NOWHERE = "http://127.0.0.1:9";

  test("digitalocean:apiEndpoint from the stack config routes requests to the emulator, over DIGITALOCEAN_API_URL", () =>
    withHostAndEmulator({ env: { DIGITALOCEAN_API_URL: NOWHERE } }, async (fixture) => {
      const deployed = await fixture.create();

      expect(deployed.outputs.status).toBe("available");
      expect(fixture.emulator.requests.map((request) => request.path)).toContain("/v2/images");
    }));

  test("DIGITALOCEAN_API_URL routes requests to the emulator when the stack config has none", () =>
    withHostAndEmulator(
      { config: { "digitalocean:apiEndpoint": undefined }, env: (emulator) => ({ DIGITALOCEAN_API_URL: emulator.url }) },
      async (fixture) => {
        const deployed = await fixture.create();

        expect(fixture.config).not.toHaveProperty("digitalocean:apiEndpoint");
        expect(deployed.outputs.status).toBe("available");
        expect(fixture.emulator.audit()).toEqual([expect.objectContaining({ id: Number(deployed.id) })]);
      },
    ));

  test("from the environment while the token comes from the stack config is used with a warning in Pulumi's log saying so", () =>
    withHostAndEmulator(
      { config: { "digitalocean:apiEndpoint": undefined }, env: (emulator) => ({ DIGITALOCEAN_API_URL: emulator.url }) },
      async (fixture) => {
        await fixture.create();

        const warnings = fixture.host.logs.filter((line) => line.includes("The DigitalOcean token comes from"));
        expect(warnings).toEqual([
          expect.stringContaining(
            `warning: [runtime] The DigitalOcean token comes from the stack config (digitalocean:token) but the API endpoint from the environment (DIGITALOCEAN_API_URL = ${fixture.emulator.url})`,
          ),
        ]);
      },
    ));

  test.each([
    ["plain http to another host", "http://api.example.com", "plain http would send the DigitalOcean token unencrypted"],
    ["not a URL", "api.digitalocean.com", "is not a URL"],
  ])("that is %s fails Create before any request, naming the setting", (_, endpoint, message) =>
    withHostAndEmulator({ config: { "digitalocean:apiEndpoint": endpoint } }, async (fixture) => {
      const error = await failureOf(fixture.create());

      expect(error.initFailed).toBeUndefined();
      expect(error.message).toContain(`digitalocean:apiEndpoint (from the stack config)`);
      expect(error.message).toContain(message);
      expect(fixture.emulator.requests).toEqual([]);
    }),
  );
});
