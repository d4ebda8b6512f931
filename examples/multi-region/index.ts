import * as pulumi from "@pulumi/pulumi";
import { CustomImage } from "pulumi-digitalocean-custom-image";

// `pulumi config set --path 'extraRegions[0]' sgp1` then `pulumi up`: the image is transferred to
// sgp1 in place; removing a region later replaces the image (DigitalOcean cannot un-transfer).
const config = new pulumi.Config();
const extraRegions = config.getObject<string[]>("extraRegions") ?? [];

const image = new CustomImage("multi-region", {
  // Read as a secret: a presigned url's signature is then encrypted in the state.
  url: config.requireSecret("imageUrl"),
  // Imported into nyc3, then transferred to the others in parallel.
  regions: ["nyc3", "lon1", "fra1", ...extraRegions],
  distribution: "Ubuntu",
  description: "Golden Ubuntu 24.04 image, built by CI",
  tags: ["golden", "team:platform", "os:ubuntu"],
});

export const imageId = image.imageId;
export const regions = image.regions;
export const tags = image.tags;
