import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import { CustomImage } from "pulumi-digitalocean-custom-image";

// One image per url in `urls`, all in `regions`, with either provider (`provider`: "bridged" for
// @pulumi/digitalocean, "package" for this one): the emulator knows each url's import duration.
const config = new pulumi.Config();
const urls = config.requireObject<string[]>("urls");
const regions = config.requireObject<string[]>("regions");
const bridged = config.require("provider") === "bridged";
const images = urls.map((url, index) => {
  const args = { name: `bench-${index}`, url, regions, distribution: "Unknown", tags: ["bench"] };
  return bridged ? new digitalocean.CustomImage(`image-${index}`, args) : new CustomImage(`image-${index}`, args);
});

export const ids = images.map((image) => image.id);
