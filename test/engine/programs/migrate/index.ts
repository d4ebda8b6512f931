import * as pulumi from "@pulumi/pulumi";
import * as digitalocean from "@pulumi/digitalocean";
import { CustomImage } from "pulumi-digitalocean-custom-image";

// README.md's migration from `@pulumi/digitalocean`, one `phase` per `pulumi up`:
// "bridged": the image is a digitalocean.CustomImage;
// "both": that resource gets retainOnDelete, and a CustomImage adopts its image (id `importId`) with the import option;
// "moved": the digitalocean.CustomImage is gone from the program (and the import option with it).
const config = new pulumi.Config();
const phase = config.require("phase");
const args = {
  name: "app-image",
  url: "https://example.com/images/app.qcow2.gz",
  regions: config.getObject<string[]>("regions") ?? ["nyc3"],
  description: config.get("description") ?? "the app's image",
  tags: ["app"],
};

const bridged = phase === "moved" ? undefined : new digitalocean.CustomImage("image", args, { retainOnDelete: phase === "both" });
const adopted =
  phase === "bridged" ? undefined : new CustomImage("image", args, { import: phase === "both" ? config.require("importId") : undefined });
const imageId = (bridged ?? adopted)!.id;

// Stands in for a droplet (the emulator has no droplets): its name holds the image id, so a new id replaces it.
new digitalocean.Tag("uses-image", { name: pulumi.interpolate`uses-image-${imageId}` });

export const id = imageId;
