import { HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ImportFailedError } from "../../src/client/errors";
import { check } from "../../src/provider/check";
import { diff } from "../../src/provider/diff";
import { ResourceInitError, create } from "../../src/provider/lifecycle";
import type { CustomImageInputs } from "../../src/provider/types";
import { checkFileContent } from "../../src/spaces/file-content-check";
import { createFromFile, deleteLeftObject, objectKey, type FileInputs } from "../../src/spaces/file-import";
import { SpacesError } from "../../src/spaces/spaces-error";
import { withEmulator } from "../helpers/emulator-fixture";
import { runtimeFor } from "../helpers/provider-runtime";
import { useS3Bucket } from "../helpers/s3-bucket";

type FileImageInputs = CustomImageInputs & FileInputs;

describe("a CustomImage from a local file, uploaded to a local S3-compatible server", () => {
  const storage = useS3Bucket("file-import-");
  const { bucket } = storage;

  const config = () => ({
    "digitalocean:spacesAccessId": storage.server.credentials.accessKeyId,
    "digitalocean:spacesSecretKey": storage.server.credentials.secretAccessKey,
    "digitalocean:spacesEndpoint": storage.server.endpoint,
  });

  let files = 0;
  /** A qcow2-looking file of `size` bytes whose content no other test's file has. */
  function imageFile(size = 6 << 20): string {
    files += 1;
    const bytes = Buffer.alloc(size, files);
    bytes.write("QFI\xfb", 0, "latin1");
    const path = join(storage.dir, `app-${files}.qcow2`);
    writeFileSync(path, bytes);
    return path;
  }

  /** Inputs as `check`, the file's hash included, leaves them. */
  async function inputs(file: string, overrides: Record<string, unknown> = {}): Promise<FileImageInputs> {
    const outcome = check({}, { name: "app", file, spaces: { bucket, region: "nyc3" }, regions: ["nyc3"], ...overrides });
    await checkFileContent(outcome, { info: () => {}, warn: () => {} });
    expect(outcome.failures).toEqual([]);
    return outcome.inputs as unknown as FileImageInputs;
  }

  async function keys(): Promise<string[]> {
    const listing = await storage.s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    return (listing.Contents ?? []).map(({ Key }) => Key!);
  }

  it("uploads the file, imports it by a presigned url kept out of the outputs and the log, then deletes the object", () =>
    withEmulator({ fetchLoopbackImports: true }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const wanted = await inputs(imageFile());
      const { id, outs } = await createFromFile(runtime, config(), wanted, create);
      expect(outs).toMatchObject({ status: "available", file: wanted.file, fileSha256: wanted.fileSha256 });
      expect(outs).not.toHaveProperty("url");
      expect(objectKey(wanted)).toBe(`pulumi-custom-images/${wanted.fileSha256}/${wanted.file.split("/").pop()}`);
      const sent = emulator.requests.find(({ method, path }) => method === "POST" && path === "/v2/images")!.body as { url: string };
      expect(sent.url).toMatch(new RegExp(`^${storage.server.endpoint}/${bucket}/${objectKey(wanted)}\\?.*X-Amz-Signature=`));
      expect(new URL(sent.url).searchParams.get("X-Amz-Expires")).toBe("3600");
      expect(JSON.stringify([outs, lines])).not.toContain("X-Amz-Signature");
      expect(lines).toContainEqual(
        expect.stringMatching(/^info: uploading ".*app-\d+\.qcow2" to images-staging\/.*: 6\.0 MiB of 6\.0 MiB \(100 %\)/),
      );
      expect(await keys()).not.toContain(objectKey(wanted));
      expect(diff(id, outs as unknown as Record<string, unknown>, wanted as unknown as Record<string, unknown>)).toMatchObject({
        changes: false,
      });
    }));

  it("keeps the object with keepObject, and deletes it when the image is deleted", () =>
    withEmulator({ fetchLoopbackImports: true }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const wanted = await inputs(imageFile(), { keepObject: true });
      const { outs } = await createFromFile(runtime, config(), wanted, create);
      expect(await keys()).toContain(objectKey(wanted));
      await deleteLeftObject(runtime, config(), outs as unknown as FileInputs);
      expect(await keys()).not.toContain(objectKey(wanted));
      expect(lines).toContainEqual(`info: deleted ${bucket}/${objectKey(wanted)} from Spaces (the image was deleted)`);
    }));

  it("does not upload an object that is already there again", () =>
    withEmulator({ fetchLoopbackImports: true }, async (emulator) => {
      const { runtime, lines } = runtimeFor(emulator);
      const wanted = await inputs(imageFile(), { keepObject: true });
      await createFromFile(runtime, config(), wanted, create);
      lines.length = 0;
      await createFromFile(runtime, config(), { ...wanted, name: "again" }, create);
      expect(lines).toContainEqual(`info: ${bucket}/${objectKey(wanted)} is already in Spaces; not uploaded again`);
      expect(lines.filter((line) => line.startsWith("info: uploading"))).toEqual([]);
      await deleteLeftObject(runtime, config(), wanted);
    }));

  it("leaves nothing behind when DigitalOcean's import fails", () =>
    // A linger of an hour: at FAST the default 60 s is 60 ms of real time, which a loaded machine can skip past.
    withEmulator({ fetchLoopbackImports: true, deletedLingerMs: 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const wanted = await inputs(imageFile());
      emulator.failImports(objectKey(wanted), "Not a bootable image");
      const failure = await createFromFile(runtime, config(), wanted, create).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ImportFailedError);
      expect((failure as Error).message).not.toContain("X-Amz-Signature");
      expect(await keys()).not.toContain(objectKey(wanted));
      expect(emulator.audit()).toEqual([expect.objectContaining({ fate: "failed" })]);
    }));

  it("keeps the object while a partial failure leaves the import running, and no url in the recorded properties", () =>
    withEmulator({ fetchLoopbackImports: true, importDurationMs: 10 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const wanted = await inputs(imageFile(), { createTimeoutMinutes: 1 });
      const failure = await createFromFile(runtime, config(), wanted, create).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ResourceInitError);
      expect((failure as ResourceInitError).properties).not.toHaveProperty("url");
      expect((failure as ResourceInitError).properties).toMatchObject({ status: expect.stringMatching(/^(NEW|pending)$/) });
      expect(await keys()).toContain(objectKey(wanted));
      await deleteLeftObject(runtime, config(), wanted);
    }));

  it("refuses wrong Spaces keys, naming where they came from, before any import", () =>
    withEmulator({ fetchLoopbackImports: true }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const wanted = await inputs(imageFile());
      const failure = await createFromFile(runtime, { ...config(), "digitalocean:spacesSecretKey": "wrong" }, wanted, create).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(SpacesError);
      expect((failure as SpacesError).code).toBe("spaces_access_denied");
      expect((failure as Error).message).toMatch(/Spaces refused the access key from stack config digitalocean:spacesAccessId/);
      expect((failure as Error).message).not.toContain("wrong");
      expect(emulator.audit()).toEqual([]);
    }));

  it("says which bucket is missing", () =>
    withEmulator({ fetchLoopbackImports: true }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const wanted = await inputs(imageFile(), { spaces: { bucket: "no-such-bucket", region: "nyc3" } });
      await expect(createFromFile(runtime, config(), wanted, create)).rejects.toThrow(
        /bucket "no-such-bucket" does not exist; create it, or name another in `spaces.bucket`/,
      );
      expect(emulator.audit()).toEqual([]);
    }));

  it("fails the import with DigitalOcean's message when the object is deleted before DigitalOcean fetches it", () =>
    withEmulator({ fetchLoopbackImports: true, deletedLingerMs: 60 * 60_000 }, async (emulator) => {
      const { runtime } = runtimeFor(emulator);
      const wanted = await inputs(imageFile());
      const importAfterDelete: typeof create = async (rt, sent) => {
        await deleteLeftObject(rt, config(), wanted);
        return create(rt, sent);
      };
      await expect(createFromFile(runtime, config(), wanted, importAfterDelete)).rejects.toThrow(
        /Failed to download image from URL: http:\/\/127\.0\.0\.1:\d+\/images-staging\/pulumi-custom-images\/[0-9a-f]{64}\/app-\d+\.qcow2 \(the server answered HTTP 404 NoSuchKey\)/,
      );
      await expect(storage.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey(wanted) }))).rejects.toMatchObject({
        name: "NotFound",
      });
    }));
});
