/**
 * An error answer of the emulated API, in DigitalOcean's shape `{ id, message, request_id }`
 * (https://docs.digitalocean.com/reference/api/digitalocean/#section/Introduction/HTTP-Statuses).
 * Operations throw it; the server turns it into the response.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  // The real API's wording, which differs from the spec's example ("you requested").
  static notFound(): ApiError {
    return new ApiError(404, "not_found", "The resource you were accessing could not be found.");
  }

  static unprocessable(message: string): ApiError {
    return new ApiError(422, "unprocessable_entity", message);
  }

  static badRequest(message: string): ApiError {
    return new ApiError(400, "bad_request", message);
  }
}
