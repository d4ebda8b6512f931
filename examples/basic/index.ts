import * as pulumi from "@pulumi/pulumi";
import { CustomImage } from "pulumi-digitalocean-custom-image";

// `pulumi config set --secret imageUrl ...` / `pulumi config set description ...` change the image
// between runs: a new url replaces it, a new description updates it in place.
const config = new pulumi.Config();

const image = new CustomImage("basic", {
  // Read as a secret: a presigned url's signature is then encrypted in the state.
  url: config.requireSecret("imageUrl"),
  regions: ["nyc3"],
  distribution: "Unknown",
  description: config.get("description") ?? "Flatcar Container Linux, imported by Pulumi",
  tags: ["pulumi", "custom-image-basic"],
});

export const imageId = image.imageId;
export const status = image.status;
export const regions = image.regions;
