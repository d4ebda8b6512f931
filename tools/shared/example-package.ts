import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, statSync, symlinkSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/**
 * How an example program (and the dynamic-provider host started in its folder) finds this package
 * in a fresh clone, where `npm install` has not been run inside the example.
 *
 * A user installs the package into the program's node_modules; the serialized shim then loads
 * `pulumi-digitalocean-custom-image/provider` from the program's folder. The examples depend on
 * `"file:../.."`, for which npm creates `node_modules/pulumi-digitalocean-custom-image` as a symlink
 * to the repository root. `linkExamplePackage` creates that same symlink when it is missing, and
 * nothing else: every other package (`@pulumi/pulumi`, got) resolves from the repository root's
 * node_modules, which is an ancestor of every example folder and therefore on Node's lookup path.
 */

export const REPO_ROOT = resolve(__dirname, "..", "..");
const PACKAGE_NAME = "pulumi-digitalocean-custom-image";

/** The folder of `examples/<name>`. */
export function exampleDir(name = "basic"): string {
  return join(REPO_ROOT, "examples", name);
}

/**
 * The stack config each example requires besides the provider's: `imageUrl`, which the examples
 * read with `config.requireSecret` because a user's url may be presigned. Harnesses set it as a
 * user does, with `pulumi config set --secret`, to the url the examples defaulted to before, which
 * the images of the state fixtures (test/fixtures/state/) were imported from.
 */
const EXAMPLE_SECRETS: Record<string, Record<string, string>> = {
  basic: { "custom-image-basic:imageUrl": "https://example.com/images/flatcar.qcow2.gz" },
  "multi-region": { "custom-image-multi-region:imageUrl": "https://example.com/images/ubuntu-24.04-golden.qcow2.gz" },
};

/** `examples/<name>`'s required config (none for another program), each key a secret. */
export function exampleConfig(name: string): { config: Record<string, string>; secretKeys: string[] } {
  const config = EXAMPLE_SECRETS[name] ?? {};
  return { config, secretKeys: Object.keys(config) };
}

/**
 * Makes `<dir>/node_modules/pulumi-digitalocean-custom-image` point at the repository root, as
 * `npm install` in that folder would. Idempotent and safe when several Jest workers race; throws
 * when the name is taken by something else (a published copy installed from the registry).
 */
export function linkExamplePackage(dir: string = exampleDir()): void {
  const link = join(dir, "node_modules", PACKAGE_NAME);
  if (!linksToRoot(link)) {
    mkdirSync(dirname(link), { recursive: true });
    try {
      // Relative, like npm's own link, so that the clone can be moved. "junction" matters on Windows only.
      symlinkSync(relative(dirname(link), REPO_ROOT), link, "junction");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
  }
  if (!linksToRoot(link)) {
    throw new Error(`${link} exists but is not this repository (${REPO_ROOT}); remove it or run \`npm install\` in ${dir}`);
  }
}

function linksToRoot(link: string): boolean {
  try {
    lstatSync(link);
  } catch {
    return false;
  }
  try {
    return realpathSync(link) === realpathSync(REPO_ROOT);
  } catch {
    return false; // a dangling symlink
  }
}

/**
 * The host loads the provider from the built package (`dist/provider/index.js`, the `./provider`
 * export), as it does for a user. Fails with the command to run when dist is missing or older than
 * a source file, instead of letting a test exercise stale code.
 */
export function assertBuilt(): void {
  const entry = join(REPO_ROOT, "dist", "provider", "index.js");
  if (!existsSync(entry)) {
    throw new Error(`${relative(REPO_ROOT, entry)} does not exist: run \`npm run build\` first (\`npm test\` builds before Jest runs)`);
  }
  const built = statSync(entry).mtimeMs;
  const newer = sourceFiles(join(REPO_ROOT, "src")).filter((file) => statSync(file).mtimeMs > built);
  if (newer.length > 0) {
    throw new Error(
      `dist/ is older than ${newer.map((file) => relative(REPO_ROOT, file)).join(", ")}: run \`npm run build\` (the provider host runs the built package)`,
    );
  }
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}
