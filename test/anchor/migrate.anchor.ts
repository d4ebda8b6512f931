import { accountProblems, customImages, describeEngine, engineFixtures, requestLines } from "../../tools/engine/engine-suite";
import type { CliResult } from "../../tools/engine/engine-stack";
import { useAnchorPlugin } from "../../tools/anchor/anchor-plugin";

const PROJECT = "custom-image-migrate";
const BRIDGED = "digitalocean:index/customImage:CustomImage";
const DYNAMIC = "pulumi-nodejs:dynamic/digitalocean:CustomImage";
const TAG = "digitalocean:index/tag:Tag";

/** Every step of the run but the stack's and the providers', as `op type name`. */
function steps(result: CliResult): string[] {
  return result.events.flatMap((event) => {
    const metadata = event.resourcePreEvent?.metadata;
    if (!metadata || metadata.type === "pulumi:pulumi:Stack" || metadata.type.startsWith("pulumi:providers:")) return [];
    if (metadata.type.endsWith(":CustomImageScope")) return [];
    return [`${metadata.op} ${metadata.type} ${metadata.urn.split("::").at(-1)}`];
  });
}

describeEngine(
  "moving a stack from @pulumi/digitalocean's CustomImage to this package (README.md), through the real CLI and the anchor plugin",
  () => {
    const fixtures = engineFixtures();
    beforeAll(() => useAnchorPlugin());

    it("keeps the image id: no import request, the dependent resource untouched, then update and destroy through this package", async () => {
      const { stack, emulator } = await fixtures.start("migrate", { config: { [`${PROJECT}:phase`]: "bridged" } });
      const phase = (value: string) => stack.configSet(`${PROJECT}:phase`, value);

      const built = await stack.up();
      expect(steps(built)).toEqual([`create ${BRIDGED} image`, `create ${TAG} uses-image`]);
      const { id } = (await stack.outputs()) as { id: string };
      expect(requestLines(emulator).filter((line) => line === "POST /v2/images")).toHaveLength(1);

      // One up: retainOnDelete on the old resource, the new one adopting its image by id.
      await stack.configSet(`${PROJECT}:importId`, id);
      await phase("both");
      let before = emulator.requests.length;
      const both = await stack.up();
      expect(steps(both)).toEqual(expect.arrayContaining([`same ${BRIDGED} image`, `create ${DYNAMIC} image`, `same ${TAG} uses-image`]));
      expect(requestLines(emulator, before).filter((line) => !line.startsWith("GET"))).toEqual([]);
      const [adopted] = customImages(await stack.exportState());
      expect(adopted).toMatchObject({ id });
      expect(both.stdout).toContain(`Adopting image "app-image" (${id}) (the import option)`);

      // The next: the old resource (and the option) leave the program; its delete only forgets it.
      await phase("moved");
      const preview = await stack.preview();
      expect(steps(preview)).toEqual(
        expect.arrayContaining([`same ${DYNAMIC} image`, `same ${TAG} uses-image`, `delete ${BRIDGED} image`]),
      );
      before = emulator.requests.length;
      const moved = await stack.up();
      expect(steps(moved)).toEqual(expect.arrayContaining([`same ${DYNAMIC} image`, `same ${TAG} uses-image`, `delete ${BRIDGED} image`]));
      expect(requestLines(emulator, before).filter((line) => !line.startsWith("GET"))).toEqual([]);
      expect(await stack.outputs()).toEqual({ id });
      expect((await stack.preview(["--expect-no-changes"], { allowFailure: true })).code).toBe(0);

      // Managed by this package now: an update in place and a new region, then destroy.
      await stack.configSet(`${PROJECT}:description`, "moved to pulumi-digitalocean-custom-image");
      await stack.configSet(`${PROJECT}:regions`, '["nyc3","ams3"]');
      expect(steps(await stack.up())).toEqual([`update ${DYNAMIC} image`, `same ${TAG} uses-image`]);
      expect(emulator.getImage(Number(id))).toMatchObject({ description: "moved to pulumi-digitalocean-custom-image" });
      expect(emulator.getImage(Number(id))?.regions.sort()).toEqual(["ams3", "nyc3"]);
      expect(accountProblems(emulator, await stack.exportState())).toEqual([]);

      await stack.destroy();
      expect(emulator.getImage(Number(id))?.status ?? "deleted").toBe("deleted");
      expect(requestLines(emulator).filter((line) => line === "POST /v2/images")).toHaveLength(1);
      expect(emulator.duplicates()).toEqual([]);
    });
  },
);
