import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findPulumiCli, noCliReason } from "../engine/engine-cli";
import { EngineDemoError, engineDemo } from "./engine-demo";
import { exampleConfig, exampleDir } from "../shared/example-package";
import { startEmulatorStack } from "../runner/emulator-stack";
import { type RunResult, runProgram, type Operation, type StepKind } from "../runner/program-runner";
import { CUSTOM_IMAGE_TYPE } from "../provider-host/engine-values";

/**
 * `npm run demo`: examples/basic, unchanged, through preview → up → a new description (update in
 * place) → a new url (replace) → a rename made outside Pulumi (refresh, then repair) → destroy,
 * against the DigitalOcean emulator and through the program runner. No cloud account, no Pulumi
 * CLI. Every step's outcome is checked; the first one that misbehaves ends the demo with an
 * error, so it doubles as an end-to-end test (program-runner.test.ts runs it).
 */

/** Real ms per simulated ms: the emulator's 90 s import takes 1.8 s, long enough to show progress. */
const SCALE = 0.02;
const IMPORT_MS = 90_000;
const PROJECT = "custom-image-basic";
const URN_TYPE = CUSTOM_IMAGE_TYPE;

export class DemoError extends Error {
  override name = "DemoError";
}

function expectThat(condition: boolean, what: string, result?: RunResult): asserts condition {
  if (!condition) throw new DemoError(`${what}${result && result.errors.length > 0 ? `\n  errors: ${result.errors.join("\n  ")}` : ""}`);
}

export async function demo(print: (line: string) => void = console.log): Promise<void> {
  const { emulator, config, secretKeys } = await startEmulatorStack(SCALE, { importDurationMs: IMPORT_MS });
  const example = exampleConfig("basic");
  const stateDir = mkdtempSync(join(tmpdir(), "custom-image-demo-"));
  const stateFile = join(stateDir, "state.json");
  const programConfig: Record<string, string> = {
    ...example.config,
    [`${PROJECT}:description`]: "Flatcar Container Linux, imported by Pulumi",
  };
  let section = 0;
  /** `before`: what the reader would type (or someone would do) before the command. */
  const run = async (operation: Operation, title: string, before: string[] = []): Promise<RunResult> => {
    section += 1;
    print("");
    print(`━━━ ${section}. ${title} ━━━`);
    for (const line of [...before, `pulumi ${operation}`]) print(`$ ${line}`);
    const result = await runProgram({
      programDir: exampleDir("basic"),
      operation,
      config: { ...config, ...programConfig },
      secretKeys: [...secretKeys, ...example.secretKeys],
      stateFile,
      print,
    });
    expectThat(result.ok, `${operation} failed`, result);
    return result;
  };
  const imageStep = (result: RunResult) => result.steps.filter((step) => step.type === URN_TYPE);
  const kinds = (result: RunResult): StepKind[] => imageStep(result).map((step) => step.kind);
  const imageId = (result: RunResult) => Number(result.state.resources.find((resource) => resource.type === URN_TYPE)?.id);

  try {
    print(
      `DigitalOcean emulator on ${emulator.url}; simulated time runs ${1 / SCALE}× faster, an import takes ${IMPORT_MS / 1000} s of it.`,
    );

    let result = await run("preview", "Preview a new stack: the plan creates one image, and nothing reaches DigitalOcean", [
      `pulumi config set --secret imageUrl ${programConfig[`${PROJECT}:imageUrl`]}`,
    ]);
    expectThat(kinds(result).join() === "create", `preview planned ${kinds(result).join() || "nothing"} instead of one create`);
    expectThat(emulator.requests.length === 0, `preview sent ${emulator.requests.length} request(s) to DigitalOcean`);

    result = await run("up", "Up: import the image, with progress while DigitalOcean downloads it");
    const firstId = imageId(result);
    expectThat(
      kinds(result).join() === "create" && emulator.getImage(firstId)?.status === "available",
      "up did not leave one available image",
    );
    expectThat(result.outputs.imageId === firstId, `the output imageId is ${String(result.outputs.imageId)}, not ${firstId}`);
    expectThat(
      result.providerLogs.some((line) => /Importing image "basic" \(\d+\): pending after/.test(line)),
      "no progress was reported during the import",
    );

    programConfig[`${PROJECT}:description`] = "Flatcar, patched";
    result = await run("preview", "Preview a new description: an update in place", [`pulumi config set description "Flatcar, patched"`]);
    expectThat(
      imageStep(result)
        .map((step) => `${step.kind} ${step.diffs.join()}`)
        .join() === "update ~description",
      "the new description did not plan an update of description",
    );
    result = await run("up", "Up: the description changes, the image id stays");
    expectThat(
      kinds(result).join() === "update" && imageId(result) === firstId,
      "the description change was not an in-place update of the same image",
    );
    expectThat(emulator.getImage(firstId)?.description === "Flatcar, patched", "DigitalOcean does not have the new description");

    programConfig[`${PROJECT}:imageUrl`] = "https://example.com/images/flatcar-4152.qcow2.gz";
    result = await run("up", "Up with a new url: a replacement, created before the old image is deleted", [
      `pulumi config set --secret imageUrl ${programConfig[`${PROJECT}:imageUrl`]}`,
    ]);
    const secondId = imageId(result);
    const replace = imageStep(result)[0];
    expectThat(replace?.kind === "replace" && replace.replaces.includes("url"), `the new url did not replace the image (${replace?.kind})`);
    expectThat(secondId !== firstId && emulator.getImage(secondId)?.status === "available", "the replacement is not a new available image");
    expectThat(emulator.audit().find((entry) => entry.id === firstId)?.fate === "deleted", `the original image ${firstId} was not deleted`);

    emulator.mutateImage(secondId, { name: "renamed-by-hand" });
    result = await run("refresh", "Refresh after a rename outside Pulumi: the state takes the live name", [
      `# someone renames image ${secondId} to "renamed-by-hand" in DigitalOcean's control panel`,
    ]);
    expectThat(
      kinds(result).join() === "update" &&
        result.state.resources.find((resource) => resource.type === URN_TYPE)?.outputs.name === "renamed-by-hand",
      "refresh did not record the drifted name",
    );
    result = await run("preview", "Preview: the program's name differs from the live one");
    expectThat(
      imageStep(result)
        .map((step) => `${step.kind} ${step.diffs.join()}`)
        .join() === "update ~name",
      "the drift did not plan an update of name",
    );
    result = await run("up", "Up: the name is repaired in place");
    expectThat(kinds(result).join() === "update" && emulator.getImage(secondId)?.name === "basic", "up did not rename the image back");

    result = await run("destroy", "Destroy: every image is deleted");
    expectThat(result.state.resources.length === 0, `destroy left ${result.state.resources.length} resource(s) in the state`);
    const alive = emulator.audit().filter((entry) => entry.fate !== "deleted");
    expectThat(alive.length === 0, `images still exist: ${alive.map((entry) => entry.id).join(", ")}`);
    expectThat(emulator.audit().length === 2, `DigitalOcean saw ${emulator.audit().length} imports instead of 2`);
    expectThat(emulator.duplicates().length === 0, `duplicate imports: ${JSON.stringify(emulator.duplicates())}`);
    expectThat(emulator.violations.length === 0, `requests DigitalOcean would reject: ${JSON.stringify(emulator.violations)}`);

    print("");
    print(
      `Demo passed: ${emulator.audit().length} imports, ${emulator.requests.length} API requests, all valid against DigitalOcean's OpenAPI description.`,
    );
  } finally {
    await emulator.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** With a Pulumi CLI (on PATH or built by `npm run engine:install`) the demo runs through it; else through the runner. */
async function main(): Promise<void> {
  const rejected: string[] = [];
  const cli = findPulumiCli(process.env, rejected);
  if (cli) {
    console.log(
      `Engine: the real Pulumi CLI ${cli.version} (${cli.source === "PATH" ? `on PATH: ${cli.path}` : "built by npm run engine:install"}, with its Node.js language host).`,
    );
    await engineDemo(cli);
    return;
  }
  console.log(`Engine: the program runner (tools/runner), a stand-in for the Pulumi CLI: ${noCliReason(rejected)}.`);
  await demo();
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(
      `\nDemo failed: ${error instanceof DemoError || error instanceof EngineDemoError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = 1;
  });
}
