import { NotFoundError, WaitTimeoutError, retold } from "../../src/client/errors";

describe("an error told in other words", () => {
  const notFound = () =>
    new NotFoundError({
      method: "GET",
      path: "/v2/images/42",
      status: 404,
      apiCode: "not_found",
      apiMessage: "The resource you were accessing could not be found.",
      requestId: "r-1",
    });

  test("is a new error of the same class, code and fields, with the original as its cause, which stays as it was", () => {
    const original = notFound();
    const told = retold(original, `updating image "web" (42): ${original.message}`);
    expect(told).not.toBe(original);
    expect(told).toBeInstanceOf(NotFoundError);
    expect(told).toMatchObject({
      name: "NotFoundError",
      code: "not_found",
      method: "GET",
      path: "/v2/images/42",
      status: 404,
      requestId: "r-1",
    });
    expect(told.message).toBe(
      'updating image "web" (42): DigitalOcean API GET /v2/images/42 failed: 404 not_found: The resource you were accessing could not be found. (request id r-1)',
    );
    expect(told.cause).toBe(original);
    expect(original.message).toBe(notFound().message);
  });

  test("keeps the fields of a class whose constructor takes other arguments (a wait's image id)", () => {
    const original = new WaitTimeoutError("the import of image 42 to become available", 42, 60 * 60_000, "pending");
    const told = retold(original, `${original.message}. Pulumi has recorded the image; run \`pulumi up\` again to resume.`);
    expect(told).toBeInstanceOf(WaitTimeoutError);
    expect(told).toMatchObject({ code: "wait_timeout", imageId: 42, cause: original });
  });

  test("restate names the step the user asked for in place of the request, in a new error", () => {
    const original = notFound();
    const restated = original.restate('importing image "web"');
    expect(restated.message).toBe(
      'importing image "web" failed: 404 not_found: The resource you were accessing could not be found. (request id r-1)',
    );
    expect(restated).toMatchObject({ code: "not_found", method: "GET", path: "/v2/images/42", cause: original });
    expect(original.message).toBe(notFound().message);
  });
});
