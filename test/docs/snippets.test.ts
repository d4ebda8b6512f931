import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../tools/shared/example-package";
import { installPacked, MODULE_SETUPS, run } from "../package/npm-command";
import { type Snippet, snippetsOf } from "./snippets";

/**
 * Every `ts` block of the documents users read, typechecked as the program a user would paste it
 * into: against the packed tarballs of the provider and the emulator installed into an empty
 * project, as CommonJS (Pulumi's template, and nodenext) and as an ES module.
 */

const DOCUMENTS = [
  "README.md",
  ...readdirSync(join(REPO_ROOT, "docs"))
    .filter((file) => file.endsWith(".md"))
    .map((file) => `docs/${file}`),
  "packages/emulator/README.md",
];
const SNIPPETS = DOCUMENTS.flatMap((document) => snippetsOf(document, readFileSync(join(REPO_ROOT, document), "utf8")));

const manifest = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
/** The version installed here of a development dependency, so that npm finds it in its cache. */
const installed = (name: string) =>
  `${name}@${(JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version}`;

/**
 * Typechecks each snippet as its own module in `project` under one module setup; returns tsc's
 * complaints with each snippet's file named as its document and line (`README.md:97:5`).
 */
async function typecheckSnippets(project: string, snippets: Snippet[], setup: (typeof MODULE_SETUPS)[number]): Promise<string> {
  const [, example, compilerOptions] = setup;
  const extension = example.slice(example.lastIndexOf("."));
  const folder = `snippets${extension.replace(".", "-")}`;
  mkdirSync(join(project, folder), { recursive: true });
  const files = new Map<string, Snippet>();
  for (const [index, snippet] of snippets.entries()) {
    const file = `${folder}/snippet-${index}${extension}`;
    writeFileSync(join(project, file), snippet.source);
    files.set(file, snippet);
  }
  // The packages' own declarations are checked strictly by test/package/installed-*.test.ts; here
  // skipping the libraries' checks (@pulumi/digitalocean's are large) keeps each run to seconds.
  const tsconfig = {
    compilerOptions: { strict: true, noEmit: true, skipLibCheck: true, types: ["node"], moduleDetection: "force", ...compilerOptions },
    files: [...files.keys()],
  };
  writeFileSync(join(project, `tsconfig.${folder}.json`), JSON.stringify(tsconfig));
  const output = await run("node", [join("node_modules", "typescript", "bin", "tsc"), "-p", `tsconfig.${folder}.json`], project).then(
    ({ stdout, stderr }) => stdout + stderr,
    (error: Error) => error.message,
  );
  // tsc names a file and a position: `snippets-ts/snippet-3.ts(2,7): error TS2322: ...`.
  return output.replace(/(snippets-[a-z]+\/snippet-\d+\.[a-z]+)\((\d+),(\d+)\)/g, (whole, file: string, line: string, column: string) => {
    const snippet = files.get(file);
    return snippet ? `${snippet.document}:${snippet.line + Number(line) - 1}:${column}` : whole;
  });
}

describe("the documentation's TypeScript snippets", () => {
  const project = mkdtempSync(join(tmpdir(), "custom-image-snippets-"));

  beforeAll(async () => {
    await installPacked(
      project,
      [REPO_ROOT, join(REPO_ROOT, "packages", "emulator")],
      [
        `@pulumi/pulumi@${manifest.devDependencies["@pulumi/pulumi"]}`,
        `typescript@${manifest.devDependencies.typescript}`,
        installed("@pulumi/digitalocean"),
        installed("@types/node"),
      ],
    );
  }, 300_000);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  test("are found in the README, docs/ and the emulator's README", () => {
    expect(new Set(SNIPPETS.map((snippet) => snippet.document))).toEqual(new Set(["README.md", "packages/emulator/README.md"]));
  });

  test.each(MODULE_SETUPS)(
    "compile against the packed packages in %s",
    async (...setup) => {
      const complaints = await typecheckSnippets(project, SNIPPETS, setup);
      // Printed as tsc wrote them, with each snippet's place in its document.
      expect(complaints).toBe("");
    },
    120_000,
  );

  test.each(MODULE_SETUPS)(
    "would name a snippet that does not compile, by its document and line, in %s",
    async (...setup) => {
      const broken = snippetsOf(
        "broken.md",
        '# A page\n\n```ts\nimport { CustomImage } from "pulumi-digitalocean-custom-image";\n\nexport const id: string = new CustomImage("x", { url: "https://example.com/x.img", regions: ["nyc3"] }).imageId;\n```\n',
      );
      expect(await typecheckSnippets(project, broken, setup)).toMatch(/broken\.md:6:\d+: error TS2322/);
    },
    120_000,
  );
});
