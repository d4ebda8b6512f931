import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { load } from "js-yaml";
import { parseCli } from "../../packages/emulator/src/cli-options";
import { resolveCredentials } from "../../src/client/credentials";
import { exampleConfig, exampleDir, REPO_ROOT } from "../../tools/shared/example-package";
import { userEnvironment } from "../package/npm-command";
import { runProgram } from "../../tools/runner/program-runner";

/**
 * The workflow of the README's "Quick start with the emulator", read from the README itself:
 * its steps checked, then its start and stop steps run as written around a program.
 */

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { permissions: Record<string, string>; env?: Record<string, string>; steps: Step[] }>;
}

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const section = readme.slice(readme.indexOf("## Quick start with the emulator"));
const text = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
const workflow = load(text) as Workflow;
const [job] = Object.values(workflow.jobs);
const steps = job!.steps;
const stepIndex = (predicate: (step: Step) => boolean) => steps.findIndex(predicate);
const runIncluding = (command: string) => stepIndex((step) => step.run?.includes(command) ?? false);
const start = steps[runIncluding("digitalocean-images-emulator")]!;
const pulumi = steps[runIncluding("pulumi up")]!;
const stop = steps[runIncluding("kill ")]!;

/** The bin's arguments as the start step gives them. */
const binArgs = /digitalocean-images-emulator((?: --?[a-z-]+(?: [^-\s>][^\s>]*)?)*)/
  .exec(start.run!)![1]!
  .trim()
  .split(/\s+/)
  .map((arg) => arg.replace(/^"|"$/g, ""));

/** `pulumi config set [--secret] key value` lines of the pulumi step, as a stack's config. */
function stackConfig(script: string): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const match of script.matchAll(/^\s*pulumi config set( --secret)? (\S+) (\S+)\s*$/gm)) {
    config[match[2]!] = match[3]!;
    if (match[1]) secretKeys.push(match[2]!);
  }
  return { config, secretKeys };
}

describe("the README's workflow that runs a stack against the emulator", () => {
  test("runs on pull requests, grants only read access to the repository, and needs no secret", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(workflow.permissions).toEqual({});
    expect(job!.permissions).toEqual({ contents: "read" });
    expect(text).not.toMatch(/secrets\./);
    expect(job!.env).toEqual({ PULUMI_CONFIG_PASSPHRASE: "emulator" });
  });

  test("pins its actions by the same commits as the preview-and-up workflow, and checks out without keeping the token", () => {
    const uses = steps.flatMap((step) => (step.uses ? [step.uses] : []));
    const other = readFileSync(join(REPO_ROOT, "docs", "github-actions-pulumi.yml"), "utf8");
    expect(uses.map((action) => action.split("@")[0])).toEqual(["actions/checkout", "actions/setup-node", "pulumi/actions"]);
    for (const action of uses) {
      expect(action).toMatch(/^[a-z-]+\/[a-z-]+@[0-9a-f]{40}$/);
      expect(other).toContain(`${action} # v`);
    }
    expect(steps.find((step) => step.uses?.startsWith("actions/checkout@"))!.with).toEqual({ "persist-credentials": false });
  });

  test("installs, starts the emulator, installs the CLI only, previews and ups, then stops the emulator even after a failure", () => {
    const installCli = stepIndex((step) => step.uses?.startsWith("pulumi/actions@") ?? false);
    expect(steps[installCli]!.with).toBeUndefined();
    expect([
      stepIndex((step) => step.run?.trim() === "npm ci"),
      runIncluding("digitalocean-images-emulator"),
      installCli,
      runIncluding("pulumi up"),
      runIncluding("kill "),
    ]).toEqual([2, 3, 4, 5, 6]);
    expect(stop.if).toBe("always()");
    const commands = pulumi
      .run!.split("\n")
      .map((line) => line.trim())
      .filter((line) => line.startsWith("pulumi ") && !line.startsWith("pulumi config"));
    expect(commands).toEqual([
      expect.stringMatching(/^pulumi login "file:\/\//),
      "pulumi stack init emulator",
      "pulumi preview",
      "pulumi up --yes",
      "pulumi preview --expect-no-changes",
    ]);
  });

  test("starts the bin with the README's options, which it accepts", () => {
    expect(start.run).toContain("\nnode_modules/.bin/digitalocean-images-emulator --port 8080 --time-factor 0.01 ");
    expect(parseCli(binArgs)).toMatchObject({
      kind: "run",
      options: { port: 8080, timeFactor: 0.01, tokens: ["test-token"] },
      reportFile: "$RUNNER_TEMP/emulator-report.json",
    });
  });

  test("points digitalocean:apiEndpoint at the emulator's port, with a token it accepts, which the provider takes over plain http without allowInsecureEndpoint", () => {
    const { config, secretKeys } = stackConfig(pulumi.run!);
    const bin = parseCli(binArgs);
    if (bin.kind !== "run") throw new Error("the start step does not run the emulator");
    expect(config).toEqual({
      "digitalocean:apiEndpoint": `http://127.0.0.1:${bin.options.port}`,
      "digitalocean:token": bin.options.tokens[0],
    });
    expect(secretKeys).toEqual(["digitalocean:token"]);
    expect(resolveCredentials(config, {})).toEqual({
      token: "test-token",
      tokenSource: "stack config digitalocean:token",
      apiEndpoint: "http://127.0.0.1:8080",
      apiEndpointSource: expect.anything(),
      allowInsecureEndpoint: false,
      warnings: [],
    });
  });

  describe("run as written around examples/basic", () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), "emulator-workflow-"));
    const env = { ...userEnvironment(), RUNNER_TEMP: runnerTemp };
    let port: number;
    const onPort = (script: string) => script.replaceAll("8080", String(port));
    const bash = (script: string) =>
      promisify(execFile)("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", onPort(script)], { cwd: REPO_ROOT, env });

    beforeAll(async () => {
      if (!existsSync(join(REPO_ROOT, "packages", "emulator", "dist", "cli.js")))
        throw new Error("the emulator's bin is not built: run `npm run build:emulator`");
      port = await new Promise<number>((resolve) => {
        const probe = createServer().listen(0, "127.0.0.1", () => {
          const { port: free } = probe.address() as { port: number };
          probe.close(() => resolve(free));
        });
      });
    });

    afterAll(() => {
      const pidFile = join(runnerTemp, "emulator.pid");
      // Only when a test failed before the stop step ran.
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, "utf8")), "SIGKILL");
        } catch {
          // already gone
        }
      }
      rmSync(runnerTemp, { recursive: true, force: true });
    });

    test("previews a create, ups, previews no change, and the stop step reports one import, no duplicate and no spec violation", async () => {
      await bash(start.run!);
      expect(readFileSync(join(runnerTemp, "emulator.log"), "utf8")).toContain(
        `DigitalOcean emulator listening on http://127.0.0.1:${port} (token: test-token)`,
      );

      // The README leaves the program's own config to the reader; examples/basic's is its image url.
      const readme = stackConfig(onPort(pulumi.run!));
      const example = exampleConfig("basic");
      const config = { ...readme.config, ...example.config };
      const secretKeys = [...readme.secretKeys, ...example.secretKeys];
      const stateFile = join(runnerTemp, "state.json");
      const operation = (name: "preview" | "up") =>
        runProgram({ programDir: exampleDir("basic"), operation: name, stack: "emulator", config, secretKeys, stateFile });
      const kinds = (result: Awaited<ReturnType<typeof operation>>) =>
        result.steps.filter((step) => step.type.endsWith(":CustomImage")).map((step) => step.kind);

      const preview = await operation("preview");
      expect({ ok: preview.ok, errors: preview.errors, kinds: kinds(preview) }).toEqual({ ok: true, errors: [], kinds: ["create"] });
      const up = await operation("up");
      expect({ ok: up.ok, errors: up.errors, kinds: kinds(up) }).toEqual({ ok: true, errors: [], kinds: ["create"] });
      const again = await operation("preview");
      expect({ ok: again.ok, kinds: kinds(again) }).toEqual({ ok: true, kinds: ["same"] });

      const stopped = await bash(stop.run!);
      expect(stopped.stdout).toMatch(
        /DigitalOcean emulator stopped: \d+ requests, 1 import, 1 image left, 0 orphans, 0 duplicate imports, 0 spec violations\n/,
      );
      const report = JSON.parse(readFileSync(join(runnerTemp, "emulator-report.json"), "utf8")) as {
        audit: { id: number; fate: string }[];
        violations: unknown[];
      };
      expect(report.audit.map((entry) => [entry.id, entry.fate])).toEqual([
        [Number(up.state.resources.find((resource) => resource.type.endsWith(":CustomImage"))!.id), "available"],
      ]);
      expect(report.violations).toEqual([]);
    }, 120_000);
  });
});
