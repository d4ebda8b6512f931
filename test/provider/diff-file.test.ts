import { diff } from "../../src/provider/diff";
import { UNKNOWN } from "../../src/provider/types";

const sha = (digit: string) => digit.repeat(64);
const recorded = {
  file: "/builds/1/app.qcow2.gz",
  fileSha256: sha("a"),
  spaces: { bucket: "images-staging", region: "nyc3" },
  regions: ["nyc3"],
  name: "app",
  distribution: "Unknown",
  createTimeoutMinutes: 60,
  transferTimeoutMinutes: 60,
  status: "available",
};

describe("diff of an image from a local file: its identity is the content", () => {
  it.each<[string, Record<string, unknown>, { changes: boolean; replaces: string[] }]>([
    ["the same bytes", {}, { changes: false, replaces: [] }],
    ["the same bytes at another path", { file: "/builds/2/app.qcow2.gz" }, { changes: false, replaces: [] }],
    ["the same bytes for another bucket", { spaces: { bucket: "other", region: "ams3" } }, { changes: false, replaces: [] }],
    ["keepObject set afterwards", { keepObject: true }, { changes: false, replaces: [] }],
    ["new bytes", { fileSha256: sha("b") }, { changes: true, replaces: ["fileSha256"] }],
    ["a file not known yet", { file: UNKNOWN, fileSha256: UNKNOWN }, { changes: true, replaces: ["fileSha256"] }],
    [
      "a url instead of the file",
      { file: undefined, fileSha256: undefined, spaces: undefined, url: "https://example.com/app.qcow2" },
      { changes: true, replaces: ["fileSha256"] },
    ],
  ])("%s", (_case, change, expected) => {
    const { status: _status, ...inputs } = recorded;
    expect(diff("42", recorded, { ...inputs, ...change })).toEqual({ ...expected, deleteBeforeReplace: false });
  });

  it("replaces an image from a url given a file instead", () => {
    const fromUrl = { url: "https://example.com/app.qcow2", regions: ["nyc3"], name: "app", status: "available" };
    expect(diff("42", fromUrl, { file: "/app.qcow2", fileSha256: sha("a"), regions: ["nyc3"], name: "app" })).toMatchObject({
      changes: true,
      replaces: ["url", "fileSha256"],
    });
  });
});
