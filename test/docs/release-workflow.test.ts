import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { REPO_ROOT } from "../helpers/example-package";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}

const workflow = load(readFileSync(join(REPO_ROOT, ".github", "workflows", "release.yml"), "utf8")) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const runs = steps.flatMap((step) => (step.run ? [step.run.trim()] : []));
const version = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

/** Runs the workflow's tag check in a checkout (the repository by default) as GitHub would for a push of `tag`. */
function tagCheck(tag: string, checkout = REPO_ROOT) {
  const script = steps.find((step) => step.run?.includes("GITHUB_REF_NAME"))!.run!;
  return spawnSync("bash", ["-e", "-c", script], { cwd: checkout, env: { ...process.env, GITHUB_REF_NAME: tag }, encoding: "utf8" });
}

/** Runs the workflow's check that both packages name the repository at one version, in a checkout holding the two manifests. */
function manifestCheck(root: Record<string, unknown>, emulator: Record<string, unknown>) {
  const checkout = mkdtempSync(join(tmpdir(), "release-manifests-"));
  try {
    mkdirSync(join(checkout, "packages", "emulator"), { recursive: true });
    writeFileSync(join(checkout, "package.json"), JSON.stringify(root));
    writeFileSync(join(checkout, "packages", "emulator", "package.json"), JSON.stringify(emulator));
    const script = steps.find((step) => step.run?.includes("packages/emulator/package.json"))!.run!;
    return spawnSync("bash", ["-e", "-c", script], { cwd: checkout, env: process.env, encoding: "utf8" });
  } finally {
    rmSync(checkout, { recursive: true, force: true });
  }
}

describe("the release workflow", () => {
  test("runs only when a version tag is pushed", () => {
    expect(workflow.on).toEqual({ push: { tags: ["v*.*.*"] } });
  });

  test("may read the repository and mint the OIDC token for provenance, and nothing more", () => {
    expect(workflow.permissions).toEqual({ contents: "read", "id-token": "write" });
  });

  test("installs, runs the whole test suite, then publishes with provenance, in that order", () => {
    const order = ["npm ci", "npm test", "npm publish --provenance"].map((command) => runs.findIndex((run) => run.startsWith(command)));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test("gives the registry token from a secret to the publish step only", () => {
    const withToken = steps.filter((step) => JSON.stringify(step).includes("secrets."));
    expect(withToken).toHaveLength(1);
    expect(withToken[0]!.run).toMatch(/^npm publish --provenance/);
    expect(withToken[0]!.env).toEqual({ NODE_AUTH_TOKEN: "${{ secrets.NPM_TOKEN }}" });
  });

  test("tests on the Node version the test suite needs", () => {
    expect(steps.find((step) => step.uses?.startsWith("actions/setup-node@"))!.with).toMatchObject({ "node-version": 24 });
  });

  test("publishes only a tag that names package.json's version, which CHANGELOG.md describes", () => {
    expect(tagCheck(`v${version}`).status).toBe(0);
    const wrongTag = tagCheck("v999.0.0");
    expect(wrongTag.status).not.toBe(0);
    expect(wrongTag.stderr).toContain(`tag v999.0.0 does not match package.json's version ${version}`);
  });

  test("refuses a version that CHANGELOG.md has no section for", () => {
    const checkout = mkdtempSync(join(tmpdir(), "release-check-"));
    try {
      writeFileSync(join(checkout, "package.json"), JSON.stringify({ version: "1.2.3" }));
      writeFileSync(join(checkout, "CHANGELOG.md"), "# Changelog\n\n## 1.2.30\n\n## 1.2.2\n");
      const result = tagCheck("v1.2.3", checkout);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("CHANGELOG.md has no section for 1.2.3");
      writeFileSync(join(checkout, "CHANGELOG.md"), "# Changelog\n\n## [1.2.3] - 2026-12-01\n");
      expect(tagCheck("v1.2.3", checkout).status).toBe(0);
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });

  test("publishes the emulator's package and the provider's, both with provenance", () => {
    const publish = steps.find((step) => step.run?.startsWith("npm publish"))!.run!.trim().split("\n");
    expect(publish).toEqual(["npm publish --provenance --access public --workspace packages/emulator", "npm publish --provenance --access public"]);
    expect(runs.findIndex((run) => run.includes("packages/emulator/package.json"))).toBeLessThan(runs.findIndex((run) => run.startsWith("npm ci")));
  });

  test("refuses to publish packages that do not name their repository, which provenance needs, or whose versions differ", () => {
    const repository = { type: "git", url: "git+https://example.com/owner/repo.git" };
    expect(manifestCheck({ version: "1.2.3", repository }, { version: "1.2.3", repository: { ...repository, directory: "packages/emulator" } }).status).toBe(0);

    const unnamed = manifestCheck({ version: "1.2.3" }, { version: "1.2.3" });
    expect(unnamed.status).not.toBe(0);
    expect(unnamed.stderr).toContain("package.json has no repository.url: npm publish --provenance needs it to name this GitHub repository");
    expect(unnamed.stderr).toContain("packages/emulator/package.json has no repository.url");

    const apart = manifestCheck({ version: "1.2.3", repository }, { version: "1.2.4", repository });
    expect(apart.status).not.toBe(0);
    expect(apart.stderr).toContain("packages/emulator/package.json has version 1.2.4, package.json 1.2.3");
  });
});
