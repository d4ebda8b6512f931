import * as pulumi from "@pulumi/pulumi";
import { getImageOutput } from "../../src/get-image";
import { getImagesOutput } from "../../src/get-images";
import { type Emulator, startEmulator } from "pulumi-digitalocean-custom-image-emulator";
import { clientFor, FAST } from "../helpers/emulator-fixture";

// One emulator for the file: the lookups' client is built once per process, from the first config.
let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ timeFactor: FAST });
  pulumi.runtime.setAllConfig({ "digitalocean:token": "test-token", "digitalocean:apiEndpoint": emulator.url });
});
afterAll(async () => {
  expect(emulator.violations).toEqual([]);
  await emulator.close();
});

/** The SDK's own promises of an Output (internal to it: `isKnown`, `isSecret`, `allResources`, `promise`). */
interface OutputInternals<T> {
  isKnown: Promise<boolean>;
  isSecret: Promise<boolean>;
  allResources?: () => Promise<unknown>;
  promise(): Promise<T>;
}

/** The value an Output settles to, or its error, and whether it is known (not during a preview that creates its dependency). */
async function settled<T>(output: pulumi.Output<T>): Promise<{ value?: T; error?: unknown; known: boolean }> {
  const internals = output as unknown as OutputInternals<T>;
  // A failed Output's other promises reject with its error too (what Pulumi's run reports).
  void internals.isSecret.catch(() => undefined);
  void internals.allResources?.().catch(() => undefined);
  const known = await internals.isKnown.catch(() => true);
  return internals.promise().then(
    (value) => ({ value, known }),
    (error: unknown) => ({ error, known }),
  );
}

/** A custom resource whose registration the mocks answer by running `create`. */
class Dependency extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Dependency", name, {});
  }
}

describe("lookups' invoke options and errors", () => {
  let create: () => Promise<string | undefined> = () => Promise.resolve("1");
  beforeEach(() =>
    pulumi.runtime.setMocks(
      {
        newResource: async (args) => ({ id: await create(), state: args.inputs }),
        call: () => ({}),
      },
      "project",
      "stack",
      false,
    ),
  );

  test("dependsOn runs the lookup once the resource it names exists (the image that resource's creation imported is found)", () =>
    (async () => {
      const { client } = clientFor(emulator);
      let imported = 0;
      create = async () => {
        // Another resource's creation takes a while, then leaves the image the program looks up.
        await emulator.clock.sleep(5_000);
        imported = (await client.images.createCustom({ name: "built", url: "https://images.example.com/built.img", region: "nyc3" })).id;
        return String(imported);
      };
      const dependency = new Dependency("builder");

      const image = await settled(getImageOutput({ name: "built" }, { dependsOn: dependency }));
      const images = await settled(getImagesOutput({ private: true }, { dependsOn: [dependency] }));

      expect(image.error).toBeUndefined();
      expect(image.value?.id).toBe(imported);
      expect(images.value?.images.map((one) => one.id)).toEqual([imported]);
    })());

  test("a failed lookup is one line naming it, a RunError (Pulumi prints its message without a stack)", () =>
    (async () => {
      const missing = await settled(getImageOutput({ name: "nowhere" }));
      const gone = await settled(getImageOutput({ id: 999 }));
      // A JavaScript program is not held to the key's type.
      const badFilter = await settled(getImagesOutput({ filters: [{ key: "colour" as "name", values: ["red"] }] }));

      for (const { error } of [missing, gone, badFilter]) {
        expect(pulumi.RunError.isInstance(error)).toBe(true);
        expect((error as Error).message).not.toContain("\n");
      }
      expect((missing.error as Error).message).toBe('getImage: no image named "nowhere" in source "user"');
      expect((gone.error as Error).message).toMatch(/^getImage: .*404/);
      expect((badFilter.error as Error).message).toMatch(/^getImages: /);
    })());
});

describe("lookups in a second account", () => {
  test("read that account's images with the token and apiEndpoint they are given (a secret that does not make the image found secret), and the stack's without them", async () => {
    const second = await startEmulator({ timeFactor: FAST, tokens: ["second-token"] });
    try {
      const theirs = await clientFor(second, { token: "second-token" }).client.images.createCustom({
        name: "theirs",
        url: "https://images.example.com/theirs.img",
        region: "nyc3",
      });
      const account = { token: pulumi.secret("second-token"), apiEndpoint: second.url };

      const found = await settled(getImageOutput({ name: "theirs", ...account }));
      const listed = await settled(getImagesOutput({ private: true, ...account }));
      const stacks = await settled(getImageOutput({ name: "theirs" }));

      expect(found.value?.id).toBe(theirs.id);
      expect(listed.value?.images.map((image) => image.id)).toEqual([theirs.id]);
      expect((stacks.error as Error).message).toBe('getImage: no image named "theirs" in source "user"');
      expect(second.requests.every((request) => request.headers.authorization === "Bearer second-token")).toBe(true);
      expect(await getImageOutput({ name: "theirs", ...account }).isSecret).toBe(false);
    } finally {
      await second.close();
    }
  });

  test("refuse an apiEndpoint without a token before any request", async () => {
    const before = emulator.requests.length;
    const { error } = await settled(getImagesOutput({ apiEndpoint: "https://proxy.example.com" }));
    expect((error as Error).message).toMatch(/^getImages: apiEndpoint is given without token/);
    expect(emulator.requests.length).toBe(before);
  });
});

describe("lookups depending on a resource a preview would create", () => {
  beforeEach(() =>
    pulumi.runtime.setMocks({ newResource: (args) => ({ id: undefined, state: args.inputs }), call: () => ({}) }, "project", "stack", true),
  );

  test("are unknown, and send no request", () =>
    (async () => {
      const dependency = new Dependency("builder");

      const before = emulator.requests.length;
      const image = getImageOutput({ name: "built" }, { dependsOn: dependency });
      expect((await settled(image)).known).toBe(false);
      await emulator.clock.sleep(1_000);
      expect(emulator.requests.length).toBe(before);
    })());
});
