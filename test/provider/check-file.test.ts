import { check } from "../../src/provider/check";
import { SPACES_REGIONS } from "../../src/provider/check-file";
import { UNKNOWN } from "../../src/provider/types";

const spaces = { bucket: "images-staging", region: "nyc3" };
const fromFile = { file: "./output/app.qcow2.gz", spaces, regions: ["nyc3", "ams3"] };

function checkInputs(news: Record<string, unknown>) {
  return check({}, news, { resourceName: "app" });
}

describe("check of an image from a local file", () => {
  it("accepts file and spaces instead of url, with keepObject", () => {
    expect(checkInputs({ ...fromFile, keepObject: true })).toEqual({
      inputs: {
        file: "./output/app.qcow2.gz",
        spaces,
        keepObject: true,
        regions: ["nyc3", "ams3"],
        name: "app",
        distribution: "Unknown",
        createTimeoutMinutes: 60,
        transferTimeoutMinutes: 60,
      },
      failures: [],
      warnings: [],
    });
  });

  it("passes a file, a bucket or a region not known yet at preview", () => {
    const result = checkInputs({ ...fromFile, file: UNKNOWN, spaces: { bucket: UNKNOWN, region: UNKNOWN } });
    expect(result.failures).toEqual([]);
    expect(result.inputs).toMatchObject({ file: UNKNOWN, spaces: { bucket: UNKNOWN, region: UNKNOWN } });
  });

  it.each<[string, Record<string, unknown>, { property: string; reason: RegExp }[]]>([
    [
      "neither url nor file",
      { regions: ["nyc3"] },
      [{ property: "url", reason: /^url is required: .*\(or file, a local image to upload to Spaces\)$/ }],
    ],
    [
      "both url and file",
      { ...fromFile, url: "https://example.com/a.img" },
      [{ property: "file", reason: /^give either url or file, not both/ }],
    ],
    [
      "a file without spaces",
      { file: "a.img", regions: ["nyc3"] },
      [{ property: "file", reason: /^file needs spaces: \{ bucket, region \}/ }],
    ],
    [
      "an empty file",
      { ...fromFile, file: " " },
      [{ property: "file", reason: /^file must be the path of a local image file .*, not empty$/ }],
    ],
    ["a file that is not a string", { ...fromFile, file: 7 }, [{ property: "file", reason: /^file must be .*, got a number$/ }]],
    ["a file with a NUL", { ...fromFile, file: "a\0b" }, [{ property: "file", reason: /contains a NUL character$/ }]],
    [
      "spaces without a bucket",
      { ...fromFile, spaces: { region: "nyc3" } },
      [{ property: "spaces", reason: /^spaces\.bucket is required/ }],
    ],
    [
      "a bucket name with capitals",
      { ...fromFile, spaces: { bucket: "Images", region: "nyc3" } },
      [{ property: "spaces", reason: /^spaces\.bucket "Images" is not a Spaces bucket name: 3 to 63 lower-case letters/ }],
    ],
    [
      "a bucket name of two letters",
      { ...fromFile, spaces: { bucket: "ab", region: "nyc3" } },
      [{ property: "spaces", reason: /is not a Spaces bucket name/ }],
    ],
    [
      "spaces without a region",
      { ...fromFile, spaces: { bucket: "images" } },
      [{ property: "spaces", reason: /^spaces\.region is required: .* nyc3/ }],
    ],
    [
      "a region that is not a slug",
      { ...fromFile, spaces: { bucket: "images", region: "New York" } },
      [{ property: "spaces", reason: /^spaces\.region "New York" is not a region slug/ }],
    ],
    [
      "spaces with a key it does not take",
      { ...fromFile, spaces: { ...spaces, acl: "public-read" } },
      [{ property: "spaces", reason: /^spaces has "acl", which it does not take/ }],
    ],
    [
      "spaces that is a string",
      { ...fromFile, spaces: "images-staging" },
      [{ property: "spaces", reason: /^spaces must be \{ bucket, region \}.*, got a string$/ }],
    ],
    [
      "keepObject that is a string",
      { ...fromFile, keepObject: "yes" },
      [{ property: "keepObject", reason: /^keepObject must be true or false/ }],
    ],
    [
      "keepObject with a url",
      { url: "https://example.com/a.img", regions: ["nyc3"], keepObject: true },
      [{ property: "keepObject", reason: /^keepObject is used only with file/ }],
    ],
    [
      "fileSha256 given by the program",
      { ...fromFile, fileSha256: "ab" },
      [{ property: "fileSha256", reason: /^"fileSha256" is not an input of CustomImage/ }],
    ],
  ])("refuses %s, naming the field and what is allowed", (_case, news, failures) => {
    expect(checkInputs(news).failures).toEqual(
      failures.map(({ property, reason }) => ({ property, reason: expect.stringMatching(reason) })),
    );
  });

  it("warns about a Spaces region DigitalOcean does not list, and uses it", () => {
    const result = checkInputs({ ...fromFile, spaces: { bucket: "images", region: "mia1" } });
    expect(result.failures).toEqual([]);
    expect(result.warnings).toEqual([
      `spaces.region "mia1" is not in DigitalOcean's published list of Spaces regions (${SPACES_REGIONS.join(", ")}); it is used anyway`,
    ]);
  });
});
