import type { SpecIssue } from "../src/spec-validator";
import { actionTypeError, isToleratedResponseIssue, tolerate } from "../src/tolerances";

const enumIssue = (where: string): SpecIssue => ({ where, keyword: "enum", text: `${where} must be equal to one of the allowed values` });

describe("tolerate", () => {
  test.each([
    [
      "a distribution outside the enum on import: a deviation",
      "images_create_custom",
      enumIssue("body.distribution"),
      { distribution: "talos" },
      "deviation",
    ],
    [
      "a distribution outside the enum on update: a deviation",
      "images_update",
      enumIssue("body.distribution"),
      { distribution: "Windows" },
      "deviation",
    ],
    ["a region opened after the enum: accepted", "images_create_custom", enumIssue("body.region"), { region: "atl1" }, "accepted"],
    ["a region that does not exist: an error", "images_create_custom", enumIssue("body.region"), { region: "xyz9" }, "error"],
    [
      "a distribution on an operation without the rule: an error",
      "tags_create",
      enumIssue("body.distribution"),
      { distribution: "talos" },
      "error",
    ],
    [
      "another keyword on the same field: an error",
      "images_create_custom",
      { where: "body.distribution", keyword: "type", text: "body.distribution must be string" },
      { distribution: 1 },
      "error",
    ],
  ])("%s", (_case, operationId, issue, body, outcome) => {
    const { errors, deviations } = tolerate(operationId, [issue], body);
    expect({ errors: errors.length, deviations: deviations.length }).toEqual({
      errors: outcome === "error" ? 1 : 0,
      deviations: outcome === "deviation" ? 1 : 0,
    });
  });
});

describe("isToleratedResponseIssue", () => {
  test.each([
    ["Unknown OS in the 202 of an import", enumIssue("image.distribution"), { image: { distribution: "Unknown OS" } }, true],
    ["another distribution outside the enum", enumIssue("image.distribution"), { image: { distribution: "Talos" } }, false],
    ["atl1 among an image's regions", enumIssue("images.0.regions.1"), { images: [{ regions: ["nyc3", "atl1"] }] }, true],
    ["a region that does not exist", enumIssue("image.regions.0"), { image: { regions: ["xyz9"] } }, false],
  ])("%s: %s", (_case, issue, body, tolerated) => {
    expect(isToleratedResponseIssue(issue, body)).toBe(tolerated);
  });
});

describe("actionTypeError", () => {
  test.each([
    [{}, true],
    [{ type: "resize" }, true],
    [null, true],
    [{ type: "transfer", region: "nyc3" }, false],
    [{ type: "convert" }, false],
  ])("an image action with body %j is answered 404: %s", (body, refused) => {
    const error = actionTypeError("imageActions_post", body);
    expect(error === undefined ? undefined : { status: error.status, id: error.id, message: error.message }).toEqual(
      refused ? { status: 404, id: "not_found", message: "The specified action type is not available." } : undefined,
    );
  });

  test("applies to image actions only", () => {
    expect(actionTypeError("tags_create", {})).toBeUndefined();
  });
});
