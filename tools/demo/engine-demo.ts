import { rmSync } from "node:fs";
import { startEmulatorStack } from "../runner/emulator-stack";
import type { PulumiCli } from "../engine/engine-cli";
import { customImages, EngineStack } from "../engine/engine-stack";
import { installPrograms } from "../engine/install-programs";
import { exampleConfig } from "../shared/example-package";

/**
 * `npm run demo` when a Pulumi CLI is available: examples/basic, installed from the packed tarball,
 * through the real CLI against the emulator: preview, up, a new description (in place), a new url
 * (replaced), a rename made outside Pulumi (refresh, then repaired), destroy. The CLI's own output
 * is shown; each step is checked, and the first that misbehaves ends the demo with an error.
 */

const SCALE = 0.02;
const IMPORT_MS = 90_000;
const PROJECT = "custom-image-basic";

export class EngineDemoError extends Error {
  override name = "EngineDemoError";
}

function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new EngineDemoError(what);
}

export async function engineDemo(cli: PulumiCli, print: (text: string) => void = (text) => process.stdout.write(text)): Promise<void> {
  print(`Installing examples/basic from \`npm pack\` into a folder outside the repository ...\n`);
  const programs = installPrograms(["basic"]);
  const { emulator, config, secretKeys } = await startEmulatorStack(SCALE, { importDurationMs: IMPORT_MS });
  const stack = new EngineStack({ cli, programDir: programs.dirs.basic!, echo: print });
  let section = 0;
  const title = (text: string) => print(`\n━━━ ${++section}. ${text} ━━━\n`);
  const imageId = async () => Number(customImages(await stack.exportState())[0]?.id);
  try {
    print(
      `DigitalOcean emulator on ${emulator.url}; simulated time runs ${1 / SCALE}× faster, an import takes ${IMPORT_MS / 1000} s of it.\n`,
    );
    title("A new stack with the offline settings; the token and the image url set as secrets");
    const example = exampleConfig("basic");
    await stack.init({ ...config, ...example.config }, [...secretKeys, ...example.secretKeys]);

    title("Preview: the plan creates one image, and nothing reaches DigitalOcean");
    await stack.preview();
    check(emulator.requests.length === 0, `preview sent ${emulator.requests.length} request(s) to DigitalOcean`);

    title("Up: import the image, with progress while DigitalOcean downloads it");
    await stack.up();
    const firstId = await imageId();
    check(emulator.getImage(firstId)?.status === "available", "up did not leave one available image");

    title("A new description: an update in place, same image id");
    await stack.configSet(`${PROJECT}:description`, "Flatcar, patched");
    await stack.up();
    check(
      (await imageId()) === firstId && emulator.getImage(firstId)?.description === "Flatcar, patched",
      "the description change was not an in-place update",
    );

    title("A new url: a replacement, the new image created before the old one is deleted");
    await stack.configSet(`${PROJECT}:imageUrl`, "https://example.com/images/flatcar-4152.qcow2.gz", true);
    await stack.up();
    const secondId = await imageId();
    check(
      secondId !== firstId && emulator.audit().find((entry) => entry.id === firstId)?.status === "deleted",
      "the new url did not replace the image",
    );

    title(`A rename outside Pulumi: refresh records it, up repairs it`);
    emulator.mutateImage(secondId, { name: "renamed-by-hand" });
    print(`# someone renames image ${secondId} to "renamed-by-hand" in DigitalOcean's control panel\n`);
    await stack.refresh();
    await stack.preview();
    await stack.up();
    check(emulator.getImage(secondId)?.name === "basic", "up did not rename the image back");
    check((await stack.preview(["--expect-no-changes"], { allowFailure: true })).code === 0, "a change is still planned after the repair");

    title("Destroy: every image is deleted");
    await stack.destroy();
    const alive = emulator.audit().filter((entry) => entry.status !== "deleted");
    check(alive.length === 0, `images still exist: ${alive.map((entry) => entry.id).join(", ")}`);
    check(
      emulator.duplicates().length === 0 && emulator.violations.length === 0,
      "duplicate imports or requests DigitalOcean would reject",
    );
    print(
      `\nDemo passed with pulumi ${cli.version}: ${emulator.audit().length} imports, ${emulator.requests.length} API requests, all valid against DigitalOcean's OpenAPI description.\n`,
    );
  } finally {
    await emulator.close();
    stack.dispose();
    rmSync(programs.root, { recursive: true, force: true });
  }
}
