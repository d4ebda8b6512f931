import { randomBytes } from "node:crypto";
import type { RequestLogEntry } from "pulumi-digitalocean-custom-image-emulator";
import { customImageUrn } from "../helpers/engine-values";
import type { Outcome } from "./engine";
import type { Expectations } from "./expectations";
import { programInputs, type Stack, withStack } from "./stack";

/**
 * Suite 3: a canary token, given through the stack config and through each environment variable
 * the provider reads, goes nowhere but the Authorization header: not into `__provider`, the stored
 * inputs and outputs, the host's log lines, any error message (plain, partial failure, API error,
 * refused token) nor anything else the emulator recorded. And a URL carrying credentials or a
 * presigned signature is never printed whole.
 */

type Mechanism = "stack config digitalocean:token (secret)" | "DIGITALOCEAN_TOKEN" | "DIGITALOCEAN_ACCESS_TOKEN";
const MECHANISMS: Mechanism[] = ["stack config digitalocean:token (secret)", "DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"];

/** Where a leaked token could end up. */
const PLACES = ["__provider", "stored inputs", "stored outputs", "host log lines", "error messages", "emulator record (all but Authorization)"] as const;
type Place = (typeof PLACES)[number];

export interface TokenRow {
  mechanism: string;
  /** Requests, all of which carried `Bearer <canary>`. */
  requests: number;
  usedInAuthorization: boolean;
  found: Record<Place, boolean>;
  errors: number;
}

export interface UrlRow {
  kind: string;
  /** What of the URL must stay unprinted. */
  secret: string;
  /** Messages and log lines that mention the URL's host, and how many leaked the secret. */
  mentions: number;
  leaks: number;
  example: string;
}

export interface SecretsResults {
  tokens: TokenRow[];
  refused: { messageHasToken: boolean; logsHaveToken: boolean; message: string };
  urls: UrlRow[];
  realSeconds: number;
}

const canary = (label: string) => `dop_v1_canary_${label}_${randomBytes(16).toString("hex")}`;

export async function secrets(checks: Expectations): Promise<SecretsResults> {
  const started = performance.now();
  const tokens = await Promise.all(MECHANISMS.map((mechanism) => tokenThrough(mechanism, checks)));
  const [refused, urls] = await Promise.all([refusedToken(checks), urlSecrets(checks)]);
  return { tokens, refused, urls, realSeconds: (performance.now() - started) / 1000 };
}

async function tokenThrough(mechanism: Mechanism, checks: Expectations): Promise<TokenRow> {
  const token = canary(mechanism.startsWith("stack") ? "config" : mechanism.toLowerCase());
  const fromConfig = mechanism.startsWith("stack");
  return withStack(
    {
      scale: 0.001,
      emulator: { tokens: [token] },
      config: { "digitalocean:token": fromConfig ? token : undefined },
      env: fromConfig ? undefined : { [mechanism]: token },
    },
    async (stack) => {
      const outcomes = await lifecycleWithErrors(stack);
      const errors = outcomes.filter((outcome): outcome is Extract<Outcome, { ok: false }> => !outcome.ok);
      const resources = [...stack.engine.resources.values()];
      const record = stack.emulator.requests.map(({ headers: { authorization: _authorization, ...headers }, ...request }) => ({ ...request, headers }));
      const texts: Record<Place, string> = {
        __provider: resources.map((resource) => String(resource.inputs.__provider)).join("\n"),
        "stored inputs": JSON.stringify(resources.map((resource) => resource.inputs)),
        "stored outputs": JSON.stringify(resources.map((resource) => resource.outputs)),
        "host log lines": stack.logs().join("\n"),
        "error messages": JSON.stringify(errors.map((error) => ({ message: error.message, error: error.error }))),
        "emulator record (all but Authorization)": JSON.stringify(record),
      };
      const found = Object.fromEntries(PLACES.map((place) => [place, texts[place].includes(token) || texts[place].includes(token.slice(-32))])) as Record<Place, boolean>;
      const usedInAuthorization = stack.emulator.requests.every((request: RequestLogEntry) => request.headers.authorization === `Bearer ${token}`);
      checks.expect(`token via ${mechanism}: every request was authorised with it`, usedInAuthorization && stack.emulator.requests.length > 0);
      checks.expect(`token via ${mechanism}: the lifecycle produced the errors it was meant to (import failed, partial failure, API error)`, errors.length >= 3, `${errors.length} errors`);
      for (const place of PLACES) checks.expect(`token via ${mechanism}: absent from ${place}`, !found[place]);
      return { mechanism, requests: stack.emulator.requests.length, usedInAuthorization, found, errors: errors.length };
    },
  );
}

/** Create, refresh, update, then the errors: an import DigitalOcean fails, a partial failure, an API error after every retry. */
async function lifecycleWithErrors(stack: Stack): Promise<Outcome[]> {
  const { engine, emulator } = stack;
  const image = (fields: Record<string, unknown> = {}) => programInputs("secret", { url: "https://images.example.com/secret.qcow2.gz", regions: ["nyc3", "ams3"], tags: ["secrets"], ...fields });
  const outcomes: Outcome[] = [];
  outcomes.push(await engine.up("secret", await image()));
  outcomes.push(await engine.refresh("secret"));
  outcomes.push(await engine.up("secret", await image({ description: "updated" })));
  outcomes.push(await engine.up("broken", await programInputs("broken", { url: "https://images.example.com/broken.zip", regions: ["nyc3"] })));
  emulator.failTransfers("sgp1");
  outcomes.push(await engine.up("secret", await image({ description: "updated", regions: ["nyc3", "ams3", "sgp1"] })));
  const id = engine.state("secret")?.id;
  const outage = emulator.inject({ kind: "status", status: 500 }, { method: "DELETE", path: `/v2/images/${id}`, count: 6 });
  outcomes.push(await engine.destroy("secret"));
  outage.cancel();
  outcomes.push(await engine.destroy("secret"));
  return outcomes;
}

/** A token DigitalOcean refuses (401): the message says so without repeating it. */
async function refusedToken(checks: Expectations): Promise<SecretsResults["refused"]> {
  const token = canary("revoked");
  return withStack({ scale: 0.001, config: { "digitalocean:token": token } }, async (stack) => {
    const outcome = await stack.engine.up("refused", await programInputs("refused", { url: "https://images.example.com/refused.qcow2.gz", regions: ["nyc3"] }));
    const message = outcome.ok ? "" : outcome.message;
    const result = { messageHasToken: message.includes(token), logsHaveToken: stack.logs().join("\n").includes(token), message };
    checks.expect("a refused token fails with DigitalOcean's 401", /401 unauthorized/.test(message), message);
    checks.expect("a refused token appears in neither the error nor the logs", !result.messageHasToken && !result.logsHaveToken);
    return result;
  });
}

/**
 * URLs whose userinfo or query carries a secret. Each is used where the provider prints the URL:
 * a check failure, an import POST that fails after every retry, an import DigitalOcean ends as
 * failed, and a successful import (its progress lines).
 */
async function urlSecrets(checks: Expectations): Promise<UrlRow[]> {
  const secret = () => `canary${randomBytes(12).toString("hex")}`;
  const kinds = [
    { kind: "userinfo (user:password@)", make: (value: string) => `https://deploy:${value}@images.example.com/userinfo.qcow2.gz` },
    { kind: "AWS SigV4 presigned (X-Amz-Signature)", make: (value: string) => `https://images.example.com/sigv4.qcow2.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260101&X-Amz-Signature=${value}` },
    { kind: "DigitalOcean Spaces / AWS SigV2 (Signature)", make: (value: string) => `https://images.example.com/sigv2.qcow2.gz?AWSAccessKeyId=DO00EXAMPLE&Expires=1900000000&Signature=${value}` },
    { kind: "Google Cloud Storage (X-Goog-Signature)", make: (value: string) => `https://images.example.com/gcs.qcow2.gz?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=${value}` },
    { kind: "Azure SAS (sig)", make: (value: string) => `https://images.example.com/azure.qcow2.gz?sv=2024-01-01&sp=r&se=2030-01-01&sig=${value}` },
  ];
  return withStack({ scale: 0.001 }, async (stack) => {
    const rows: UrlRow[] = [];
    for (const [index, { kind, make }] of kinds.entries()) {
      const value = secret();
      const url = make(value);
      const name = `url-secret-${index}`;
      const logsBefore = stack.logs().length;
      const texts: string[] = [];
      // A check failure that quotes the URL: the same URL with a space in its path.
      const withSpace = url.replace(".qcow2", " copy.qcow2");
      const { failures } = await stack.host.check(customImageUrn(name), {}, await programInputs(name, { url: withSpace, regions: ["nyc3"] }));
      texts.push(...failures.map((failure) => failure.reason));
      // An import POST that fails after every retry.
      const outage = stack.emulator.inject({ kind: "status", status: 503 }, { method: "POST", path: "/v2/images", count: 100 });
      const rejected = await stack.engine.up(name, await programInputs(name, { url, regions: ["nyc3"] }));
      outage.cancel();
      if (!rejected.ok) texts.push(rejected.message);
      // An import DigitalOcean ends as failed.
      stack.emulator.failImports(value);
      const ended = await stack.engine.up(`${name}-failed`, await programInputs(`${name}-failed`, { url, regions: ["nyc3"] }));
      if (!ended.ok) texts.push(ended.message);
      // A successful import, with its progress lines (a URL without the failure marker).
      const cleanValue = `${value.slice(0, 6)}ok${value.slice(6)}`;
      const clean = make(cleanValue);
      await stack.engine.up(`${name}-ok`, await programInputs(`${name}-ok`, { url: clean, regions: ["nyc3"], createTimeoutMinutes: 30 }));
      await stack.engine.destroy(`${name}-ok`);
      texts.push(...stack.logs().slice(logsBefore));
      const mentions = texts.filter((text) => text.includes("images.example.com"));
      const leaks = texts.filter((text) => text.includes(value) || text.includes(cleanValue));
      checks.expect(`URL with ${kind}: printed somewhere (so the check means something)`, mentions.length >= 3, `${mentions.length} mentions`);
      checks.expect(`URL with ${kind}: never printed whole in errors or logs`, leaks.length === 0, leaks.join(" | "));
      rows.push({ kind, secret: kind.startsWith("userinfo") ? "password" : "signature", mentions: mentions.length, leaks: leaks.length, example: mentions[0] ?? "" });
    }
    return rows;
  });
}
