import { getImage } from "../../src/get-image";
import { IMAGE_FIELDS, type ImageField, imageFromWire } from "../../src/client/wire";
import { type ImageFilter, getImages } from "../../src/get-images";
import { clientFor, withEmulator } from "../helpers/emulator-fixture";

const importRequest = (name: string, tags: string[] = []) => ({
  name,
  url: `https://images.example.com/${name}.img`,
  region: "nyc3",
  distribution: "Debian",
  tags,
});

describe("getImage", () => {
  test("finds an image by id, by slug, and by name in the account's own images", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const web = await client.images.createCustom(importRequest("web"));
      expect((await getImage({ id: web.id }, client)).name).toBe("web");
      expect((await getImage({ name: "web" }, client)).id).toBe(web.id);
      const [distribution] = await client.images.list({ type: "distribution" });
      expect((await getImage({ slug: distribution!.slug! }, client)).id).toBe(distribution!.id);
      expect((await getImage({ name: distribution!.name, source: "distributions" }, client)).id).toBe(distribution!.id);
      expect((await getImage({ name: distribution!.name, source: "all" }, client)).id).toBe(distribution!.id);
    }));

  test("fails clearly when a name matches no image or several", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const first = await client.images.createCustom(importRequest("twin"));
      const second = await client.images.createCustom(importRequest("twin"));
      await expect(getImage({ name: "nothing" }, client)).rejects.toThrow('getImage: no image named "nothing" in source "user"');
      await expect(getImage({ name: "twin" }, client)).rejects.toThrow(
        `getImage: 2 images named "twin" in source "user" (ids ${first.id}, ${second.id}); look it up by id instead`,
      );
    }));

  test("wants exactly one of id, slug or name, before any request", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      await expect(getImage({}, client)).rejects.toThrow("give exactly one of id, slug or name (got none)");
      await expect(getImage({ id: 1, name: "x" }, client)).rejects.toThrow("(got id, name)");
      expect(emulator.requests).toHaveLength(0);
    }));
});

describe("getImages", () => {
  test("passes the API's filters and pages through everything", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      for (let index = 0; index < 5; index++) await client.images.createCustom(importRequest(`img-${index}`, index % 2 ? ["odd"] : []));
      expect((await getImages({ private: true }, client)).images).toHaveLength(5);
      expect((await getImages({ tagName: "odd" }, client)).images.map((image) => image.name)).toEqual(["img-1", "img-3"]);
      expect(emulator.requests.at(-1)!.query).toMatchObject({ tag_name: "odd" });
    }));

  test("filters and sorts on any image field, client-side", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      for (const name of ["web-b", "web-a", "db"])
        await client.images.createCustom(importRequest(name, name.startsWith("web") ? ["web"] : []));
      const { images } = await getImages(
        {
          private: true,
          filters: [
            { key: "name", values: ["^web-"], match: "re" },
            { key: "tags", values: ["web"] },
          ],
          sorts: [{ key: "name", direction: "desc" }],
        },
        client,
      );
      expect(images.map((image) => image.name)).toEqual(["web-b", "web-a"]);
      const substring = await getImages({ private: true, filters: [{ key: "name", values: ["-a", "db"], match: "substring" }] }, client);
      expect(substring.images.map((image) => image.name).sort()).toEqual(["db", "web-a"]);
    }));

  test("names the valid fields when a filter key is unknown", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      await client.images.createCustom(importRequest("web"));
      await expect(getImages({ private: true, filters: [{ key: "colour" as ImageField, values: ["red"] }] }, client)).rejects.toThrow(
        /filters\[0\]: unknown key "colour"; image fields are id, name/,
      );
    }));

  test.each(["__proto__", "constructor", "toString", "hasOwnProperty"])(
    "takes %s for an unknown key, not an inherited property, in a filter and in a sort",
    (key) =>
      withEmulator({}, async (emulator) => {
        const { client } = clientFor(emulator);
        await client.images.createCustom(importRequest("web"));
        await client.images.createCustom(importRequest("db"));
        await expect(
          getImages({ private: true, filters: [{ key: key as ImageField, values: ["[object Object]"] }] }, client),
        ).rejects.toThrow(`getImages: filters[0]: unknown key "${key}"`);
        await expect(getImages({ private: true, sorts: [{ key: "name" }, { key: key as ImageField }] }, client)).rejects.toThrow(
          `getImages: sorts[1]: unknown key "${key}"`,
        );
      }),
  );

  test("rejects an unknown filter or sort key before any request, naming it and the image fields, also where no image would be read", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const fields = IMAGE_FIELDS.join(", ");
      await expect(getImages({ tagName: "none", filters: [{ key: "colour" as ImageField, values: ["red"] }] }, client)).rejects.toThrow(
        `getImages: filters[0]: unknown key "colour"; image fields are ${fields}`,
      );
      await expect(getImages({ filters: [{ values: ["red"] } as unknown as ImageFilter] }, client)).rejects.toThrow(
        `getImages: filters[0]: key must be the name of an image field; image fields are ${fields}`,
      );
      await expect(getImages({ sorts: [{ key: "size" as ImageField }] }, client)).rejects.toThrow(
        `getImages: sorts[0]: unknown key "size"; image fields are ${fields}`,
      );
      await expect(getImages({ sorts: [{ key: "name", direction: "up" as "asc" }] }, client)).rejects.toThrow(
        'getImages: sorts[0].direction must be one of asc, desc, got "up"',
      );
      expect(emulator.requests).toEqual([]);
    }));

  test("IMAGE_FIELDS names every field of an image read from DigitalOcean", () => {
    expect([...IMAGE_FIELDS].sort()).toEqual(Object.keys(imageFromWire({ id: 1 })).sort());
  });

  test("runs a pattern that backtracks catastrophically in a RegExp, ^(a+)+$, in linear time", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      await client.images.createCustom(importRequest(`${"a".repeat(254)}b`));
      await client.images.createCustom(importRequest("a".repeat(255)));
      const started = performance.now();
      const { images } = await getImages({ private: true, filters: [{ key: "name", values: ["^(a+)+$"], match: "re" }] }, client);
      expect(images.map((image) => image.name)).toEqual(["a".repeat(255)]);
      expect(performance.now() - started).toBeLessThan(2_000);
    }));

  test.each([
    ["(a", "missing closing )"],
    ["(?=web)", "invalid or unsupported Perl syntax"],
    ["(web)\\1", "invalid escape sequence"],
  ])("rejects the pattern %s, which RE2 cannot run, before any request", (pattern, reason) =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const attempt = getImages({ filters: [{ key: "name", values: ["ok", pattern], match: "re" }] }, client);
      await expect(attempt).rejects.toThrow(
        "getImages: filters[0].values[1] is not an RE2 regular expression (no backreferences or lookaround): ",
      );
      await expect(attempt).rejects.toThrow(reason);
      expect(emulator.requests).toEqual([]);
    }),
  );

  test("rejects a filter whose match is not exact, substring or re, before any request", () =>
    withEmulator({}, async (emulator) => {
      const { client } = clientFor(emulator);
      const filter = { key: "name", values: ["x"], match: "glob" } as unknown as ImageFilter;
      await expect(getImages({ filters: [filter] }, client)).rejects.toThrow(
        'getImages: filters[0].match must be one of exact, substring, re, got "glob"',
      );
      expect(emulator.requests).toEqual([]);
    }));
});
