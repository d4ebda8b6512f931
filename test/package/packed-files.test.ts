import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../../tools/shared/example-package";
import { packedFiles } from "./npm-command";

/** `src/a/b.ts` → `a/b`, for every module the build compiles. */
function sourceModules(dir = join(REPO_ROOT, "src"), prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceModules(join(dir, entry.name), `${prefix}${entry.name}/`)
      : entry.name.endsWith(".ts")
        ? [`${prefix}${entry.name.slice(0, -3)}`]
        : [],
  );
}

describe("the package as npm packs it", () => {
  let files: string[];
  beforeAll(async () => {
    files = await packedFiles(REPO_ROOT);
  }, 60_000);

  test("ships each source module's JavaScript and declaration, README, LICENSE, CHANGELOG, the docs the README links to and package.json, and nothing else", () => {
    const built = sourceModules().flatMap((module) => [`dist/${module}.js`, `dist/${module}.d.ts`]);
    const docs = readdirSync(join(REPO_ROOT, "docs"), { recursive: true, encoding: "utf8" })
      .filter((file) => statSync(join(REPO_ROOT, "docs", file)).isFile())
      .map((file) => `docs/${file}`);
    expect(files).toEqual([...built, ...docs, "CHANGELOG.md", "LICENSE", "README.md", "package.json"].sort());
  });

  test("every file the README links to is shipped, or lives in a folder the README says only the repository has", () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const targets = [...readme.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((match) => match[1]!);
    const repositoryOnly = ["CONTRIBUTING.md", "examples/", "packages/"];
    expect(readme).toMatch(/links into\s+`CONTRIBUTING\.md`, `examples\/` and `packages\/`\s+name files of the source\s+repository/);
    expect(targets.filter((target) => !files.includes(target) && !repositoryOnly.some((folder) => target.startsWith(folder)))).toEqual([]);
    expect(targets.filter((target) => !existsSync(join(REPO_ROOT, target)))).toEqual([]);
  });

  test("every entry point in package.json is a shipped file", () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      main: string;
      types: string;
      exports: Record<string, string>;
    };
    const entries = [manifest.main, manifest.types, ...Object.values(manifest.exports)].map((entry) => entry.replace(/^\.\//, ""));
    expect(entries.filter((entry) => !files.includes(entry))).toEqual([]);
  });

  test("ships the Apache-2.0 text that package.json's license field names", () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { license: string };
    const license = readFileSync(join(REPO_ROOT, "LICENSE"), "utf8");
    expect(manifest.license).toBe("Apache-2.0");
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004\s+http:\/\/www\.apache\.org\/licenses\//);
    expect(license).toContain("END OF TERMS AND CONDITIONS");
  });
});

describe("the emulator's package as npm packs it", () => {
  const dir = join(REPO_ROOT, "packages", "emulator");
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    main: string;
    types: string;
    bin: Record<string, string>;
    exports: Record<string, string | Record<string, string>>;
    license: string;
    dependencies: Record<string, string>;
  };
  let files: string[];
  beforeAll(async () => {
    files = await packedFiles(dir);
  }, 60_000);

  test("ships the library and bin bundles, one declaration file, DigitalOcean's OpenAPI description with its licence and source, README, LICENSE and package.json, and nothing else", () => {
    expect(files).toEqual(
      [
        "bin/digitalocean-images-emulator.js",
        "dist/emulator.js",
        "dist/emulator.d.ts",
        "dist/cli.js",
        "digitalocean-openapi/images.openapi.yaml",
        "digitalocean-openapi/LICENSE",
        "digitalocean-openapi/SOURCE.md",
        "LICENSE",
        "README.md",
        "package.json",
      ].sort(),
    );
  });

  test("every entry point and the bin in package.json is a shipped file, and the bin starts with a node shebang", () => {
    const exported = Object.values(manifest.exports).flatMap((entry) => (typeof entry === "string" ? [entry] : Object.values(entry)));
    const entries = [manifest.main, manifest.types, ...Object.values(manifest.bin), ...exported].map((entry) => entry.replace(/^\.\//, ""));
    expect(entries.filter((entry) => !files.includes(entry))).toEqual([]);
    expect(readFileSync(join(dir, manifest.bin["digitalocean-images-emulator"]!), "utf8")).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  test("is Apache-2.0 like the provider, with the same licence text", () => {
    expect(manifest.license).toBe("Apache-2.0");
    expect(readFileSync(join(dir, "LICENSE"), "utf8")).toBe(readFileSync(join(REPO_ROOT, "LICENSE"), "utf8"));
  });

  test("depends on what the emulator needs, none of which the provider depends on", () => {
    const provider = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).sort()).toEqual(["ajv-formats", "js-yaml", "openapi-backend"]);
    expect(Object.keys({ ...provider.dependencies, ...provider.peerDependencies }).filter((name) => name in manifest.dependencies)).toEqual(
      [],
    );
  });
});
