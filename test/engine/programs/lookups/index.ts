import * as pulumi from "@pulumi/pulumi";
import { CustomImage, getImageOutput, getImagesOutput } from "pulumi-digitalocean-custom-image";

// Adopts an existing image by id (`adoptId`), and looks images up by slug and by tag.
const config = new pulumi.Config();
const adoptId = config.require("adoptId");

const adopted = CustomImage.get("adopted", adoptId);
const ubuntu = getImageOutput({ slug: "ubuntu-24-04-x64" });
const tagged = getImagesOutput({ private: true, tagName: config.require("tag") });

export const adoptedName = adopted.name;
export const adoptedRegions = adopted.regions;
export const ubuntuId = ubuntu.id;
export const taggedIds = tagged.images.apply((images) => images.map((image) => image.id));
