import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { uploadFile } from "../../src/spaces/multipart-upload";
import { loadS3Library, S3_CLIENT_CHECKSUMS } from "../../src/spaces/s3-library";
import { isComplete, isPart, SLOW_DOWN, startFaultProxy } from "../../tools/s3-server/fault-proxy";
import { REPO_ROOT } from "../../tools/shared/example-package";
import { useS3Bucket } from "../helpers/s3-bucket";

const MIB = 1 << 20;

describe("the upload under faults, against the real S3 server behind a fault proxy", () => {
  const storage = useS3Bucket("upload-faults-");
  const { bucket } = storage;
  const library = loadS3Library();

  function file(name: string, mib: number): { path: string; size: number; sha256: string } {
    const bytes = Buffer.alloc(mib * MIB);
    for (let offset = 0; offset < bytes.length; offset += MIB) bytes.writeUInt32LE(offset / MIB + 1, offset);
    const path = join(storage.dir, name);
    writeFileSync(path, bytes);
    return { path, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
  }

  async function stored(key: string): Promise<string> {
    const answer = await storage.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return createHash("sha256")
      .update(await answer.Body!.transformToByteArray())
      .digest("hex");
  }

  const clientVia = (url: string) =>
    new S3Client({ endpoint: url, region: "nyc3", forcePathStyle: true, credentials: storage.server.credentials, ...S3_CLIENT_CHECKSUMS });

  it("survives a connection reset in the middle of a part: that part is sent again", async () => {
    const source = file("reset.raw", 12);
    let resets = 0;
    const proxy = await startFaultProxy(storage.server.endpoint, (request) => (isPart(request) && resets++ === 0 ? "reset" : "pass"));
    const client = clientVia(proxy.url);
    try {
      const result = await uploadFile(library, { client, bucket, key: "reset" }, source.path, source.size, {
        partBytes: 5 * MIB,
        concurrency: 1,
      });
      expect(result).toEqual({ outcome: "uploaded", sentParts: 3, resumedParts: 0 });
      expect(proxy.seen.filter((line) => line.startsWith("reset"))).toHaveLength(1);
      expect(await stored("reset")).toBe(source.sha256);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it("survives a 503 on the request that completes the upload", async () => {
    const source = file("complete.raw", 6);
    let refused = 0;
    const proxy = await startFaultProxy(storage.server.endpoint, (request) =>
      isComplete(request) && refused++ === 0 ? SLOW_DOWN : "pass",
    );
    const client = clientVia(proxy.url);
    try {
      await uploadFile(library, { client, bucket, key: "complete" }, source.path, source.size, { partBytes: 5 * MIB });
      expect(proxy.seen.filter((line) => line.startsWith("503 POST"))).toHaveLength(1);
      expect(await stored("complete")).toBe(source.sha256);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });

  it("after the uploading process is killed, the next upload sends only the parts not stored", async () => {
    const source = file("killed.raw", 30);
    // The proxy never answers a part after the third: the process is killed waiting, with three stored.
    let parts = 0;
    const proxy = await startFaultProxy(storage.server.endpoint, (request) => (isPart(request) && ++parts > 3 ? "hold" : "pass"));
    const script = `
      const { loadS3Library } = require("./dist/spaces/s3-library");
      const { uploadFile } = require("./dist/spaces/multipart-upload");
      const library = loadS3Library();
      const client = new library.s3.S3Client(${JSON.stringify({ endpoint: proxy.url, region: "nyc3", forcePathStyle: true, credentials: storage.server.credentials, ...S3_CLIENT_CHECKSUMS })});
      uploadFile(library, { client, bucket: "${bucket}", key: "killed" }, ${JSON.stringify(source.path)}, ${source.size}, {
        partBytes: ${5 * MIB}, concurrency: 1, onProgress: ({ storedBytes }) => console.log(storedBytes),
      });
    `;
    const child = spawn(process.execPath, ["-e", script], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          if (
            chunk
              .toString()
              .trim()
              .split("\n")
              .includes(String(15 * MIB))
          )
            resolve();
        });
        child.once("exit", (code) => reject(new Error(`the uploading process ended by itself (${code})`)));
      });
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
    } finally {
      child.kill("SIGKILL");
      await proxy.close();
    }

    const result = await uploadFile(library, { client: storage.s3, bucket, key: "killed" }, source.path, source.size, {
      partBytes: 5 * MIB,
    });
    expect(result).toEqual({ outcome: "uploaded", sentParts: 3, resumedParts: 3 });
    expect(await stored("killed")).toBe(source.sha256);
  }, 60_000);
});
