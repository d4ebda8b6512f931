import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../tools/shared/example-package";
import { installPacked, MODULE_SETUPS, run, typecheck } from "./npm-command";

/**
 * The tarball as a user receives it: packed, installed into an empty project next to
 * `@pulumi/pulumi` and `typescript` (the versions this repository tests with, so that npm finds them
 * in its cache), then loaded and typechecked the ways a user's program does.
 */

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  name: string;
  devDependencies: Record<string, string>;
};
const NAME = manifest.name;

/** A program that only compiles if the package's declarations resolve and are the real ones, not `any`. */
const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { CustomImage, type CustomImageArgs, getImage, getImageOutput, getImages, type Image, NotFoundError } from "${NAME}";
import { DigitalOceanClient } from "${NAME}/client";

const args: CustomImageArgs = { url: "https://example.com/image.qcow2.gz", regions: ["nyc3"] };
// @ts-expect-error regions is required
const missing: CustomImageArgs = { url: args.url };
export const imageId: pulumi.Output<number> = new CustomImage("image", args).imageId;
void missing;
// The README's lookups and an error class a program catches; the client from its own subpath.
export const lookups: [Promise<Image>, pulumi.Output<Image>, Promise<Image[]>] = [
  getImage({ slug: "ubuntu-24-04-x64" }),
  getImageOutput({ name: "flatcar", source: "user" }),
  getImages({ private: true, tagName: "golden" }).then((result) => result.images),
];
export const notFound: string = NotFoundError.defaultCode;
export const client = (token: string): DigitalOceanClient => new DigitalOceanClient({ token });
// @ts-expect-error the client is not part of the root entry's API
export { DigitalOceanClient as Internal } from "${NAME}";
`;

describe("the packed package installed into an empty project", () => {
  const project = mkdtempSync(join(tmpdir(), "custom-image-user-"));
  let installOutput: string;

  beforeAll(async () => {
    installOutput = await installPacked(
      project,
      [REPO_ROOT],
      [`@pulumi/pulumi@${manifest.devDependencies["@pulumi/pulumi"]}`, `typescript@${manifest.devDependencies.typescript}`],
    );
  }, 300_000);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  test("installs without printing a warning", () => {
    expect(installOutput).not.toMatch(/warn/i);
    expect(installOutput).toMatch(/added \d+ packages/);
  });

  test("loads with require, from the main entry and the provider entry", async () => {
    const script = `const p = require("${NAME}"); const provider = require("${NAME}/provider"); console.log(typeof p.CustomImage, typeof provider.configure);`;
    expect(await run("node", ["-e", script], project)).toEqual({ stdout: "function function\n", stderr: "" });
  });

  test("the client entry loads with require and import, and the main entry does not export the client", async () => {
    const required = `const p = require("${NAME}"); const c = require("${NAME}/client"); console.log(typeof c.DigitalOceanClient, typeof p.DigitalOceanClient);`;
    expect(await run("node", ["-e", required], project)).toEqual({ stdout: "function undefined\n", stderr: "" });
    const imported = `import { DigitalOceanClient } from "${NAME}/client"; console.log(typeof DigitalOceanClient);`;
    expect(await run("node", ["--input-type=module", "-e", imported], project)).toEqual({ stdout: "function\n", stderr: "" });
  });

  test("loads with import, named exports included", async () => {
    const script = `import { CustomImage } from "${NAME}"; import { configure } from "${NAME}/provider"; console.log(typeof CustomImage, typeof configure);`;
    expect(await run("node", ["--input-type=module", "-e", script], project)).toEqual({ stdout: "function function\n", stderr: "" });
  });

  test.each(MODULE_SETUPS)("its types resolve for %s", async (_, file, compilerOptions) => {
    expect(await typecheck(project, file, PROGRAM, compilerOptions)).toEqual({ stdout: "", stderr: "" });
  });
});
