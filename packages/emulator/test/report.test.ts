import { emulatorReport, startEmulator, summaryLine, type Emulator, type EmulatorOptions } from "../src/emulator";
import { manualClock, type ManualClock } from "../../../test/helpers/manual-clock";

const START = "2026-01-01T00:00:00.000Z";

async function withEmulator(options: EmulatorOptions, run: (emulator: Emulator, clock: ManualClock) => Promise<void>): Promise<void> {
  const clock = manualClock(Date.parse(START));
  const emulator = await startEmulator({ clock, ...options });
  try {
    await run(emulator, clock);
  } finally {
    await emulator.close();
  }
}

async function call(emulator: Emulator, method: string, path: string, body?: unknown, token: string | null = "test-token") {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${emulator.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

async function importImage(emulator: Emulator, fields: Record<string, unknown>): Promise<number> {
  const answer = await call(emulator, "POST", "/v2/images", {
    name: "web",
    url: "https://images.example.com/web.img",
    region: "nyc3",
    ...fields,
  });
  expect(answer.status).toBe(202);
  return (answer.body!.image as { id: number }).id;
}

const MARKER = "pulumi-import:0123456789abcdef01234567";

describe("the --report file", () => {
  test("names each import's URL without its query or userinfo, where a presigned URL carries its signature", async () => {
    const emulator = await startEmulator({ clock: manualClock() });
    try {
      const url =
        "https://user:secret-password@bucket.example.com/web.img?X-Amz-Signature=secret-signature&X-Amz-Security-Token=secret-session";
      for (let copy = 0; copy < 2; copy++) {
        const response = await fetch(`${emulator.url}/v2/images`, {
          method: "POST",
          headers: { authorization: "Bearer test-token", "content-type": "application/json" },
          body: JSON.stringify({ name: "web", url, region: "nyc3" }),
        });
        expect(response.status).toBe(202);
      }
      const report = emulatorReport(emulator);
      expect(report.requests).toBe(2);
      expect(report.audit.map((entry) => entry.url)).toEqual(["https://bucket.example.com/web.img", "https://bucket.example.com/web.img"]);
      expect(report.duplicates.map((entry) => entry.url)).toEqual(["https://bucket.example.com/web.img"]);
      expect(JSON.stringify(report)).not.toContain("secret");
      // The emulator itself keeps the URL as sent: tests assert on it.
      expect(emulator.audit()[0]!.url).toBe(url);
    } finally {
      await emulator.close();
    }
  });

  test("quotes no signature from a failed import's error_message, even when the emulator is told to quote the url whole", () =>
    withEmulator({ errorMessageUrl: "full", importDurationMs: 1_000 }, async (emulator, clock) => {
      await importImage(emulator, { url: "https://bucket.example.com/web.zip?X-Amz-Signature=secret-signature" });
      emulator.failImports("web.zip");
      await importImage(emulator, { name: "other", url: "https://bucket.example.com/web.zip?X-Amz-Signature=secret-signature" });
      clock.advance(1_000);

      expect(emulator.audit()[1]!.errorMessage).toContain("secret-signature");
      const report = emulatorReport(emulator);
      expect(report.audit[1]!.errorMessage).toContain("https://bucket.example.com/web.zip");
      expect(JSON.stringify(report)).not.toContain("secret-signature");
    }));

  test("gives times as ISO strings in the emulator's simulated time", () =>
    withEmulator({ importDurationMs: 1_000 }, async (emulator, clock) => {
      const id = await importImage(emulator, {});
      clock.advance(60_000);
      expect((await call(emulator, "DELETE", `/v2/images/${id}`)).status).toBe(204);

      const [entry] = emulatorReport(emulator).audit;
      expect(entry).toMatchObject({ createdAt: START, deletedAt: "2026-01-01T00:01:00.000Z", status: "deleted", fate: "deleted" });
    }));
});

describe("the summary a CI job gates on", () => {
  test("counts an import repeated while the first still carried the resource's import marker as a duplicate, and the marked image as an orphan", () =>
    withEmulator({}, async (emulator) => {
      const first = await importImage(emulator, { tags: ["web", MARKER] });
      const second = await importImage(emulator, { tags: ["web", MARKER] });

      const report = emulatorReport(emulator);
      expect(report.duplicates).toEqual([{ id: second, duplicateOf: first, name: "web", url: "https://images.example.com/web.img" }]);
      expect(report.orphans.map((entry) => entry.id)).toEqual([first, second]);
      expect(report.summary).toMatchObject({ imports: 2, imagesLeft: 2, orphans: 2, duplicateImports: 1 });
    }));

  test("does not count a replacement (its original's marker was removed when Pulumi recorded it) nor another stack's import of the same name and URL", () =>
    withEmulator({}, async (emulator) => {
      await importImage(emulator, { tags: [MARKER] });
      // The provider removes the marker before it hands the image to Pulumi.
      expect((await call(emulator, "DELETE", `/v2/tags/${MARKER}`)).status).toBe(204);
      await importImage(emulator, { tags: [MARKER] });
      expect((await call(emulator, "DELETE", `/v2/tags/${MARKER}`)).status).toBe(204);
      await importImage(emulator, { tags: ["pulumi-import:ffffffffffffffffffffffff"] });

      expect(emulator.duplicates()).toHaveLength(2);
      const { summary, duplicates } = emulatorReport(emulator);
      expect(duplicates).toEqual([]);
      expect(summary).toMatchObject({ imports: 3, imagesLeft: 3, orphans: 1, duplicateImports: 0 });
    }));

  test("counts the program's spec violations, not those of a request without a token to a route DigitalOcean does not have", () =>
    withEmulator({}, async (emulator) => {
      expect((await call(emulator, "GET", "/", undefined, null)).status).toBe(404);
      expect((await call(emulator, "GET", "/v2/images?per_page=500")).status).toBe(400);
      expect((await call(emulator, "GET", "/v2/droplets")).status).toBe(404);

      const report = emulatorReport(emulator);
      expect(report.violations.map((violation) => violation.path)).toEqual(["/v2/images", "/v2/droplets"]);
      expect(report.violationsWithoutToken).toEqual([expect.objectContaining({ method: "GET", path: "/", withoutToken: true })]);
      expect(report.summary).toMatchObject({ requests: 3, specViolations: 2, violationsWithoutToken: 1 });
      expect(summaryLine(report.summary)).toBe(
        "3 requests, 0 imports, 0 images left, 0 orphans, 0 duplicate imports, 2 spec violations (and 1 request without a token to a route DigitalOcean does not have)",
      );
    }));

  test("reads in the singular for one of each", () => {
    expect(
      summaryLine({
        requests: 1,
        imports: 1,
        imagesLeft: 1,
        orphans: 1,
        duplicateImports: 1,
        specViolations: 1,
        violationsWithoutToken: 0,
      }),
    ).toBe("1 request, 1 import, 1 image left, 1 orphan, 1 duplicate import, 1 spec violation");
  });
});
