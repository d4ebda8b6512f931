import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  if: string;
  environment?: string;
  permissions?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const text = readFileSync(join(__dirname, "..", "..", "docs", "github-actions-pulumi.yml"), "utf8");
const workflow = load(text) as Workflow;
const pulumiStep = (job: string) => workflow.jobs[job]!.steps.find((step) => step.uses?.startsWith("pulumi/actions@"))!;
/** Every `secrets.NAME` a job's definition refers to. */
const secretsOf = (job: string) =>
  [...new Set([...JSON.stringify(workflow.jobs[job]).matchAll(/secrets\.([A-Za-z0-9_]+)/g)].map((match) => match[1]))].sort();

describe("the GitHub Actions workflow for users", () => {
  test("previews on pull requests and runs up on pushes to main", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request", "push"]);
    expect(workflow.jobs.preview!.if).toContain("pull_request");
    expect(pulumiStep("preview").with).toMatchObject({ command: "preview" });
    expect(workflow.jobs.up!.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(pulumiStep("up").with).toMatchObject({ command: "up" });
  });

  test("gives the write token only to up, from a protected environment, in the variable the provider reads", () => {
    expect(workflow.jobs.up!.environment).toBe("production");
    expect(pulumiStep("up").env).toMatchObject({ DIGITALOCEAN_TOKEN: "${{ secrets.DIGITALOCEAN_TOKEN }}" });
    expect(secretsOf("up")).toEqual(["DIGITALOCEAN_TOKEN", "PULUMI_ACCESS_TOKEN"]);
    expect(text).toMatch(/Deployment branches and tags: "Selected\s+#\s+branches" = main/);
  });

  test("gives preview no DigitalOcean token but an optional read-only one, and no environment", () => {
    expect(workflow.jobs.preview!.environment).toBeUndefined();
    expect(secretsOf("preview")).toEqual(["DIGITALOCEAN_READ_TOKEN", "PULUMI_ACCESS_TOKEN"]);
    expect(pulumiStep("preview").env).toMatchObject({ DIGITALOCEAN_TOKEN: "${{ secrets.DIGITALOCEAN_READ_TOKEN }}" });
    expect(text).toMatch(/DIGITALOCEAN_READ_TOKEN\s+optional, a repository secret: a token created with the "Read" scope\s+#\s+only/);
  });

  test("grants no permission by default, and each job only what it uses", () => {
    expect(workflow.permissions).toEqual({});
    expect(workflow.jobs.preview!.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(workflow.jobs.up!.permissions).toEqual({ contents: "read" });
  });

  test("pins every action by a full commit SHA, with its release in a comment", () => {
    const uses = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.uses ? [step.uses] : [])));
    expect(uses.length).toBe(6);
    for (const action of uses) expect(action).toMatch(/^[a-z-]+\/[a-z-]+@[0-9a-f]{40}$/);
    for (const action of new Set(uses)) expect(text).toContain(`${action} # v`);
  });

  test("checks out without leaving the GitHub token in the repository's git config", () => {
    for (const job of Object.values(workflow.jobs)) {
      const checkout = job.steps.find((step) => step.uses?.startsWith("actions/checkout@"))!;
      expect(checkout.with).toMatchObject({ "persist-credentials": false });
    }
  });
});
