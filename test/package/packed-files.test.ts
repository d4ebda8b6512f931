import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../helpers/example-package";
import { packedFiles } from "./npm-command";

/** `src/a/b.ts` → `a/b`, for every module the build compiles. */
function sourceModules(dir = join(REPO_ROOT, "src"), prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceModules(join(dir, entry.name), `${prefix}${entry.name}/`) : entry.name.endsWith(".ts") ? [`${prefix}${entry.name.slice(0, -3)}`] : [],
  );
}

describe("the package as npm packs it", () => {
  let files: string[];
  beforeAll(async () => {
    files = await packedFiles(REPO_ROOT);
  }, 60_000);

  test("ships each source module's JavaScript and declaration, README, LICENSE, CHANGELOG and package.json, and nothing else", () => {
    const built = sourceModules().flatMap((module) => [`dist/${module}.js`, `dist/${module}.d.ts`]);
    expect(files).toEqual([...built, "CHANGELOG.md", "LICENSE", "README.md", "package.json"].sort());
  });

  test("every entry point in package.json is a shipped file", () => {
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { main: string; types: string; exports: Record<string, string> };
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
