import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { if: string; steps: Step[] }>;
}

const workflow = load(readFileSync(join(__dirname, "..", "..", "docs", "github-actions-pulumi.yml"), "utf8")) as Workflow;
const pulumiStep = (job: string) => workflow.jobs[job]!.steps.find((step) => step.uses?.startsWith("pulumi/actions@"))!;

describe("the GitHub Actions workflow for users", () => {
  test("previews on pull requests and runs up on pushes to main", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request", "push"]);
    expect(workflow.jobs.preview!.if).toContain("pull_request");
    expect(pulumiStep("preview").with).toMatchObject({ command: "preview" });
    expect(workflow.jobs.up!.if).toContain("refs/heads/main");
    expect(pulumiStep("up").with).toMatchObject({ command: "up" });
  });

  test("takes the DigitalOcean token from a repository secret, in the variable the provider reads", () => {
    for (const job of ["preview", "up"]) {
      expect(pulumiStep(job).env).toMatchObject({ DIGITALOCEAN_TOKEN: "${{ secrets.DIGITALOCEAN_TOKEN }}" });
    }
  });
});
