import * as pulumi from "@pulumi/pulumi";
import { CustomImage, getImageOutput } from "pulumi-digitalocean-custom-image";

// One image in the stack's account, one in a second account (`secondToken`, `secondEndpoint`),
// found again by a lookup in that account once it exists and read by `CustomImage.get` with that
// account's credentials. `lookUpMissing` adds a lookup that fails.
const config = new pulumi.Config();
const second = { token: config.requireSecret("secondToken"), apiEndpoint: config.require("secondEndpoint") };

const ours = new CustomImage("ours", { url: "https://example.com/images/ours.qcow2.gz", regions: ["nyc3"] });
const theirs = new CustomImage("theirs", { url: "https://example.com/images/theirs.qcow2.gz", regions: ["ams3"], ...second });
const found = getImageOutput({ name: "theirs", ...second }, { dependsOn: theirs });
const read = CustomImage.get("theirs-read", theirs.id, second);

export const oursId = ours.imageId;
export const theirsId = theirs.imageId;
export const foundId = found.id;
export const readRegions = read.regions;
export const missing = config.getBoolean("lookUpMissing") ? getImageOutput({ name: "nowhere" }).id : undefined;
