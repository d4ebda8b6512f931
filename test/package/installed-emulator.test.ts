import { execFile, spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../tools/shared/example-package";
import { installPacked, MODULE_SETUPS, run, typecheck, userEnvironment } from "./npm-command";

/**
 * The emulator's tarball as a user's CI receives it: packed next to the provider's, both installed
 * into an empty project with `@pulumi/pulumi` and `typescript`, then its bin run and its library
 * loaded, driven and typechecked the ways a user's test does.
 */

const EMULATOR_DIR = join(REPO_ROOT, "packages", "emulator");
const root = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
const emulatorManifest = JSON.parse(readFileSync(join(EMULATOR_DIR, "package.json"), "utf8")) as { name: string; version: string };
const NAME = emulatorManifest.name;
const BIN = join("node_modules", ".bin", "digitalocean-images-emulator");

/** Starts, injects a fault, sees it answered, reads the audit and stops: the whole library API. */
const DRIVE = (load: string) => `
${load}
const emulator = await startEmulator({ timeFactor: 0.001 });
const headers = { authorization: "Bearer test-token", "content-type": "application/json" };
emulator.inject({ kind: "status", status: 503 }, { method: "POST", path: "/v2/images" });
const body = JSON.stringify({ name: "flatcar", url: "https://example.com/flatcar.img.bz2", region: "nyc3" });
const refused = await fetch(emulator.url + "/v2/images", { method: "POST", headers, body });
const created = await fetch(emulator.url + "/v2/images", { method: "POST", headers, body });
const audit = emulator.audit().map((entry) => entry.name);
await emulator.close();
console.log(refused.status, created.status, JSON.stringify(audit), emulator.violations.length);
`;

/** Compiles only if the declarations resolve and are the real ones, not `any`. */
const PROGRAM = `
import { startEmulator, type Emulator, type Fault, type AuditEntry } from "${NAME}";

const fault: Fault = { kind: "status", status: 503, headers: { "retry-after": "1" } };
// @ts-expect-error the emulator injects only error statuses
const wrong: Fault = { kind: "status", status: 200 };
export async function imports(): Promise<AuditEntry[]> {
  const emulator: Emulator = await startEmulator({ port: 0, timeFactor: 0.01, tokens: ["t", { token: "r", scopes: ["image:read"] }] });
  emulator.inject(fault, { method: "POST", count: 2 });
  const audit = emulator.audit();
  await emulator.close();
  return audit;
}
void wrong;
`;

/** Runs the bin until it prints its URL, makes one request, stops it with SIGTERM, and returns what it printed. */
async function runBin(project: string, args: string[]): Promise<{ url: string; status: number; stdout: string; code: number | null }> {
  const child = spawn(join(project, BIN), args, { cwd: project, env: userEnvironment() });
  let stdout = "";
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => (stdout += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.once("exit", () => reject(new Error(`the bin exited before listening:\n${stdout}`)));
  });
  const response = await fetch(`${url}/v2/images?private=true`, { headers: { authorization: "Bearer test-token" } });
  await response.arrayBuffer();
  const code = await new Promise<number | null>((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });
  return { url, status: response.status, stdout, code };
}

describe("the emulator's packed package installed next to the provider's into an empty project", () => {
  const project = mkdtempSync(join(tmpdir(), "custom-image-emulator-user-"));
  let installOutput: string;

  beforeAll(async () => {
    const versions = ["@pulumi/pulumi", "typescript", "@types/node"].map((name) => `${name}@${root.devDependencies[name]}`);
    installOutput = await installPacked(project, [REPO_ROOT, EMULATOR_DIR], versions);
  }, 300_000);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  test("installs without printing a warning", () => {
    expect(installOutput).not.toMatch(/warn/i);
    expect(installOutput).toMatch(/added \d+ packages/);
  });

  test("its bin prints the options with --help and the version with --version", async () => {
    const help = await run(join(project, BIN), ["--help"], project);
    expect(help.stdout).toMatch(/^digitalocean-images-emulator \d+\.\d+\.\d+: /);
    for (const flag of [
      "--port",
      "--token",
      "--time-factor",
      "--import-seconds",
      "--transfer-seconds",
      "--no-rate-limit",
      "--no-public-images",
      "--report",
      "--log",
    ])
      expect(help.stdout).toContain(flag);
    expect(await run(join(project, BIN), ["--version"], project)).toEqual({ stdout: `${emulatorManifest.version}\n`, stderr: "" });
  });

  test("its bin serves the API on the port it prints, and stops on SIGTERM with a summary", async () => {
    const { status, stdout, code } = await runBin(project, ["--time-factor", "0.01"]);
    expect(status).toBe(200);
    expect(stdout).toMatch(/DigitalOcean emulator listening on http:\/\/127\.0\.0\.1:\d+ \(token: test-token\)\n/);
    expect(stdout).toContain(
      "DigitalOcean emulator stopped: 1 request, 0 imports, 0 images left, 0 orphans, 0 duplicate imports, 0 spec violations\n",
    );
    expect(code).toBe(0);
  });

  /** The bin's exit status and what it printed on stderr, for a command line it refuses. */
  const refusal = (args: string[]) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(join(project, BIN), args, { cwd: project, env: userEnvironment() }, (error, _stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
  const HINT = "Run `digitalocean-images-emulator --help` for the options.\n";

  test("its bin refuses a bad option with status 2, naming the option", async () => {
    expect(await refusal(["--time-factor", "0"])).toEqual({
      code: 2,
      stderr: `--time-factor must be a positive number (0.01 runs 100 times faster), got "0"\n${HINT}`,
    });
  });

  test("its bin says so when its port is taken, with status 2", async () => {
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, "127.0.0.1", () => resolve((taken.address() as AddressInfo).port)));
    try {
      expect(await refusal(["--port", String(port)])).toEqual({
        code: 2,
        stderr: `--port ${port}: 127.0.0.1:${port} is already in use; choose another port, or 0 for a free one\n${HINT}`,
      });
    } finally {
      taken.close();
    }
  });

  test("loads with require, and starts, injects a fault, reads the audit and stops", async () => {
    const script = `(async () => { ${DRIVE(`const { startEmulator } = require("${NAME}");`)} })();`;
    expect(await run("node", ["-e", script], project)).toEqual({ stdout: '503 202 ["flatcar"] 0\n', stderr: "" });
  });

  test("loads with import, named exports included", async () => {
    expect(await run("node", ["--input-type=module", "-e", DRIVE(`import { startEmulator } from "${NAME}";`)], project)).toEqual({
      stdout: '503 202 ["flatcar"] 0\n',
      stderr: "",
    });
  });

  test.each(MODULE_SETUPS)("its types resolve for %s", async (_, file, compilerOptions) => {
    expect(await typecheck(project, file, PROGRAM, { types: ["node"], ...compilerOptions })).toEqual({ stdout: "", stderr: "" });
  });
});
