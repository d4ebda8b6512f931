/**
 * The package's public API: the resource, its lookups, and the errors a program can catch. Every
 * name here is covered by semantic versioning; docs/api/pulumi-digitalocean-custom-image.api.md
 * records them, and `npm test` fails until a change to them is recorded there (`npm run api`; see
 * CONTRIBUTING.md's "Releases"). The DigitalOcean client the provider is built on is exported from
 * `pulumi-digitalocean-custom-image/client`, without that promise.
 */
export { CustomImage, type CustomImageArgs, type CustomImageGetArgs } from "./custom-image";
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
export type { Image, ImageField } from "./client/wire";
export {
  DigitalOceanError,
  type ErrorDetails,
  ForbiddenError,
  ImageDeletedError,
  ImageEndedError,
  ImportFailedError,
  InvalidEndpointError,
  MissingTokenError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  RedirectError,
  ServerError,
  TimeoutError,
  UnauthorizedError,
  UnexpectedResponseError,
  ValidationError,
  WaitTimeoutError,
} from "./client/errors";
