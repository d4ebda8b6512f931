import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../tools/shared/example-package";

/**
 * Each package's `engines.node` is true: no package its production install brings (its
 * `dependencies`, and theirs, as package-lock.json resolves them) declares a higher floor. The
 * provider's tree does not hold the emulator's, so each package has a floor of its own.
 */

interface Locked {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  /** Old packages wrote an array here, which npm ignores. */
  engines?: { node?: string } | string[];
}

const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, Locked> };

type Version = [number, number, number];

/** The lowest version a range admits: ">=22.19.0" and "^22.19" give 22.19.0, "^20.17.0 || >=22.9.0" gives 20.17.0, "*" gives 0.0.0. */
function floor(range: string): Version {
  const lowest = range.split("||").map((part): Version => {
    const match = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(part);
    return match ? [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)] : [0, 0, 0];
  });
  return lowest.reduce((low, version) => (compare(version, low) < 0 ? version : low));
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The lockfile key of the copy of `name` that the package at `from` loads: the nearest node_modules up its path. */
function resolved(from: string, name: string): string | undefined {
  for (let base = from; ;) {
    const key = `${base === "" ? "" : `${base}/`}node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (base === "") return undefined;
    const nested = base.lastIndexOf("/node_modules/");
    base = nested < 0 ? "" : base.slice(0, nested);
  }
}

/** Every package the production install of the package at `root` brings, by lockfile key; `peers` adds its peer dependencies' trees. */
function runtimeTree(root: string, peers = false): string[] {
  const found = new Set<string>();
  const pending = [root];
  for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
    const locked = lock.packages[key]!;
    const names = Object.keys({
      ...locked.dependencies,
      ...locked.optionalDependencies,
      ...(peers && key === root ? locked.peerDependencies : {}),
    });
    for (const name of names) {
      const dependency = resolved(key, name);
      if (dependency === undefined || found.has(dependency)) continue;
      found.add(dependency);
      pending.push(dependency);
    }
  }
  return [...found];
}

/** The packages of `tree` whose declared floor is above `range`'s, with their range. */
function above(range: string, tree: string[]): string[] {
  return tree.flatMap((key) => {
    const engines = lock.packages[key]!.engines;
    const node = Array.isArray(engines) ? undefined : engines?.node;
    return node !== undefined && compare(floor(node), floor(range)) > 0 ? [`${key} needs node ${node}`] : [];
  });
}

const packageJson = (folder: string) =>
  JSON.parse(readFileSync(join(REPO_ROOT, folder, "package.json"), "utf8")) as { engines: { node: string } };

describe("engines.node", () => {
  test("floor reads the lowest version of a range", () => {
    expect(floor(">=22.19.0")).toEqual([22, 19, 0]);
    expect(floor(">= 22.12")).toEqual([22, 12, 0]);
    expect(floor("^20.17.0 || >=22.9.0")).toEqual([20, 17, 0]);
    expect(floor("*")).toEqual([0, 0, 0]);
  });

  test("the emulator's admits no Node that a package of its install refuses", () => {
    const tree = runtimeTree("packages/emulator");
    expect(tree).toEqual(expect.arrayContaining(["node_modules/openapi-backend", "node_modules/@apidevtools/json-schema-ref-parser"]));
    expect(above(packageJson("packages/emulator").engines.node, tree)).toEqual([]);
  });

  test("the provider's admits no Node that a package of its install refuses, @pulumi/pulumi (its peer) included; the emulator is not among them", () => {
    const tree = runtimeTree("", true);
    expect(tree).toEqual(expect.arrayContaining(["node_modules/got", "node_modules/@pulumi/pulumi"]));
    expect(tree).not.toContain("node_modules/pulumi-digitalocean-custom-image-emulator");
    expect(tree).not.toContain("node_modules/openapi-backend");
    expect(above(packageJson(".").engines.node, tree)).toEqual([]);
  });

  test("the lockfile records each package's own", () => {
    expect(lock.packages[""]!.engines).toEqual(packageJson(".").engines);
    expect(lock.packages["packages/emulator"]!.engines).toEqual(packageJson("packages/emulator").engines);
  });
});
