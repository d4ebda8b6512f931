import { startEmulator, type Emulator, type EmulatorOptions, type RequestLogEntry } from "../src/emulator";
import { requestLogLine } from "../src/request-log";
import { manualClock } from "../../../test/helpers/manual-clock";

async function withEmulator(options: EmulatorOptions, run: (emulator: Emulator) => Promise<void>): Promise<void> {
  const emulator = await startEmulator({ clock: manualClock(Date.parse("2026-01-01T00:00:00Z")), ...options });
  try {
    await run(emulator);
  } finally {
    await emulator.close();
  }
}

const SIGNED = "https://bucket.example.com/web.img?X-Amz-Signature=secret-signature";

async function importSigned(emulator: Emulator): Promise<void> {
  const response = await fetch(`${emulator.url}/v2/images`, {
    method: "POST",
    headers: { authorization: "Bearer test-token", "content-type": "application/json" },
    body: JSON.stringify({ name: "web", url: SIGNED, region: "nyc3" }),
  });
  expect(response.status).toBe(202);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON bodies
async function view(emulator: Emulator, name: string, method = "GET"): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${emulator.url}/_emulator/${name}`, { method });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

describe("the inspection endpoint, which a test queries while the program runs", () => {
  test("answers images, actions, requests, violations and the report as JSON, without token, header, body or query secret", () =>
    withEmulator({}, async (emulator) => {
      await importSigned(emulator);
      const { images, actions, requests, violations, report } = Object.fromEntries(
        await Promise.all(
          ["images", "actions", "requests", "violations", "report"].map(async (name) => [name, await view(emulator, name)] as const),
        ),
      );

      expect(images!.body).toEqual([
        expect.objectContaining({ name: "web", url: "https://bucket.example.com/web.img", createdAt: "2026-01-01T00:00:00.000Z" }),
      ]);
      expect(actions!.body).toEqual([]);
      expect(requests!.body).toEqual([
        {
          method: "POST",
          path: "/v2/images",
          query: {},
          status: 202,
          operationId: "images_create_custom",
          requestId: expect.any(String),
          at: "2026-01-01T00:00:00.000Z",
        },
      ]);
      expect(violations!.body).toEqual({ violations: [], violationsWithoutToken: [] });
      expect(report!.body.summary).toMatchObject({ requests: 1, imports: 1, orphans: 0 });
      const everything = JSON.stringify([images, actions, requests, violations, report].map((answer) => answer!.body));
      expect(everything).not.toMatch(/secret|test-token/);
    }));

  test("is neither counted, logged nor validated: the run's requests stay the program's", () => {
    const logged: RequestLogEntry[] = [];
    return withEmulator({ onRequest: (entry) => logged.push(entry) }, async (emulator) => {
      await importSigned(emulator);
      expect((await view(emulator, "requests")).status).toBe(200);

      expect(emulator.requests.map((request) => request.path)).toEqual(["/v2/images"]);
      expect(emulator.violations).toEqual([]);
      await new Promise((resolve) => setImmediate(resolve));
      expect(logged.map((entry) => entry.path)).toEqual(["/v2/images"]);
    });
  });

  test("is read-only, and names its views for a path it does not have", () =>
    withEmulator({}, async (emulator) => {
      const post = await view(emulator, "report", "POST");
      expect(post.status).toBe(405);
      expect(post.headers.get("allow")).toBe("GET, HEAD");
      const unknown = await view(emulator, "state");
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toBe(
        "No such view; the views are /_emulator/report, /_emulator/images, /_emulator/actions, /_emulator/requests, /_emulator/violations.",
      );
    }));
});

describe("the request log", () => {
  test("calls onRequest once per request as it ends, with its status", () => {
    const logged: { status: number | null; realMs: number }[] = [];
    return withEmulator({ onRequest: (entry, realMs) => logged.push({ status: entry.status, realMs }) }, async (emulator) => {
      await importSigned(emulator);
      await fetch(`${emulator.url}/v2/images`);
      await new Promise((resolve) => setImmediate(resolve));
      expect(logged.map((entry) => entry.status)).toEqual([202, 401]);
      expect(logged.every((entry) => entry.realMs >= 0)).toBe(true);
    });
  });

  test("writes time, method, path, status, real ms and request id, with the values of parameters the API does not take redacted", () => {
    const entry: RequestLogEntry = {
      method: "GET",
      path: "/v2/images",
      query: { page: "2", private: "true", tag_name: "prod", signature: "secret", list: ["a", "b"] },
      headers: { authorization: "Bearer secret-token" },
      body: { url: "https://bucket.example.com/web.img?X-Amz-Signature=secret" },
      status: 200,
      requestId: "req-1",
      at: 0,
    };
    expect(requestLogLine(entry, "2026-01-01T00:00:00.000Z", 3.4)).toBe(
      "2026-01-01T00:00:00.000Z GET /v2/images?page=2&private=true&tag_name=prod&signature=REDACTED&list=REDACTED&list=REDACTED 200 3ms req-1",
    );
    expect(requestLogLine({ ...entry, query: {}, status: null, fault: "hang" }, "t", 0)).toBe("t GET /v2/images - 0ms req-1 fault=hang");
  });
});
