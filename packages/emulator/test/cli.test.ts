import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

const REPO_ROOT = join(__dirname, "..", "..", "..");
const CLI = join(__dirname, "..", "src", "cli.ts");

/** The command from its sources (as `npm run emulator` runs it), its stdout lines, and the url it printed. */
async function startCli(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string; next: () => Promise<string> }> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  // tsx's loader in this process rather than the tsx command, which would not pass SIGUSR2 on.
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { env, cwd: REPO_ROOT });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  const next = () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise<string>((resolve) => waiting.push(resolve)));
  const first = await next();
  const url = /listening on (\S+)/.exec(first)?.[1];
  if (!url) throw new Error(`the emulator printed ${first}`);
  return { child, url, next };
}

describe("the command in a CI job", () => {
  test("logs each request while it runs, writes the report on SIGUSR2 and when stopped, and prints the counts to gate on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "emulator-cli-"));
    const log = join(dir, "requests.log");
    const report = join(dir, "report.json");
    const { child, url, next } = await startCli(["--log", log, "--report", report, "--no-public-images"]);
    try {
      const signed = "https://bucket.example.com/web.img?X-Amz-Signature=secret-signature";
      const answer = await fetch(`${url}/v2/images`, {
        method: "POST",
        headers: { authorization: "Bearer test-token", "content-type": "application/json" },
        body: JSON.stringify({ name: "web", url: signed, region: "nyc3" }),
      });
      expect(answer.status).toBe(202);
      expect((await fetch(`${url}/v2/images?private=true&page=1`, { headers: { authorization: "Bearer test-token" } })).status).toBe(200);
      expect((await fetch(`${url}/`)).status).toBe(404);

      child.kill("SIGUSR2");
      expect(await next()).toBe(
        "DigitalOcean emulator report written: 3 requests, 1 import, 1 image left, 0 orphans, 0 duplicate imports, 0 spec violations (and 1 request without a token to a route DigitalOcean does not have)",
      );
      const midRun = JSON.parse(readFileSync(report, "utf8")) as { summary: Record<string, number> };
      expect(midRun.summary).toMatchObject({ requests: 3, imports: 1, specViolations: 0 });

      child.kill("SIGTERM");
      const exited = once(child, "exit");
      expect(await next()).toMatch(/^DigitalOcean emulator stopped: 3 requests, 1 import, 1 image left, 0 orphans, /);
      expect(await exited).toEqual([0, null]);
      const lines = readFileSync(log, "utf8").trim().split("\n");
      expect(lines).toEqual([
        expect.stringMatching(/^\d{4}-\d\d-\d\dT\S+Z POST \/v2\/images 202 \d+ms [0-9a-f-]{36}$/),
        expect.stringMatching(/ GET \/v2\/images\?private=true&page=1 200 \d+ms /),
        expect.stringMatching(/ GET \/ 404 \d+ms /),
      ]);
      expect(readFileSync(log, "utf8") + readFileSync(report, "utf8")).not.toMatch(/secret|test-token/);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await once(child, "exit");
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
