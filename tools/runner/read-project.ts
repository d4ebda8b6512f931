import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";

export interface PulumiProject {
  /** The project name: the second part of every URN, and the namespace of the program's own config keys. */
  name: string;
  /** Pulumi.yaml's `main`, the program's entry relative to its folder, when set. */
  main?: string;
}

/** The parts of a program's Pulumi.yaml (or Pulumi.yml) that the runner uses. */
export function readProject(programDir: string): PulumiProject {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((name) => join(programDir, name)).find((path) => existsSync(path));
  if (!file) throw new Error(`${programDir} has no Pulumi.yaml: the program runner runs Pulumi projects`);
  const project = load(readFileSync(file, "utf8")) as { name?: unknown; main?: unknown; runtime?: unknown };
  if (typeof project.name !== "string") throw new Error(`${file} has no project name`);
  const runtime = typeof project.runtime === "string" ? project.runtime : (project.runtime as { name?: unknown } | undefined)?.name;
  if (runtime !== "nodejs") throw new Error(`${file} has runtime "${String(runtime)}": the program runner runs Node.js programs only`);
  return { name: project.name, main: typeof project.main === "string" ? project.main : undefined };
}
