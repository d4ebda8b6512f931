import * as pulumi from "@pulumi/pulumi";
import { getImageOutput } from "../../src/get-image";
import { getImagesOutput } from "../../src/get-images";
import { clientFor, withEmulator } from "../helpers/emulator-fixture";

const resolved = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));

describe("lookups in a Pulumi program", () => {
  afterEach(() => pulumi.runtime.setAllConfig({}));

  test("take Output arguments and read the token and endpoint from the stack config", () =>
    withEmulator({ tokens: ["config-token"] }, async (emulator) => {
      pulumi.runtime.setAllConfig({ "digitalocean:token": "config-token", "digitalocean:apiEndpoint": emulator.url }, [
        "digitalocean:token",
      ]);
      const { client } = clientFor(emulator, { token: "config-token" });
      const web = await client.images.createCustom({ name: "web", url: "https://images.example.com/web.img", region: "nyc3" });
      const image = await resolved(getImageOutput({ name: pulumi.output("web") }));
      expect(image.id).toBe(web.id);
      const { images } = await resolved(getImagesOutput({ private: pulumi.output(true) }));
      expect(images.map((listed) => listed.id)).toEqual([web.id]);
      expect(emulator.requests.every((request) => request.headers.authorization === "Bearer config-token")).toBe(true);
    }));
});
