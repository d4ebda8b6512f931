import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "js-yaml";
import { REPO_ROOT } from "../../tools/shared/example-package";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string;
  environment?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = load(readFileSync(join(REPO_ROOT, ".github", "workflows", "release.yml"), "utf8")) as Workflow;
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const runs = steps.flatMap((step) => (step.run ? [step.run.trim()] : []));
const runsOf = (job: Job) => job.steps.flatMap((step) => (step.run ? [step.run.trim()] : []));
const build = workflow.jobs["build"]!;
const publish = workflow.jobs["publish"]!;
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

  test("grants nothing by default; the build job may only read the repository", () => {
    expect(workflow.permissions).toEqual({});
    expect(Object.keys(workflow.jobs)).toEqual(["build", "publish"]);
    expect(build.permissions).toEqual({ contents: "read" });
    expect(build.environment).toBeUndefined();
  });

  test("publishes from a job in the protected environment npm, after the build job, the only job that may mint an OIDC token", () => {
    expect(publish).toMatchObject({ needs: "build", environment: "npm", permissions: { "id-token": "write" } });
    expect(Object.keys(publish.permissions!)).toEqual(["id-token"]);
  });

  test("installs, runs the whole test suite and packs in the build job; the publish job installs nothing and publishes those tarballs", () => {
    const order = ["npm ci", "npm test", "npm pack"].map((command) => runsOf(build).findIndex((run) => run.startsWith(command)));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(runsOf(build).some((run) => /^\s*npm publish /m.test(run))).toBe(false);
    expect(runsOf(publish).some((run) => /npm (ci|install|test|run)\b/.test(run))).toBe(false);
    expect(publish.steps.some((step) => step.uses?.startsWith("actions/checkout@"))).toBe(false);
    const upload = build.steps.find((step) => step.uses?.startsWith("actions/upload-artifact@"))!;
    const download = publish.steps.find((step) => step.uses?.startsWith("actions/download-artifact@"))!;
    expect(download.with).toMatchObject({ name: upload.with!["name"], path: upload.with!["path"] });
  });

  test("uses npm's trusted publishing: no secret, no registry token, and an npm new enough for it", () => {
    expect(JSON.stringify(workflow)).not.toMatch(/secrets\.|NPM_TOKEN|NODE_AUTH_TOKEN|_authToken/);
    expect(steps.some((step) => step.with?.["registry-url"] !== undefined)).toBe(false);
    expect(runsOf(publish).find((run) => run.includes("npm --version"))).toContain("11.5.1");
  });

  test("pins every action by a full commit SHA, with the version it is in a comment, as the users' workflow does", () => {
    const text = readFileSync(join(REPO_ROOT, ".github", "workflows", "release.yml"), "utf8");
    const uses = steps.flatMap((step) => (step.uses ? [step.uses] : []));
    expect(uses.length).toBeGreaterThanOrEqual(4);
    for (const action of uses) {
      expect(action).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      expect(text).toMatch(new RegExp(`uses: ${action.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} # v\\d+\\.\\d+\\.\\d+\n`));
    }
    const usersWorkflow = readFileSync(join(REPO_ROOT, "docs", "github-actions-pulumi.yml"), "utf8");
    for (const action of uses.filter((candidate) => /^actions\/(checkout|setup-node)@/.test(candidate)))
      expect(usersWorkflow).toContain(action);
  });

  test("keeps no git credentials in the checkout and restores no dependency cache", () => {
    const checkouts = steps.filter((step) => step.uses?.startsWith("actions/checkout@"));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const checkout of checkouts) expect(checkout.with).toMatchObject({ "persist-credentials": false });
    for (const step of steps.filter((candidate) => candidate.uses?.startsWith("actions/setup-node@")))
      expect(step.with?.["cache"]).toBeUndefined();
    expect(steps.some((step) => step.uses?.startsWith("actions/cache@"))).toBe(false);
  });

  test("tests on the Node version the test suite needs", () => {
    expect(build.steps.find((step) => step.uses?.startsWith("actions/setup-node@"))!.with).toMatchObject({ "node-version": 24 });
  });

  test("publishes only a tag that names package.json's version", () => {
    const wrongTag = tagCheck("v999.0.0");
    expect(wrongTag.status).not.toBe(0);
    expect(wrongTag.stderr).toContain(`tag v999.0.0 does not match package.json's version ${version}`);
  });

  test("would not publish the repository as it is: nothing is released, and CHANGELOG.md says so", () => {
    const changelog = readFileSync(join(REPO_ROOT, "CHANGELOG.md"), "utf8");
    expect(changelog.match(/^## .*/gm)).toEqual(["## Unreleased"]);
    const result = tagCheck(`v${version}`);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`CHANGELOG.md has no section for ${version}`);
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

  test("publishes the emulator's package and the provider's, both with provenance, from the tarballs packed for each", () => {
    const commands = steps
      .find((step) => step.run?.startsWith("npm publish"))!
      .run!.trim()
      .split("\n");
    expect(commands).toEqual([
      "npm publish --provenance --access public release/emulator/*.tgz",
      "npm publish --provenance --access public release/provider/*.tgz",
    ]);
    const pack = runs.find((run) => run.startsWith("npm pack"))!.split("\n");
    expect(pack).toEqual([
      "npm pack --workspace packages/emulator --pack-destination release/emulator",
      "npm pack --pack-destination release/provider",
    ]);
    expect(runs.findIndex((run) => run.includes("packages/emulator/package.json"))).toBeLessThan(
      runs.findIndex((run) => run.startsWith("npm ci")),
    );
  });

  test("refuses to publish packages that do not name their repository, which provenance needs, or whose versions differ", () => {
    const repository = { type: "git", url: "git+https://example.com/owner/repo.git" };
    expect(
      manifestCheck({ version: "1.2.3", repository }, { version: "1.2.3", repository: { ...repository, directory: "packages/emulator" } })
        .status,
    ).toBe(0);

    const unnamed = manifestCheck({ version: "1.2.3" }, { version: "1.2.3" });
    expect(unnamed.status).not.toBe(0);
    expect(unnamed.stderr).toContain(
      "package.json has no repository.url: npm publish --provenance needs it to name this GitHub repository",
    );
    expect(unnamed.stderr).toContain("packages/emulator/package.json has no repository.url");

    const apart = manifestCheck({ version: "1.2.3", repository }, { version: "1.2.4", repository });
    expect(apart.status).not.toBe(0);
    expect(apart.stderr).toContain("packages/emulator/package.json has version 1.2.4, package.json 1.2.3");
  });
});
