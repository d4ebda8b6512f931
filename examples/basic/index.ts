import * as pulumi from "@pulumi/pulumi";
import { CustomImage } from "pulumi-digitalocean-custom-image";

// `pulumi config set imageUrl ...` / `pulumi config set description ...` change the image between runs:
// a new url replaces it, a new description updates it in place.
const config = new pulumi.Config();

const image = new CustomImage("basic", {
  url: config.get("imageUrl") ?? "https://example.com/images/flatcar.qcow2.gz",
  regions: ["nyc3"],
  distribution: "Unknown",
  description: config.get("description") ?? "Flatcar Container Linux, imported by Pulumi",
  tags: ["pulumi", "custom-image-basic"],
});

export const imageId = image.imageId;
export const status = image.status;
export const regions = image.regions;
