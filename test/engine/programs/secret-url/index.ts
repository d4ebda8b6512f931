import * as pulumi from "@pulumi/pulumi";
import { CustomImage } from "pulumi-digitalocean-custom-image";

// As the README advises for a presigned url: `pulumi config set --secret imageUrl "https://...?X-Amz-Signature=..."`.
const config = new pulumi.Config();
const image = new CustomImage("presigned", {
  url: config.requireSecret("imageUrl"),
  regions: ["nyc3"],
});

export const imageId = image.imageId;
export const url = image.url;
