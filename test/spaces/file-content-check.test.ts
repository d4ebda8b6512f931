import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { check } from "../../src/provider/check";
import { UNKNOWN } from "../../src/provider/types";
import { checkFileContent } from "../../src/spaces/file-content-check";

describe("checkFileContent, the part of check that reads the file", () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), "file-check-"))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function checked(file: unknown) {
    const lines: string[] = [];
    const outcome = check({}, { file, spaces: { bucket: "images", region: "nyc3" }, regions: ["nyc3"] }, { resourceName: "app" });
    await checkFileContent(
      outcome,
      { info: (line) => lines.push(line), warn: (line) => lines.push(line) },
      (() => {
        let now = 0;
        return () => (now += 500);
      })(),
    );
    return { ...outcome, lines };
  }

  it("adds the file's SHA-256 to the inputs and says what it read", async () => {
    const path = join(dir, "app.qcow2");
    writeFileSync(path, Buffer.from("QFI\xfb", "latin1"));
    const { inputs, failures, lines } = await checked(path);
    expect(failures).toEqual([]);
    // printf 'QFI\xfb' | sha256sum
    expect(inputs.fileSha256).toBe("aea9800e5252b7172c533c82ffd26e6a670c060332a5c9aec024e37951772b53");
    expect(lines).toEqual([`file "${path}": qcow2, 0.0 MiB, SHA-256 ${inputs.fileSha256} (hashed in 0.5 s)`]);
  });

  it("fails on the file property when the file is missing, before anything is uploaded", async () => {
    const path = join(dir, "missing.qcow2");
    const { inputs, failures } = await checked(path);
    expect(failures).toEqual([{ property: "file", reason: `file "${path}" does not exist` }]);
    expect(inputs).not.toHaveProperty("fileSha256");
  });

  it("fails on a file DigitalOcean would refuse", async () => {
    const path = join(dir, "notes.txt");
    writeFileSync(path, "notes");
    expect((await checked(path)).failures).toEqual([
      { property: "file", reason: expect.stringMatching(/^file ".*notes\.txt" is not a disk image DigitalOcean can import/) },
    ]);
  });

  it("leaves the hash unknown while the file is", async () => {
    expect((await checked(UNKNOWN)).inputs.fileSha256).toBe(UNKNOWN);
  });

  it("reads nothing when check already refused the file", async () => {
    const { failures, lines } = await checked(42);
    expect(failures).toEqual([{ property: "file", reason: expect.stringMatching(/^file must be/) }]);
    expect(lines).toEqual([]);
  });
});
