import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { NO_CHANGE, replacing, URN, withHostAndEmulator, type HostFixture } from "./host-fixture";
import { useS3Bucket } from "../helpers/s3-bucket";

/**
 * A CustomImage from a local file through Pulumi's dynamic-provider host, as the engine drives it:
 * Check hashes the file, Create uploads it to a local S3-compatible server that checks
 * signatures, the emulator downloads it from the presigned url, and nothing of that url is left
 * in what the engine records.
 */
describe("a CustomImage from a file, through the provider host", () => {
  const storage = useS3Bucket("host-file-");
  const { bucket } = storage;

  function imageFile(name: string, fill: number): string {
    const bytes = Buffer.alloc(6 << 20, fill);
    bytes.write("QFI\xfb", 0, "latin1");
    const path = join(storage.dir, name);
    writeFileSync(path, bytes);
    return path;
  }

  async function objects(): Promise<string[]> {
    return ((await storage.s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map(({ Key }) => Key!);
  }

  const withFixture = (body: (fixture: HostFixture) => Promise<void>) =>
    withHostAndEmulator(
      {
        emulator: { fetchLoopbackImports: true },
        config: {
          "digitalocean:spacesAccessId": storage.server.credentials.accessKeyId,
          "digitalocean:spacesSecretKey": storage.server.credentials.secretAccessKey,
          "digitalocean:spacesEndpoint": storage.server.endpoint,
        },
      },
      body,
    );

  const fromFile = (file: string, extra: Record<string, unknown> = {}) => ({
    url: undefined,
    file,
    spaces: { bucket, region: "nyc3" },
    ...extra,
  });

  it("imports the file, records its hash and no url, and leaves the bucket empty", () =>
    withFixture(async (fixture) => {
      const file = imageFile("app.qcow2", 1);
      const deployed = await fixture.create(fromFile(file));
      expect(deployed.outputs).toMatchObject({ status: "available", file, fileSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(deployed.outputs).not.toHaveProperty("url");
      expect(JSON.stringify(deployed)).not.toMatch(/X-Amz-(Signature|Credential)/);
      expect(await objects()).toEqual([]);

      // The same bytes at another path change nothing; new bytes replace the image.
      const moved = imageFile("moved.qcow2", 1);
      expect((await fixture.preview(deployed, fromFile(moved))).diff).toEqual(NO_CHANGE);
      const rebuilt = imageFile("app.qcow2", 2);
      expect((await fixture.preview(deployed, fromFile(rebuilt))).diff).toEqual(replacing("fileSha256"));
      await fixture.destroy(deployed);
    }));

  it("with keepObject keeps the object until the image is destroyed", () =>
    withFixture(async (fixture) => {
      const deployed = await fixture.create(fromFile(imageFile("kept.qcow2", 3), { keepObject: true }));
      expect(await objects()).toEqual([expect.stringMatching(/^pulumi-custom-images\/[0-9a-f]{64}\/kept\.qcow2$/)]);
      await fixture.destroy(deployed);
      expect(await objects()).toEqual([]);
    }));

  it("fails Check on a missing file and on a file DigitalOcean would refuse, uploading nothing", () =>
    withFixture(async (fixture) => {
      const missing = join(storage.dir, "missing.qcow2");
      const archive = join(storage.dir, "app.ova");
      writeFileSync(archive, Buffer.concat([Buffer.alloc(257), Buffer.from("ustar"), Buffer.alloc(512)]));
      for (const [file, reason] of [
        [missing, `file "${missing}" does not exist`],
        [archive, expect.stringMatching(/^file ".*app\.ova" is a tar archive \(an \.ova is one\); DigitalOcean imports raw/)],
      ] as const) {
        const { failures } = await fixture.host.check(URN, {}, await fixture.inputs(fromFile(file)));
        expect(failures).toEqual([{ property: "file", reason }]);
      }
      expect(await objects()).toEqual([]);
      expect(fixture.emulator.requests).toEqual([]);
    }));
});
