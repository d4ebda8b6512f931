import { withHostAndEmulator } from "./host-fixture";

/**
 * The dynamic-provider host logs without a resource, so Pulumi shows every message of the provider
 * under the stack: each one about an image must name it, the shared client's retries and
 * rate-limit waits included (issue #25, §4).
 */

/** The provider's messages among the host's output (the SDK prefixes them with `[runtime]`). */
const providerMessages = (logs: readonly string[]) => logs.filter((line) => /^(info|warning): \[runtime\] /.test(line));

describe("messages about an image name it", () => {
  test("two images created and deleted at once, with retries on the way: every message names its image, and a retry the image its request is about", () =>
    withHostAndEmulator({}, async (fixture) => {
      fixture.emulator.inject({ kind: "status", status: 503 }, { method: "GET", path: "/v2/images", count: 2 });
      fixture.emulator.inject({ kind: "status", status: 429, headers: { "retry-after": "1" } }, { method: "GET", path: "/v2/images" });
      const deployed = await Promise.all(
        ["web", "db"].map((name) =>
          fixture.create({ name, url: `https://example.com/images/${name}.qcow2.gz`, regions: ["nyc3", "ams3"] }),
        ),
      );
      fixture.emulator.inject({ kind: "status", status: 500 }, { method: "DELETE", count: 4 });
      await Promise.all(deployed.map((image) => fixture.destroy(image)));

      const messages = providerMessages(fixture.host.logs);
      const names = new Map(deployed.map((image) => [image.id, image.outputs.name as string]));
      expect(messages.filter((line) => !/image "(web|db)"/.test(line))).toEqual([]);
      const retries = messages.filter((line) => line.includes("retrying"));
      expect(retries.filter((line) => line.includes("GET /v2/images?"))).toHaveLength(3);
      const deletes = retries.filter((line) => line.includes("DELETE"));
      expect(deletes).toHaveLength(4);
      for (const line of deletes) {
        const [, name, id, pathId] = /\[runtime\] image "(\w+)" \((\d+)\): retrying DELETE \/v2\/images\/(\d+) /.exec(line) ?? [];
        expect({ line, name, pathId }).toEqual({ line, name: names.get(id!), pathId: id });
      }
    }));
});
