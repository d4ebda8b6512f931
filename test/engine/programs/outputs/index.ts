import * as pulumi from "@pulumi/pulumi";
import { CustomImage } from "pulumi-digitalocean-custom-image";

// An image with every optional input omitted (unless the config gives a description), the same
// image adopted by `CustomImage.get`, and a second image whose description depends on the first's
// `imageId`, as a droplet's `image` would. `missingId` adopts an image id that does not exist.
const config = new pulumi.Config();

const image = new CustomImage("image", {
  url: "https://example.com/images/outputs.qcow2.gz",
  regions: ["nyc3"],
  description: config.get("description"),
});
const adopted = CustomImage.get("adopted", image.id);
const dependent = new CustomImage("dependent", {
  url: "https://example.com/images/dependent.qcow2.gz",
  regions: ["nyc3"],
  description: pulumi.interpolate`built on image ${image.imageId}`,
});

const missingId = config.get("missingId");
if (missingId) CustomImage.get("missing", missingId);

/** What each declared output resolves to in this program: `typeof`, `null`, or `string[]` for a list of strings. */
function outputTypes(resource: CustomImage): pulumi.Output<Record<string, string>> {
  const outputs: Record<string, pulumi.Input<unknown>> = {
    url: resource.url,
    regions: resource.regions,
    name: resource.name,
    description: resource.description,
    distribution: resource.distribution,
    tags: resource.tags,
    createTimeoutMinutes: resource.createTimeoutMinutes,
    transferTimeoutMinutes: resource.transferTimeoutMinutes,
    imageId: resource.imageId,
    status: resource.status,
    errorMessage: resource.errorMessage,
    sizeGigabytes: resource.sizeGigabytes,
    minDiskSize: resource.minDiskSize,
    createdAt: resource.createdAt,
    slug: resource.slug,
    type: resource.type,
    public: resource.public,
  };
  const typeOf = (value: unknown): string =>
    value === null
      ? "null"
      : Array.isArray(value)
        ? value.every((element) => typeof element === "string")
          ? "string[]"
          : "array"
        : typeof value;
  return pulumi.all(outputs).apply((values) => Object.fromEntries(Object.entries(values).map(([key, value]) => [key, typeOf(value)])));
}

export const imageTypes = outputTypes(image);
export const adoptedTypes = outputTypes(adopted);
// Throws in the program where an output that should be a list is undefined.
export const tagCount = image.tags.apply((tags) => tags.length);
export const imageId = image.imageId;
export const dependentDescription = dependent.description;
