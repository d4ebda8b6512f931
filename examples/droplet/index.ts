import * as digitalocean from "@pulumi/digitalocean";
import * as pulumi from "@pulumi/pulumi";
import { CustomImage } from "pulumi-digitalocean-custom-image";

const config = new pulumi.Config();
const region = config.get("region") ?? "nyc3";

const image = new CustomImage("droplet-image", {
  // Read as a secret: a presigned url's signature is then encrypted in the state.
  url: config.requireSecret("imageUrl"),
  regions: [region],
  distribution: "Debian",
  description: "Application image for the web droplet",
  tags: ["web"],
});

// A droplet's `image` takes a slug or an image id as a string: the resource's `id`. A replaced
// image (new url) gets a new id, so Pulumi replaces the droplet after it; an in-place change
// (description, tags) keeps the id, known in the preview, so the droplet shows no change.
const droplet = new digitalocean.Droplet("web", {
  image: image.id,
  region,
  size: config.get("size") ?? "s-1vcpu-1gb",
  tags: ["web"],
});

export const imageId = image.imageId;
export const dropletId = droplet.id;
export const ipv4Address = droplet.ipv4Address;
