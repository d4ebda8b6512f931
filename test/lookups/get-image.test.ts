import { getImage } from "../../src/get-image";
import { getImages } from "../../src/get-images";
import { clientFor, withEmulator } from "../helpers/emulator-fixture";

const importRequest = (name: string, tags: string[] = []) => ({ name, url: `https://images.example.com/${name}.img`, region: "nyc3", distribution: "Debian", tags });

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
      await expect(getImage({ name: "twin" }, client)).rejects.toThrow(`getImage: 2 images named "twin" in source "user" (ids ${first.id}, ${second.id}); look it up by id instead`);
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
      for (const name of ["web-b", "web-a", "db"]) await client.images.createCustom(importRequest(name, name.startsWith("web") ? ["web"] : []));
      const { images } = await getImages(
        { private: true, filters: [{ key: "name", values: ["^web-"], match: "re" }, { key: "tags", values: ["web"] }], sorts: [{ key: "name", direction: "desc" }] },
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
      await expect(getImages({ private: true, filters: [{ key: "colour", values: ["red"] }] }, client)).rejects.toThrow(/unknown filter key "colour"; image fields are id, name/);
    }));
});
