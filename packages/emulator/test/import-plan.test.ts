import { planImport, redactUrl, UNSUPPORTED_FORMAT_MESSAGE } from "../src/import-plan";

describe("planImport", () => {
  it.each([
    ["https://images.example.com/disk.qcow2", undefined],
    ["https://images.example.com/disk.img.gz", undefined],
    ["https://images.example.com/disk.img.bz2", undefined],
    ["https://images.example.com/disk.zip", UNSUPPORTED_FORMAT_MESSAGE],
    ["https://images.example.com/disk.img.XZ", UNSUPPORTED_FORMAT_MESSAGE],
    ["https://images.example.com/disk.tar?sig=1", UNSUPPORTED_FORMAT_MESSAGE],
    ["https://images.example.com/talos.tar.gz", UNSUPPORTED_FORMAT_MESSAGE],
    ["https://images.example.com/talos.tgz", UNSUPPORTED_FORMAT_MESSAGE],
    ["https://images.example.com/appliance.ova", UNSUPPORTED_FORMAT_MESSAGE],
    [
      "https://bucket.nowhere.invalid/disk.img?sig=secret",
      "Failed to download image from URL: https://bucket.nowhere.invalid/disk.img (could not connect to host bucket.nowhere.invalid).",
    ],
    [
      "http://unreachable.example:8080/disk.img",
      "Failed to download image from URL: http://unreachable.example:8080/disk.img (could not connect to host unreachable.example).",
    ],
  ])("decides the fate of %s", (url, failure) => {
    expect(planImport(url, 30_000, []).failure).toBe(failure);
  });

  it("lets a test's rule fail a URL first, matching the whole URL with a string or a RegExp", () => {
    expect(planImport("https://images.example.com/a.zip?run=7", 1, [{ matcher: "run=7", message: "boom" }]).failure).toBe("boom");
    expect(planImport("https://images.example.com/b.img?sig=secret", 1, [{ matcher: /b\.img/ }]).failure).toBe(
      "Failed to import image from https://images.example.com/b.img: the file is not a supported disk image.",
    );
  });

  it("fails an import whose server refuses HEAD, which DigitalOcean's importer needs, with a download error that hides the query", () => {
    expect(planImport("https://cdn.example.com/a.img?sig=secret", 1, [{ matcher: "cdn.example.com", refuseHead: true }]).failure).toBe(
      "Failed to download image from URL: https://cdn.example.com/a.img (the server does not support HEAD requests).",
    );
  });

  it("takes the duration from the URL's marker, else from the option", () => {
    expect(planImport("https://images.example.com/a.img?emulator_duration_s=90", 30_000, []).durationMs).toBe(90_000);
    expect(planImport("https://images.example.com/a.img", (url) => url.length, []).durationMs).toBe(32);
    expect(planImport("https://images.example.com/a.img", 30_000, []).durationMs).toBe(30_000);
  });

  it("gives the same URL the same size every time, whatever its query", () => {
    const size = planImport("https://images.example.com/a.img?sig=1", 1, []).sizeGigabytes;
    expect(planImport("https://images.example.com/a.img?sig=2", 1, []).sizeGigabytes).toBe(size);
    expect(size).toBeGreaterThanOrEqual(0.5);
    expect(size).toBeLessThan(10);
  });

  it.each(["ftp://images.example.com/a.img", "not a url", "file:///tmp/a.img"])("refuses %s with 422", (url) => {
    expect(() => planImport(url, 1, [])).toThrow(expect.objectContaining({ status: 422, id: "unprocessable_entity" }));
  });

  it("redacts a URL to scheme, host and path", () => {
    expect(redactUrl(new URL("https://user:pw@bucket.example.com:9000/a/b.img?X-Amz-Signature=s#f"))).toBe(
      "https://bucket.example.com:9000/a/b.img",
    );
  });
});
