export * from "./client";
export { CustomImage, type CustomImageArgs } from "./custom-image";
export { getImage, getImageOutput, type GetImageArgs, type GetImageOutputArgs, type ImageSource } from "./get-image";
export {
  getImages,
  getImagesOutput,
  type GetImagesArgs,
  type GetImagesOutputArgs,
  type GetImagesResult,
  type ImageFilter,
  type ImageSort,
} from "./get-images";
export type { CustomImageInputs, CustomImageOutputs } from "./provider/types";
