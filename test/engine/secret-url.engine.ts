import { accountProblems, customImages, describeEngine, engineFixtures, imageSteps, ops } from "../../tools/engine/engine-suite";
import type { StackExport } from "../../tools/engine/engine-stack";

const PROJECT = "custom-image-secret-url";
/** Two presigned urls of two different objects: a change between them replaces the image. */
const SIGNATURES = [
  "5c4b1d0e2f3a49687a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f",
  "e1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e",
];
const presigned = (object: string, signature: string) =>
  `https://images.s3.us-east-1.amazonaws.com/${object}?X-Amz-Algorithm=AWS4-HMAC-SHA256` +
  `&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261206%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261206T050000Z` +
  `&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${signature}`;
/** The key a secret value carries in a state file (`resource.SecretSig`). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Where in a `stack export --show-secrets` a string holds `needle`, each secret's plaintext named `…(secret)`. */
function placesOf(value: unknown, needle: string, path = ""): string[] {
  if (typeof value === "string") return value.includes(needle) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => placesOf(item, needle, `${path}[${index}]`));
  if (value === null || typeof value !== "object") return [];
  const record = value as Record<string, unknown>;
  if (SECRET_SIG in record) return placesOf(record.plaintext, needle, "").map((inner) => `${path}(secret)${inner}`);
  return Object.entries(record).flatMap(([key, item]) => placesOf(item, needle, `${path}.${key}`));
}

/** As `placesOf`, with each resource named by its URN's last part instead of its index. */
function statePlaces(state: StackExport, needle: string): string[] {
  return (state.deployment.resources ?? []).flatMap((resource) =>
    placesOf({ inputs: resource.inputs, outputs: resource.outputs }, needle).map((place) => `${resource.urn.split("::").at(-1)}${place}`),
  );
}

describeEngine("a presigned url passed as a secret, through the real CLI", () => {
  const fixtures = engineFixtures();

  it("preview --diff, up, refresh --diff and a replacement print no signature; the decrypted state holds it only in secrets", async () => {
    await fixtures.start("secret-url");
    const { stack, emulator } = fixtures.current;
    await stack.configSet(`${PROJECT}:imageUrl`, presigned("flatcar.qcow2.gz", SIGNATURES[0]!), true);

    const preview = await stack.preview(["--diff"]);
    expect(preview.stdout).toMatch(/url\s*: \[secret\]/);
    await stack.up();
    const firstId = Number(customImages(await stack.exportState())[0]?.id);
    expect(emulator.getImage(firstId)?.status).toBe("available");
    await stack.refresh(["--diff"]);
    expect((await stack.preview(["--diff", "--expect-no-changes"], { allowFailure: true })).code).toBe(0);

    await stack.configSet(`${PROJECT}:imageUrl`, presigned("flatcar-4152.qcow2.gz", SIGNATURES[1]!), true);
    // The engine replaces the image because of url, but the display shows no reason: it compares
    // the inputs with every secret already masked as "[secret]", and the two masks are equal.
    const plan = await stack.preview();
    expect(imageSteps(plan)).toEqual([
      expect.objectContaining({ op: "create-replacement", diffs: [] }),
      expect.objectContaining({ op: "replace", diffs: [] }),
      expect.objectContaining({ op: "delete-replaced", diffs: [] }),
    ]);
    expect(plan.stdout).not.toContain("[diff:");
    // What a user can read instead: `preview --json` names the reason without the value.
    const json = JSON.parse((await stack.pulumi(["preview", "--json"])).stdout) as {
      steps: { op: string; urn: string; replaceReasons?: string[] }[];
    };
    expect(json.steps.filter((step) => step.op === "replace").map((step) => step.replaceReasons)).toEqual([["url"]]);
    await stack.preview(["--diff"]);
    expect(ops(await stack.up())).toEqual(["create-replacement presigned", "replace presigned", "delete-replaced presigned"]);
    await stack.refresh(["--diff"]);

    const printed = stack.output.filter((line) => SIGNATURES.some((signature) => line.includes(signature)));
    expect(printed).toEqual([]);
    const decrypted = JSON.parse((await stack.pulumi(["stack", "export", "--show-secrets"])).stdout) as StackExport;
    expect(statePlaces(decrypted, SIGNATURES[0]!)).toEqual([]);
    expect(statePlaces(decrypted, SIGNATURES[1]!).sort()).toEqual(
      [
        // The stack output `url`, the image's input and output `url`, and the stack config the default provider records.
        `${PROJECT}-dev.outputs.url(secret)`,
        `presigned.inputs.url(secret)`,
        `presigned.outputs.url(secret)`,
        `default.inputs.${PROJECT}:imageUrl(secret)`,
        `default.outputs.${PROJECT}:imageUrl(secret)`,
      ].sort(),
    );
    expect(
      accountProblems(emulator, await stack.exportState(), {
        replacements: [{ original: firstId, replacement: Number(customImages(await stack.exportState())[0]?.id) }],
      }),
    ).toEqual([]);
    await stack.destroy();
  });
});
