import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import { CustomImage } from "pulumi-digitalocean-custom-image";

// The same image with either provider (`provider`: "bridged" for @pulumi/digitalocean, "package" for this one).
const config = new pulumi.Config();
const args = {
  name: config.get("name") ?? "side-by-side",
  url: config.get("url") ?? "https://example.com/images/side-by-side.qcow2.gz",
  regions: config.getObject<string[]>("regions") ?? ["nyc3"],
  description: config.get("description") ?? "compared",
  tags: config.getObject<string[]>("tags") ?? ["compared"],
};
const image = config.require("provider") === "bridged" ? new digitalocean.CustomImage("image", args) : new CustomImage("image", args);

export const id = image.id;
