import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeEngine, engineFixtures, engineSetup, ops } from "../../tools/engine/engine-suite";
import { type InstalledPrograms, installPrograms } from "../../tools/engine/install-programs";

/**
 * examples/basic installed without `typescript` (and without @types/node): Pulumi's run harness
 * then compiles index.ts with the TypeScript 3.8.3 and ts-node 7.0.1 that `@pulumi/pulumi`
 * vendors (vendor/ in its package).
 */
describeEngine("a program without its own typescript, through the real CLI", () => {
  const fixtures = engineFixtures();
  let installed: InstalledPrograms;
  beforeAll(() => {
    installed = installPrograms(["basic"], { tarball: engineSetup().programs.tarball, typescript: false });
  });
  afterAll(() => rmSync(installed.root, { recursive: true, force: true }));

  it("fails on the example's tsconfig (options newer than TypeScript 3.8); without one, the vendored 3.8.3 type-checks and up creates the image", async () => {
    const dir = installed.dirs.basic!;
    await fixtures.start("basic", { programDir: dir });
    const { stack, emulator } = fixtures.current;

    const refused = await stack.preview([], { allowFailure: true });
    expect(refused.code).not.toBe(0);
    const output = refused.stdout + refused.stderr;
    expect(output).toContain("error TS6046: Argument for '--target' option must be");
    expect(output).toContain("error TS6046: Argument for '--module' option must be");
    expect(output).toContain("vendor/ts-node@7.0.1");

    rmSync(join(dir, "tsconfig.json"));
    const program = readFileSync(join(dir, "index.ts"), "utf8");
    writeFileSync(join(dir, "index.ts"), program.replace(`distribution: "Unknown"`, "distribution: 42"));
    const mistyped = await stack.preview([], { allowFailure: true });
    expect(mistyped.code).not.toBe(0);
    expect(mistyped.stdout + mistyped.stderr).toContain("error TS2322: Type 'number' is not assignable to type 'Input<string>'");

    writeFileSync(join(dir, "index.ts"), program);
    expect(ops(await stack.up())).toEqual(["create basic"]);
    expect(emulator.audit().map((entry) => entry.status)).toEqual(["available"]);
    await stack.destroy();
  });
});
