import { startEmulator } from "../src/emulator";
import { emulatorReport } from "../src/report";
import { manualClock } from "../../../test/helpers/manual-clock";

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
});
