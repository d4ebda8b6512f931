import * as pulumi from "@pulumi/pulumi";
import { CustomImage } from "pulumi-digitalocean-custom-image";

// Every input and resource option of `count` images comes from the stack config, so that a test
// changes one thing with `pulumi config set` and runs `pulumi up`.
const config = new pulumi.Config();
const count = config.getNumber("count") ?? 1;
const resourceName = config.get("resourceName") ?? "image";
const aliasOf = config.get("aliasOf");
const replaceOnChanges = config.getObject<string[]>("replaceOnChanges");
const importId = config.get("importId");

const images = Array.from({ length: count }, (_, index) => {
  const name = count === 1 ? resourceName : `${resourceName}-${index}`;
  return new CustomImage(
    name,
    {
      name: config.get("imageName"),
      url: `${config.get("imageUrl") ?? "https://example.com/images/options.qcow2.gz"}${count === 1 ? "" : `?copy=${index}`}`,
      regions: config.getObject<string[]>("regions") ?? ["nyc3"],
      description: config.get("description") ?? "resource options",
      tags: config.getObject<string[]>("tags") ?? ["options"],
    },
    {
      protect: config.getBoolean("protect"),
      retainOnDelete: config.getBoolean("retainOnDelete"),
      deleteBeforeReplace: config.getBoolean("deleteBeforeReplace"),
      ignoreChanges: config.getBoolean("ignoreDescription") ? ["description"] : undefined,
      ...(replaceOnChanges ? { replaceOnChanges } : {}),
      ...(importId ? { import: importId } : {}),
      ...(aliasOf ? { aliases: [{ name: count === 1 ? aliasOf : `${aliasOf}-${index}` }] } : {}),
    },
  );
});

export const imageIds = images.map((image) => image.imageId);
