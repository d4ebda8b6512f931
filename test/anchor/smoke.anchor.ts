import { describeEngine, engineFixtures, requestLines } from "../../tools/engine/engine-suite";
import { useAnchorPlugin } from "../../tools/anchor/anchor-plugin";

/** CI's check that the anchor plugin built and runs: `@pulumi/digitalocean`'s CustomImage up and destroyed through the real CLI. */
describeEngine("the anchor plugin (smoke test)", () => {
  const fixtures = engineFixtures();
  beforeAll(() => useAnchorPlugin());

  it("imports an image with @pulumi/digitalocean's CustomImage against the emulator and destroys it", async () => {
    const { stack, emulator } = await fixtures.start("migrate", { config: { "custom-image-migrate:phase": "bridged" } });
    await stack.up();
    const { id } = (await stack.outputs()) as { id: string };
    expect(emulator.getImage(Number(id))).toMatchObject({ name: "app-image", status: "available", regions: ["nyc3"], tags: ["app"] });
    await stack.destroy();
    expect(emulator.getImage(Number(id))?.status ?? "deleted").toBe("deleted");
    expect(requestLines(emulator).filter((line) => line === "POST /v2/images")).toHaveLength(1);
    expect(emulator.violations).toEqual([]);
  });
});
