import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough, Transform } from "node:stream";

/**
 * What the fault proxy does to one request: pass it on, pass it on with the first byte of its body
 * flipped, reset the connection after 1 MiB of its body, never answer it, or answer it itself.
 */
export type Verdict = "pass" | "corrupt" | "reset" | "hold" | { status: number; body: string };

export interface FaultProxy {
  url: string;
  /** One line per request, `<verdict or status> <method> <url>`, in the order they arrived. */
  seen: string[];
  /** One line per request passed on, `<status> <method> <url>`, once the server has answered it. */
  answered: string[];
  /** Closes the proxy and every connection still open (a held request's included). */
  close(): Promise<void>;
}

const RESET_AFTER_BYTES = 1 << 20;

/** An UploadPart request. */
export const isPart = (request: IncomingMessage) => request.method === "PUT" && /[?&]partNumber=/.test(request.url ?? "");
/** A CompleteMultipartUpload request. */
export const isComplete = (request: IncomingMessage) => request.method === "POST" && /[?&]uploadId=/.test(request.url ?? "");

/** S3's answer when it asks a client to slow down, as Spaces sends it too. */
export const SLOW_DOWN = { status: 503, body: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>" };

/**
 * A forwarding proxy in front of the S3-compatible server (tools/s3-server/), which answers every
 * request itself (the Host header is passed on as signed), except those `decide` picks for a fault.
 */
export async function startFaultProxy(target: string, decide: (request: IncomingMessage) => Verdict): Promise<FaultProxy> {
  const seen: string[] = [];
  const answered: string[] = [];
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const verdict = decide(request);
    seen.push(`${typeof verdict === "string" ? verdict : verdict.status} ${request.method} ${request.url}`);
    if (verdict === "reset") {
      let received = 0;
      request.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received > RESET_AFTER_BYTES) request.socket.destroy();
      });
      return;
    }
    if (verdict === "hold") {
      request.resume();
      return;
    }
    if (typeof verdict !== "string") {
      request.resume();
      request.on("end", () => response.writeHead(verdict.status, { "content-type": "application/xml" }).end(verdict.body));
      return;
    }
    const upstream = httpRequest(`${target}${request.url}`, { method: request.method, headers: request.headers }, (answer) => {
      answered.push(`${answer.statusCode} ${request.method} ${request.url}`);
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on("error", () => response.destroy());
    request.pipe(verdict === "corrupt" ? flipFirstByte() : new PassThrough()).pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    answered,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The body with its first byte changed, its length kept: what a fault on the way would do. */
function flipFirstByte(): Transform {
  let first = true;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (first && chunk.length > 0) {
        first = false;
        const copy = Buffer.from(chunk);
        copy[0] = copy[0]! ^ 0xff;
        return callback(null, copy);
      }
      callback(null, chunk);
    },
  });
}
