/**
 * Adoption of an existing image through the `import` resource option.
 *
 * Pulumi's engine imports a resource by calling the provider's Read with the id and nothing else
 * (no state, no inputs). The dynamic-provider host of @pulumi/pulumi finds the provider to call in
 * the serialized `__provider` of those properties, so it fails before any code of this package
 * runs ("code must be a string, not undefined"). CustomImage therefore takes the option's id out
 * of the resource options and passes it as the input `IMPORT_ID`; the engine then creates the
 * resource as usual, and `create` adopts the image with that id instead of importing one: it
 * reads the image and updates in place what differs from the program (name, description,
 * distribution, tags, missing regions), as the engine does after an import, and never sends an
 * import request.
 */
import { NotFoundError } from "../client/errors";
import type { Image } from "../client/wire";
import { type Runtime, converge, label } from "./lifecycle";
import { LIST_IMAGES } from "./import-option";
import { type CustomImageInputs, type CustomImageOutputs, IMPORT_ID } from "./types";

/** `create` for inputs carrying `IMPORT_ID`: adopts that image and brings it to the inputs. */
export async function adopt(
  runtime: Runtime,
  inputs: CustomImageInputs & { [IMPORT_ID]?: unknown },
): Promise<{ id: string; outs: CustomImageOutputs }> {
  const id = Number(inputs[IMPORT_ID]);
  const missing = (reason: string) =>
    new NotFoundError({}, `The import option names image ${id}, which ${reason}; nothing was adopted. Check the id: ${LIST_IMAGES}.`);
  let image: Image;
  try {
    image = await runtime.client.images.get(id);
  } catch (error) {
    if (error instanceof NotFoundError) throw missing("DigitalOcean does not have");
    throw error;
  }
  if (image.status === "deleted") throw missing("DigitalOcean reports as deleted");
  // Deleting the resource deletes the image: only the account's own custom images may be adopted.
  if (image.public || image.type !== "custom") {
    throw missing(`is a${image.public ? " public" : ""} ${image.type} image, not one of the account's custom images`);
  }
  runtime.log.info(
    `Adopting ${label(image, id)} (the import option): no import is started; what differs from the program is updated in place`,
  );
  const outs = await converge(runtime, inputs, image, {
    history: "existing",
    recorded: false,
    importRegion: image.regions[0] ?? inputs.regions[0]!,
  });
  return { id: String(image.id), outs };
}
