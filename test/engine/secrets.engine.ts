import { readFileSync } from "node:fs";
import { customImages, describeEngine, engineFixtures } from "../../tools/engine/engine-suite";

const TOKEN = "test-token";

describeEngine("the token through the real CLI", () => {
  const fixtures = engineFixtures();

  it("set with config set --secret, it appears in no exported state, stack file or line the CLI and the provider print; __provider stays small", async () => {
    await fixtures.start("basic");
    const { stack, emulator } = fixtures.current;
    await stack.preview();
    await stack.up();
    await stack.refresh();
    emulator.inject({ kind: "status", status: 500 }, { method: "PUT", count: 20 });
    await stack.configSet("custom-image-basic:description", "fails once");
    const failed = await stack.up([], { allowFailure: true });
    expect(failed.code).not.toBe(0);

    const exported = await stack.exportState();
    const text = JSON.stringify(exported);
    expect(text).not.toContain(TOKEN);
    expect(readFileSync(stack.configFile, "utf8")).not.toContain(TOKEN);
    expect(stack.output.filter((line) => line.includes(TOKEN))).toEqual([]);
    expect(stack.output.some((line) => /Importing image "basic"/.test(line))).toBe(true);

    const provider = String(customImages(exported)[0]?.outputs?.__provider);
    console.log(`__provider in the exported state: ${provider.length} characters`);
    expect(provider.length).toBeGreaterThan(0);
    expect(provider.length).toBeLessThanOrEqual(2048);
    await stack.destroy();
  });
});
