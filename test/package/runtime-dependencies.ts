/**
 * What installing one tarball alone puts into a user's production install, counted as
 * `npm ls --omit=dev --all` lists it. `npx tsx test/package/runtime-dependencies.ts` prints the
 * figures for the provider and the emulator (after `npm run build && npm run build:emulator`);
 * runtime-dependencies.test.ts checks what they must not contain.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../tools/shared/example-package";
import { installPacked, run } from "./npm-command";

export const PACKAGES = {
  provider: REPO_ROOT,
  emulator: join(REPO_ROOT, "packages", "emulator"),
} as const;

/** A node of `npm ls --json`. */
export interface LsNode {
  version?: string;
  dependencies?: Record<string, LsNode>;
}

export interface RuntimeTree {
  /** `name@version` of every package installed with it, itself excluded, sorted. */
  all: string[];
  /** The same without the subtrees of its peer dependencies, which npm installs too but a user's project already has. */
  own: string[];
}

/** Every distinct `name@version` installed below `node`, not descending into the names in `skip`. */
export function packagesBelow(node: LsNode, skip: ReadonlySet<string> = new Set()): string[] {
  const seen = new Set<string>();
  const visit = (current: LsNode) => {
    for (const [name, child] of Object.entries(current.dependencies ?? {})) {
      // No version: listed but not installed, as an optional peer dependency nobody asked for is.
      if (skip.has(name) || child.version === undefined) continue;
      const key = `${name}@${child.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      visit(child);
    }
  };
  visit(node);
  return [...seen].sort();
}

/** Packs the package in `dir`, installs that tarball alone into an empty project, and lists its production tree. */
export async function installAlone(dir: string): Promise<RuntimeTree> {
  const project = mkdtempSync(join(tmpdir(), "custom-image-runtime-"));
  try {
    await installPacked(project, [dir]);
    const { stdout } = await run("npm", ["ls", "--omit=dev", "--all", "--json"], project);
    const [node] = Object.values((JSON.parse(stdout) as LsNode).dependencies ?? {});
    const { peerDependencies = {} } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      peerDependencies?: Record<string, string>;
    };
    return { all: packagesBelow(node!), own: packagesBelow(node!, new Set(Object.keys(peerDependencies))) };
  } finally {
    rmSync(project, { recursive: true, force: true });
  }
}

if (require.main === module) {
  (async () => {
    for (const [which, dir] of Object.entries(PACKAGES)) {
      const tree = await installAlone(dir);
      console.log(
        `${which}: ${tree.all.length} runtime packages (npm ls --omit=dev --all), ${tree.own.length} without its peer dependencies' trees`,
      );
      console.log(`  ${tree.own.join(" ")}`);
    }
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
