import { currentSubject, naming, withSubject } from "../../src/client/log-subject";
import { ImageWaiter } from "../../src/client/image-waiter";
import { clientFor, withEmulator } from "../helpers/emulator-fixture";

/**
 * The client and the waiter are shared by every image of a deployment, and Pulumi shows the
 * provider's messages under the stack: each message about a request names the image whose work
 * sent it (the subject), also when got logs a retry from its own hooks, outside that work.
 */

const importRequest = (name: string) => ({ name, url: `https://images.example.com/${name}.qcow2.gz`, region: "nyc3" });
const MINUTE = 60_000;

describe("naming", () => {
  test.each([
    [
      "a message without its subject starts with it",
      'image "web" (7)',
      "retrying GET /v2/images/7",
      'image "web" (7): retrying GET /v2/images/7',
    ],
    [
      "a message naming the image and its id is kept",
      'image "web" (7)',
      'Importing image "web" (7): pending',
      'Importing image "web" (7): pending',
    ],
    ["a message naming the image without its id is kept", 'image "web" (7)', 'Adopting image "web" (…)', 'Adopting image "web" (…)'],
    ["a message about another image gets the subject", 'image "web" (7)', 'image "db" is ready', 'image "web" (7): image "db" is ready'],
    ["a message with no subject is kept", undefined, "retrying GET /v2/images/7", "retrying GET /v2/images/7"],
  ])("%s", (_title, subject, message, expected) => {
    expect(naming(message, subject)).toBe(expected);
  });

  test("the subject is the innermost one of the work under way, awaited work included", async () => {
    const seen: (string | undefined)[] = [];
    await withSubject("outer", async () => {
      await Promise.resolve();
      seen.push(currentSubject());
      await withSubject("inner", async () => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        seen.push(currentSubject());
      });
      seen.push(currentSubject());
    });
    seen.push(currentSubject());
    expect(seen).toEqual(["outer", "inner", "outer", undefined]);
  });
});

describe("the client's messages name the image whose work sent the request", () => {
  test("retries of requests sent at once for two images each name their own image", () =>
    withEmulator({}, async (emulator) => {
      const { client, logs } = clientFor(emulator, { retry: { baseDelayMs: 1 } });
      const images = await Promise.all(["web", "db"].map((name) => client.images.createCustom(importRequest(name))));
      for (const image of images)
        emulator.inject({ kind: "status", status: 503 }, { method: "GET", path: `/v2/images/${image.id}`, count: 2 });

      // Several rounds, so that the keep-alive sockets one image's request opened serve the other's.
      for (let round = 0; round < 3; round++) {
        await Promise.all(images.map((image) => withSubject(`image "${image.name}" (${image.id})`, () => client.images.get(image.id))));
        for (const image of images) emulator.inject({ kind: "status", status: 503 }, { method: "GET", path: `/v2/images/${image.id}` });
      }

      const retries = logs.filter((line) => line.message.includes("retrying"));
      expect(retries).toHaveLength(2 * 2 + 2 * 2);
      for (const { message } of retries) {
        const [, name, id, path] = /^image "(\w+)" \((\d+)\): retrying GET \/v2\/images\/(\d+) in \d+ms after 503/.exec(message) ?? [];
        expect({ message, name, path }).toEqual({ message, name: images.find((image) => String(image.id) === id)?.name, path: id });
      }
    }));

  test("a request held back for the token's rate limit says so about its image", () =>
    // A slow clock (a real millisecond is 50 simulated ones), so that the six requests fall in one simulated minute on a loaded machine too.
    withEmulator({ rateLimit: { perMinute: 5, perHour: 5000 }, timeFactor: 0.02 }, async (emulator) => {
      const { client, logs } = clientFor(emulator, { rateBudget: { perMinute: 5, reserve: 0 } });
      await withSubject('image "web" (7)', async () => {
        for (let index = 0; index < 6; index++) await client.images.get("ubuntu-24-04-x64");
      });
      expect(logs.filter((line) => line.message.includes("for the token's rate limit"))).toEqual([
        {
          level: "warn",
          message: expect.stringMatching(/^image "web" \(7\): GET \/v2\/images\/ubuntu-24-04-x64 waited \d+ms for the token's rate limit/),
        },
      ]);
    }));

  test("a check the waiter shares between images names them all, and each wait's progress is reported as about its own image", () =>
    // Imports of 3 simulated minutes, so that each wait sees `pending` before `available` on a loaded machine too.
    withEmulator({ importDurationMs: 3 * MINUTE }, async (emulator) => {
      const { client, logs } = clientFor(emulator, { retry: { baseDelayMs: 1 } });
      const waiter = new ImageWaiter(client);
      const images = await Promise.all(["web", "db"].map((name) => client.images.createCustom(importRequest(name))));
      const subjects = images.map((image) => `image "${image.name}" (${image.id})`);
      emulator.inject({ kind: "status", status: 503 }, { method: "GET", path: "/v2/images" });
      const progress: [string | undefined, string][] = [];

      await Promise.all(
        images.map((image, index) =>
          withSubject(subjects[index], () =>
            waiter.waitForImage(image.id, {
              timeoutMs: 10 * MINUTE,
              onProgress: () => progress.push([currentSubject(), subjects[index]!]),
            }),
          ),
        ),
      );

      expect(logs.filter((line) => line.message.includes("retrying"))).toEqual([
        {
          level: "warn",
          message: expect.stringMatching(new RegExp(`^${subjects.join(", ").replace(/[()]/g, "\\$&")}: retrying GET /v2/images\\?`)),
        },
      ]);
      expect(progress.length).toBeGreaterThan(0);
      for (const [current, own] of progress) expect(current).toBe(own);
    }));
});
