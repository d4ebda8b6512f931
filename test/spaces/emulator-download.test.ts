import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { startEmulator, type Emulator, type EmulatorOptions } from "pulumi-digitalocean-custom-image-emulator";
import { manualClock, type ManualClock } from "../helpers/manual-clock";
import { useS3Bucket } from "../helpers/s3-bucket";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON bodies
type Json = any;

/**
 * The emulator downloads a loopback import url as DigitalOcean's importer does, so the S3 server's
 * verdict on a presigned url (a real one, checking Signature V4) decides the import.
 */
describe("an import from a presigned url on a local S3-compatible server", () => {
  const storage = useS3Bucket("emulator-download-");
  const { bucket } = storage;

  async function withEmulator(options: EmulatorOptions, run: (emulator: Emulator, clock: ManualClock) => Promise<void>): Promise<void> {
    const clock = manualClock();
    const emulator = await startEmulator({ clock, importDurationMs: 10_000, ...options });
    try {
      await run(emulator, clock);
    } finally {
      await emulator.close();
    }
  }

  async function call(emulator: Emulator, method: string, path: string, body?: unknown): Promise<Json> {
    const response = await fetch(emulator.url + path, {
      method,
      headers: { authorization: "Bearer test-token", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  /** Imports `url`, lets the import's time pass, and returns the image as GET then answers it. */
  async function importFrom(emulator: Emulator, clock: ManualClock, url: string): Promise<Json> {
    const accepted = await call(emulator, "POST", "/v2/images", { name: "web", url, region: "nyc3" });
    expect(accepted.status).toBe(202);
    clock.advance(10_000);
    return (await call(emulator, "GET", `/v2/images/${accepted.body.image.id}`)).body.image;
  }

  async function upload(key: string): Promise<string> {
    await storage.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from("QFI\xfb image bytes", "latin1") }));
    return getSignedUrl(storage.s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 600 });
  }

  function tampered(url: string): string {
    const parsed = new URL(url);
    const signature = parsed.searchParams.get("X-Amz-Signature")!;
    parsed.searchParams.set("X-Amz-Signature", `${signature[0] === "0" ? "1" : "0"}${signature.slice(1)}`);
    return parsed.href;
  }

  const location = (key: string) => `${storage.server.endpoint}/${bucket}/${key}`;

  it("succeeds when the server serves the object to the presigned url", async () => {
    await withEmulator({ fetchLoopbackImports: true }, async (emulator, clock) => {
      expect(await importFrom(emulator, clock, await upload("good.qcow2"))).toMatchObject({ status: "available", error_message: "" });
    });
  });

  it("fails with DigitalOcean's message when the signature is wrong, quoting the url without its query", async () => {
    const url = tampered(await upload("tampered.qcow2"));
    await withEmulator({ fetchLoopbackImports: true }, async (emulator, clock) => {
      const image = await importFrom(emulator, clock, url);
      expect(image.status).toBe("deleted");
      expect(image.error_message).toBe(
        `Failed to download image from URL: ${location("tampered.qcow2")} (the server answered HTTP 403 SignatureDoesNotMatch).`,
      );
    });
  });

  it("fails when the presigned url has expired", async () => {
    await upload("expired.qcow2");
    const url = await getSignedUrl(storage.s3, new GetObjectCommand({ Bucket: bucket, Key: "expired.qcow2" }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 3_600_000),
    });
    await withEmulator({ fetchLoopbackImports: true }, async (emulator, clock) => {
      expect((await importFrom(emulator, clock, url)).error_message).toBe(
        `Failed to download image from URL: ${location("expired.qcow2")} (the server answered HTTP 403 AccessDenied).`,
      );
    });
  });

  it("fails when the object was deleted before the download", async () => {
    const url = await upload("deleted.qcow2");
    await storage.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: "deleted.qcow2" }));
    await withEmulator({ fetchLoopbackImports: true }, async (emulator, clock) => {
      expect((await importFrom(emulator, clock, url)).error_message).toBe(
        `Failed to download image from URL: ${location("deleted.qcow2")} (the server answered HTTP 404 NoSuchKey).`,
      );
    });
  });

  it("downloads nothing by default: the url's look alone decides, as before", async () => {
    const url = tampered(await upload("unchecked.qcow2"));
    await withEmulator({}, async (emulator, clock) => {
      expect(await importFrom(emulator, clock, url)).toMatchObject({ status: "available" });
    });
  });
});
