import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { type IncomingMessage, type ServerResponse, createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { MAX_REQUEST_BODY_BYTES, type RequestLogEntry, startEmulator } from "pulumi-digitalocean-custom-image-emulator";
import { customImageUrn } from "../provider-host/engine-values";
import type { Outcome } from "./engine";
import type { Expectations } from "./expectations";
import { programInputs, type Stack, withStack } from "./stack";

/**
 * Suite 3: a canary token, given through the stack config and through each environment variable
 * the provider reads, goes nowhere but the Authorization header: not into `__provider`, the stored
 * inputs and outputs, the host's log lines, any error message (plain, partial failure, API error,
 * refused token) nor anything else the emulator recorded. And a URL carrying credentials or a
 * presigned signature is never printed whole. And hostile answers (an endpoint that answers
 * without end, echoes the token or redirects; a client that sends the emulator a body without end)
 * are survived: refused with a clear error, nothing read past the cap, the token not repeated.
 */

type Mechanism = "stack config digitalocean:token (secret)" | "DIGITALOCEAN_TOKEN" | "DIGITALOCEAN_ACCESS_TOKEN";
const MECHANISMS: Mechanism[] = ["stack config digitalocean:token (secret)", "DIGITALOCEAN_TOKEN", "DIGITALOCEAN_ACCESS_TOKEN"];

/** Where a leaked token could end up. */
const PLACES = [
  "__provider",
  "stored inputs",
  "stored outputs",
  "host log lines",
  "error messages",
  "emulator record (all but Authorization)",
] as const;
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

/** One hostile answer and what became of it. */
export interface HostileRow {
  answer: string;
  /** The error the engine shows (or what the emulator answered). */
  result: string;
  /** Requests the hostile side received. */
  requests: number;
  /** MiB the hostile side managed to send (or the emulator to receive) before the other side hung up. */
  transferredMiB: number;
  /** The provider host's peak resident memory (VmHWM), MiB; undefined for the emulator's row. */
  hostPeakMiB?: number;
  /** The provider host (or the emulator) still answered afterwards. */
  survived: boolean;
  ok: boolean;
}

export interface SecretsResults {
  tokens: TokenRow[];
  refused: { messageHasToken: boolean; logsHaveToken: boolean; message: string };
  urls: UrlRow[];
  hostile: HostileRow[];
  realSeconds: number;
}

const canary = (label: string) => `dop_v1_canary_${label}_${randomBytes(16).toString("hex")}`;

export async function secrets(checks: Expectations): Promise<SecretsResults> {
  const started = performance.now();
  const tokens = await Promise.all(MECHANISMS.map((mechanism) => tokenThrough(mechanism, checks)));
  const [refused, urls] = await Promise.all([refusedToken(checks), urlSecrets(checks)]);
  // One at a time: each makes a process read (or refuse) hundreds of MiB.
  const hostile = [...(await hostileAnswers(checks)), await hostileClient(checks)];
  return { tokens, refused, urls, hostile, realSeconds: (performance.now() - started) / 1000 };
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
      const record = stack.emulator.requests.map(({ headers: { authorization: _authorization, ...headers }, ...request }) => ({
        ...request,
        headers,
      }));
      const texts: Record<Place, string> = {
        __provider: resources.map((resource) => String(resource.inputs.__provider)).join("\n"),
        "stored inputs": JSON.stringify(resources.map((resource) => resource.inputs)),
        "stored outputs": JSON.stringify(resources.map((resource) => resource.outputs)),
        "host log lines": stack.logs().join("\n"),
        "error messages": JSON.stringify(errors.map((error) => ({ message: error.message, error: error.error }))),
        "emulator record (all but Authorization)": JSON.stringify(record),
      };
      const found = Object.fromEntries(
        PLACES.map((place) => [place, texts[place].includes(token) || texts[place].includes(token.slice(-32))]),
      ) as Record<Place, boolean>;
      const usedInAuthorization = stack.emulator.requests.every(
        (request: RequestLogEntry) => request.headers.authorization === `Bearer ${token}`,
      );
      checks.expect(
        `token via ${mechanism}: every request was authorised with it`,
        usedInAuthorization && stack.emulator.requests.length > 0,
      );
      checks.expect(
        `token via ${mechanism}: the lifecycle produced the errors it was meant to (import failed, partial failure, API error)`,
        errors.length >= 3,
        `${errors.length} errors`,
      );
      for (const place of PLACES) checks.expect(`token via ${mechanism}: absent from ${place}`, !found[place]);
      return { mechanism, requests: stack.emulator.requests.length, usedInAuthorization, found, errors: errors.length };
    },
  );
}

/** Create, refresh, update, then the errors: an import DigitalOcean fails, a partial failure, an API error after every retry. */
async function lifecycleWithErrors(stack: Stack): Promise<Outcome[]> {
  const { engine, emulator } = stack;
  const image = (fields: Record<string, unknown> = {}) =>
    programInputs("secret", { url: "https://images.example.com/secret.qcow2.gz", regions: ["nyc3", "ams3"], tags: ["secrets"], ...fields });
  const outcomes: Outcome[] = [];
  outcomes.push(await engine.up("secret", await image()));
  outcomes.push(await engine.refresh("secret"));
  outcomes.push(await engine.up("secret", await image({ description: "updated" })));
  outcomes.push(
    await engine.up("broken", await programInputs("broken", { url: "https://images.example.com/broken.zip", regions: ["nyc3"] })),
  );
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
    const outcome = await stack.engine.up(
      "refused",
      await programInputs("refused", { url: "https://images.example.com/refused.qcow2.gz", regions: ["nyc3"] }),
    );
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
    {
      kind: "AWS SigV4 presigned (X-Amz-Signature)",
      make: (value: string) =>
        `https://images.example.com/sigv4.qcow2.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20260101&X-Amz-Signature=${value}`,
    },
    {
      kind: "DigitalOcean Spaces / AWS SigV2 (Signature)",
      make: (value: string) => `https://images.example.com/sigv2.qcow2.gz?AWSAccessKeyId=DO00EXAMPLE&Expires=1900000000&Signature=${value}`,
    },
    {
      kind: "Google Cloud Storage (X-Goog-Signature)",
      make: (value: string) => `https://images.example.com/gcs.qcow2.gz?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=${value}`,
    },
    {
      kind: "Azure SAS (sig)",
      make: (value: string) => `https://images.example.com/azure.qcow2.gz?sv=2024-01-01&sp=r&se=2030-01-01&sig=${value}`,
    },
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
      const { failures } = await stack.host.check(
        customImageUrn(name),
        {},
        await programInputs(name, { url: withSpace, regions: ["nyc3"] }),
      );
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
      checks.expect(
        `URL with ${kind}: printed somewhere (so the check means something)`,
        mentions.length >= 3,
        `${mentions.length} mentions`,
      );
      checks.expect(`URL with ${kind}: never printed whole in errors or logs`, leaks.length === 0, leaks.join(" | "));
      rows.push({
        kind,
        secret: kind.startsWith("userinfo") ? "password" : "signature",
        mentions: mentions.length,
        leaks: leaks.length,
        example: mentions[0] ?? "",
      });
    }
    return rows;
  });
}

const MiB = 1024 * 1024;

interface HostileAnswer {
  answer: string;
  /** Answers every request the provider sends; returns the bytes it wrote. */
  respond(request: IncomingMessage, response: ServerResponse, token: string, elsewhere: string): Promise<number>;
  /** What the error the engine shows must say. */
  expected: RegExp;
}

/** Writes `status` and a JSON error body whose message is `totalMiB` MiB long, until done or the client hangs up. */
async function endless(response: ServerResponse, status: number, totalMiB: number): Promise<number> {
  response.writeHead(status, { "content-type": "application/json" });
  let written = 0;
  const chunk = Buffer.alloc(MiB, "x");
  response.write('{"id": "server_error", "message": "');
  while (!response.destroyed && written < totalMiB * MiB) {
    written += chunk.length;
    if (!response.write(chunk)) await new Promise((resolve) => (response.once("drain", resolve), response.once("close", resolve)));
  }
  if (!response.destroyed) response.end('"}');
  return written;
}

const HOSTILE_ANSWERS: HostileAnswer[] = [
  {
    answer: "a 200 of 300 MiB",
    respond: (_, response) => endless(response, 200, 300),
    expected: /larger than 4 MiB and was not read further/,
  },
  {
    answer: "a 500 whose message is 120 MiB",
    respond: (_, response) => endless(response, 500, 120),
    expected: /larger than 4 MiB and was not read further/,
  },
  {
    answer: "a 401 whose message, status text and request id echo the token",
    respond: async (_, response, token) => {
      const body = JSON.stringify({ id: "unauthorized", message: `Token Bearer ${token} is not valid`, request_id: token });
      response.writeHead(401, `Unauthorized ${token}`, { "content-type": "application/json", "x-request-id": token }).end(body);
      return body.length;
    },
    expected: /401 unauthorized: Token Bearer \[token\] is not valid/,
  },
  {
    answer: "a 307 redirect to another origin",
    respond: async (_, response, _token, elsewhere) => {
      response.writeHead(307, { location: `${elsewhere}/v2/images` }).end();
      return 0;
    },
    expected: /answered with a redirect to http:\/\/127\.0\.0\.1:\d+, which was not followed/,
  },
];

/** The peak resident memory of a process, MiB (Linux); undefined elsewhere. */
function peakRssMiB(pid: number): number | undefined {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib === undefined ? undefined : Math.round(Number(kib) / 1024);
  } catch {
    return undefined;
  }
}

/** A node:http server on 127.0.0.1, port 0, answering with `handler`, closed after `body`. */
async function withHttpServer<T>(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  body: (url: string) => Promise<T>,
): Promise<T> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    return await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * The provider's API endpoint answers every request with the hostile answer: an `up` of one image
 * must fail with a clear error that does not repeat the token, read no more than the cap, send
 * nothing to where a redirect points, and leave the host alive and small.
 */
async function hostileAnswers(checks: Expectations): Promise<HostileRow[]> {
  const rows: HostileRow[] = [];
  for (const [index, hostile] of HOSTILE_ANSWERS.entries()) {
    const token = canary(`hostile${index}`);
    let requests = 0;
    let transferred = 0;
    let redirected = 0;
    const row = await withHttpServer(
      (_, response) => void (redirected++, response.writeHead(201).end("{}")),
      (elsewhere) =>
        withHttpServer(
          (request, response) => {
            requests++;
            request.resume();
            void hostile.respond(request, response, token, elsewhere).then((bytes) => (transferred += bytes));
          },
          (endpoint) =>
            withStack({ scale: 0.001, config: { "digitalocean:token": token, "digitalocean:apiEndpoint": endpoint } }, async (stack) => {
              const name = `hostile-${index}`;
              const outcome = await stack.engine.up(
                name,
                await programInputs(name, { url: `https://images.example.com/${name}.qcow2.gz`, regions: ["nyc3"] }),
              );
              const result = outcome.ok ? "accepted" : outcome.message;
              const hostPeakMiB = peakRssMiB(stack.host.pid);
              const survived = await stack.host
                .check(
                  customImageUrn(`${name}-after`),
                  {},
                  await programInputs(`${name}-after`, { url: "https://images.example.com/after.qcow2.gz", regions: ["nyc3"] }),
                )
                .then(
                  (answer) => answer.failures.length === 0,
                  () => false,
                );
              const leaked = [result, ...stack.logs()].some((text) => text.includes(token));
              const transferredMiB = Math.round(transferred / MiB);
              const ok = [
                checks.expect(
                  `hostile answer "${hostile.answer}": the up fails with a clear error`,
                  !outcome.ok && hostile.expected.test(result),
                  result,
                ),
                checks.expect(`hostile answer "${hostile.answer}": the token appears in neither the error nor the logs`, !leaked),
                checks.expect(`hostile answer "${hostile.answer}": the provider host still answers afterwards`, survived),
                checks.expect(
                  `hostile answer "${hostile.answer}": at most ${64 + 4} MiB were sent before the provider hung up`,
                  transferredMiB <= 68,
                  `${transferredMiB} MiB`,
                ),
                checks.expect(
                  `hostile answer "${hostile.answer}": the host's peak memory stays under 400 MiB`,
                  hostPeakMiB === undefined || hostPeakMiB < 400,
                  `${hostPeakMiB} MiB`,
                ),
                checks.expect(
                  `hostile answer "${hostile.answer}": nothing was sent where a redirect pointed`,
                  redirected === 0,
                  `${redirected} requests`,
                ),
              ].every(Boolean);
              return { answer: hostile.answer, result, requests, transferredMiB, hostPeakMiB, survived, ok };
            }),
        ),
    );
    rows.push(row);
  }
  return rows;
}

/**
 * A client that tells the emulator its body is 560 MB (and sends the first MiB of it): answered 413
 * at once, nothing of it kept, and the emulator serves the next request.
 */
async function hostileClient(checks: Expectations): Promise<HostileRow> {
  const emulator = await startEmulator({});
  try {
    const declared = 560 * 1000 * 1000;
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        `${emulator.url}/v2/images`,
        { method: "POST", headers: { "content-type": "application/json", "content-length": String(declared) } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
          request.destroy();
        },
      );
      request.on("error", (error: NodeJS.ErrnoException) =>
        error.code === "ECONNRESET" || error.code === "EPIPE" ? undefined : reject(error),
      );
      request.write(Buffer.alloc(MiB, "x"));
    });
    const next = await fetch(`${emulator.url}/v2/images?per_page=1`, { headers: { authorization: "Bearer test-token" } });
    await next.arrayBuffer();
    const kept = emulator.requests.find((entry) => entry.status === 413)?.body;
    const result = `${status}; the next request: ${next.status}`;
    const ok = [
      checks.expect(
        `the emulator answers 413 to a body announced as ${declared / 1e6} MB (limit ${MAX_REQUEST_BODY_BYTES / MiB} MiB) without reading it`,
        status === 413,
        String(status),
      ),
      checks.expect(
        "the emulator keeps nothing of a refused body and serves the next request",
        kept === undefined && next.status === 200,
        result,
      ),
    ].every(Boolean);
    return {
      answer: `a client POSTing a body announced as ${declared / 1e6} MB to the emulator`,
      result,
      requests: emulator.requests.length,
      transferredMiB: 1,
      survived: next.status === 200,
      ok,
    };
  } finally {
    await emulator.close();
  }
}
