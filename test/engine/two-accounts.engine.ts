import { startEmulator } from "pulumi-digitalocean-custom-image-emulator";
import { customImages, describeEngine, engineFixtures } from "../../tools/engine/engine-suite";

const SECOND_TOKEN = "dop_v1_second_account_canary_7f3a9c";
/** How the engine writes a secret in an exported state. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

describeEngine("images in two DigitalOcean accounts through the real CLI", () => {
  const fixtures = engineFixtures();

  it("one CustomImage in the stack's account, one with its own token and apiEndpoint in another, read again by CustomImage.get with them; the token is in state only encrypted", async () => {
    await fixtures.start("two-accounts");
    const { stack, emulator } = fixtures.current;
    const second = await startEmulator({ clock: emulator.clock, tokens: [SECOND_TOKEN] });
    try {
      await stack.configSet("custom-image-two-accounts:secondEndpoint", second.url);
      await stack.configSet("custom-image-two-accounts:secondToken", SECOND_TOKEN, true);

      await stack.up();
      const outputs = await stack.outputs();
      expect(emulator.audit().map((entry) => entry.name)).toEqual(["ours"]);
      expect(second.audit().map((entry) => entry.name)).toEqual(["theirs"]);
      expect(outputs).toMatchObject({ oursId: emulator.audit()[0]!.id, theirsId: second.audit()[0]!.id });
      // The lookup in the second account ran after `theirs` was created (dependsOn), and found it.
      expect(outputs.foundId).toBe(second.audit()[0]!.id);
      expect(outputs.readRegions).toEqual(["ams3"]);

      const exported = await stack.exportState();
      const encrypted = { [SECRET_SIGNATURE]: expect.any(String), ciphertext: expect.any(String) };
      const [theirs, read] = ["theirs", "theirs-read"].map((name) =>
        customImages(exported).find((resource) => resource.urn.endsWith(`::${name}`))!,
      );
      expect(JSON.stringify(exported)).not.toContain(SECOND_TOKEN);
      for (const resource of [theirs!, read!]) {
        expect(resource.inputs?.token).toMatchObject(encrypted);
        expect(resource.outputs?.token).toMatchObject(encrypted);
        expect(String(resource.outputs?.__provider)).not.toContain(SECOND_TOKEN);
      }
      expect(read!.id).toBe(theirs!.id);
      expect(stack.output.filter((line) => line.includes(SECOND_TOKEN))).toEqual([]);

      expect((await stack.preview(["--expect-no-changes"], { allowFailure: true })).code).toBe(0);
      const refreshed = second.requests.length;
      await stack.refresh();
      // Both images of the second account, `theirs` and its `get`, were read there with its token.
      expect(second.requests.slice(refreshed).filter((request) => request.path === `/v2/images/${theirs!.id}`)).toHaveLength(2);
      await stack.destroy();
      expect(second.audit()[0]!.status).toBe("deleted");
      expect(second.requests.every((request) => request.headers.authorization === `Bearer ${SECOND_TOKEN}`)).toBe(true);
      expect([...emulator.violations, ...second.violations]).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it("a lookup that finds nothing fails `pulumi up` with one line naming it, without a JavaScript stack", async () => {
    await fixtures.start("two-accounts");
    const { stack, emulator } = fixtures.current;
    await stack.configSet("custom-image-two-accounts:secondEndpoint", emulator.url);
    await stack.configSet("custom-image-two-accounts:secondToken", "test-token", true);
    await stack.configSet("custom-image-two-accounts:lookUpMissing", "true");

    const failed = await stack.up([], { allowFailure: true });
    const text = `${failed.stdout}${failed.stderr}`;
    expect(failed.code).not.toBe(0);
    expect(text).toContain('getImage: no image named "nowhere" in source "user"');
    expect(text).not.toMatch(/^\s+at .*\.(js|ts):\d+/m);
    expect(text).not.toContain("unhandled exception");
  });
});
