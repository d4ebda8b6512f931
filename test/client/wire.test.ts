import { UnexpectedResponseError } from "../../src/client/errors";
import { actionFromWire, imageFromWire, toWire } from "../../src/client/wire";

describe("wire mapping", () => {
  test("fills the fields the 202 of an import leaves out (slug, public, min_disk_size, size_gigabytes) with their documented empty values", () => {
    // The example of images_create_custom's 202 in DigitalOcean's spec, field for field.
    const accepted = imageFromWire({
      created_at: "2018-09-20T19:28:00Z",
      description: "Cloud-optimized image w/ small footprint",
      distribution: "Ubuntu",
      error_message: "",
      id: 38413969,
      name: "ubuntu-18.04-minimal",
      regions: [],
      type: "custom",
      tags: ["base-image", "prod"],
      status: "NEW",
    });
    expect(accepted).toMatchObject({ slug: null, public: false, minDiskSize: null, sizeGigabytes: null, regions: [], status: "NEW" });
    expect(Object.values(accepted)).not.toContain(undefined);
  });

  test("maps every Image field from snake_case to camelCase and keeps unknown fields", () => {
    const image = imageFromWire({
      id: 7,
      name: "web",
      type: "custom",
      distribution: "Ubuntu",
      slug: null,
      public: false,
      regions: ["nyc3"],
      created_at: "2026-11-23T12:00:00Z",
      min_disk_size: 20,
      size_gigabytes: 2.34,
      description: "d",
      tags: ["a"],
      status: "available",
      error_message: "",
      some_new_field: { nested_key: 1 },
    });
    expect(image).toEqual({
      id: 7,
      name: "web",
      type: "custom",
      distribution: "Ubuntu",
      slug: null,
      public: false,
      regions: ["nyc3"],
      createdAt: "2026-11-23T12:00:00Z",
      minDiskSize: 20,
      sizeGigabytes: 2.34,
      description: "d",
      tags: ["a"],
      status: "available",
      errorMessage: "",
      someNewField: { nestedKey: 1 },
    });
  });

  test("fills fields DigitalOcean omits or sends as null", () => {
    expect(imageFromWire({ id: 1, tags: null })).toMatchObject({
      tags: [],
      regions: [],
      description: "",
      errorMessage: "",
      minDiskSize: null,
    });
  });

  test("unwraps the { action } wrapper the real API sends around image actions", () => {
    const wrapped = actionFromWire({ action: { id: 3, status: "in-progress", type: "transfer", region_slug: "lon1", resource_id: 7 } });
    const bare = actionFromWire({ id: 3, status: "in-progress", type: "transfer", region_slug: "lon1", resource_id: 7 });
    expect(wrapped).toEqual(bare);
    expect(wrapped).toMatchObject({ id: 3, regionSlug: "lon1", resourceId: 7 });
  });

  test("sends camelCase fields as snake_case, keeps an empty description and drops undefined", () => {
    expect(toWire({ name: "x", description: "", minDiskSize: undefined, errorMessage: "e" })).toEqual({
      name: "x",
      description: "",
      error_message: "e",
    });
  });
});

describe("bodies that hold no object", () => {
  test.each([
    [null, "null"],
    [undefined, "nothing"],
    ["text", "a string"],
    [[], "a list"],
  ])("imageFromWire(%p) is an UnexpectedResponseError saying it got %s", (body, described) => {
    expect(() => imageFromWire(body)).toThrow(
      new UnexpectedResponseError({}, `DigitalOcean's response did not hold an image object: got ${described}`),
    );
  });

  test("an action response without the action is an UnexpectedResponseError", () => {
    expect(() => actionFromWire({ action: null })).toThrow(UnexpectedResponseError);
  });
});
