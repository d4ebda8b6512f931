import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

/**
 * The S3-compatible server the tests and the bench upload to: S3Proxy (org.gaul:s3proxy on Maven
 * Central), whose jar with dependencies runs on the JDK the machines have. Chosen because it
 * verifies AWS Signature V4, presigned urls included: a changed signature, a wrong secret and an
 * expired url are refused (test/s3/s3-server.test.ts shows each), as Spaces refuses them. moto's
 * server mode accepts any signature unless IAM users are set up first, and SeaweedFS's gateway is
 * a build of a large Go module for every new machine.
 */
export const S3PROXY = {
  version: "4.1.0",
  /** Of `s3proxy-4.1.0-jar-with-dependencies.jar` as Maven Central serves it. */
  sha256: "a4d025969aaf796616ed4b1e2491d87d455ce84bb28cb9db086b2e6aaa68b48d",
} as const;

const ARTIFACT = `org.gaul:s3proxy:${S3PROXY.version}:jar:jar-with-dependencies`;

/** The access key pair the server accepts; anything else is refused with SignatureDoesNotMatch or InvalidAccessKeyId. */
export const S3_TEST_CREDENTIALS: { readonly accessKeyId: string; readonly secretAccessKey: string } = {
  accessKeyId: "local-access-id",
  secretAccessKey: "local-secret-key",
};

/** Where the jar is cached, outside the repository, keyed by version (like the Pulumi CLI's build). */
export function s3ProxyCacheDir(version: string = S3PROXY.version, env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(cacheHome, "pulumi-digitalocean-custom-image", "s3proxy", version);
}

export function s3ProxyJar(version: string = S3PROXY.version): string {
  return join(s3ProxyCacheDir(version), "s3proxy.jar");
}

function sha256Of(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * Fetches the pinned jar with Maven (`mvn dependency:copy`) into the cache unless it is there with
 * the pinned hash, and returns its path. Needs `java` (17 or later) and `mvn` on PATH.
 */
export function installS3Proxy(log: (line: string) => void = () => {}): string {
  const jar = s3ProxyJar();
  if (existsSync(jar) && sha256Of(jar) === S3PROXY.sha256) return jar;
  for (const tool of ["java", "mvn"]) {
    const found = spawnSync(tool, ["-version"], { encoding: "utf8" });
    if (found.status !== 0) {
      throw new Error(
        `the S3 test server (S3Proxy ${S3PROXY.version}) needs \`${tool}\` on PATH: ${found.error?.message ?? found.stderr.trim()}`,
      );
    }
  }
  const dir = s3ProxyCacheDir();
  mkdirSync(dir, { recursive: true });
  const partial = mkdtempSync(join(dir, ".fetch-"));
  try {
    log(`fetching ${ARTIFACT} with Maven`);
    execFileSync("mvn", ["-q", "-B", "-Dstyle.color=never", "dependency:copy", `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${partial}`], {
      stdio: ["ignore", "inherit", "inherit"],
    });
    const fetched = join(partial, `s3proxy-${S3PROXY.version}-jar-with-dependencies.jar`);
    const sha256 = sha256Of(fetched);
    if (sha256 !== S3PROXY.sha256) throw new Error(`${ARTIFACT} has sha256 ${sha256}, expected ${S3PROXY.sha256}`);
    renameSync(fetched, jar);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  return jar;
}

export interface S3Server {
  /** `http://127.0.0.1:PORT`, for path-style requests (`forcePathStyle`). */
  readonly endpoint: string;
  readonly credentials: typeof S3_TEST_CREDENTIALS;
  /** Where the objects are kept, one folder per bucket. */
  readonly dataDir: string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts S3Proxy on 127.0.0.1 with objects on disk (a temporary folder, removed by `close`) and
 * Signature V4 required, installing the jar first when the cache lacks it. Resolves once it listens.
 */
export async function startS3Server(options: { startTimeoutMs?: number } = {}): Promise<S3Server> {
  const jar = installS3Proxy();
  const dataDir = mkdtempSync(join(tmpdir(), "s3proxy-data-"));
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const properties = join(dataDir, "..", `${dataDir.split("/").pop()}.properties`);
  writeFileSync(
    properties,
    [
      `s3proxy.endpoint=${endpoint}`,
      "s3proxy.authorization=aws-v4",
      `s3proxy.identity=${S3_TEST_CREDENTIALS.accessKeyId}`,
      `s3proxy.credential=${S3_TEST_CREDENTIALS.secretAccessKey}`,
      "jclouds.provider=filesystem",
      `jclouds.filesystem.basedir=${dataDir}`,
      `jclouds.identity=${S3_TEST_CREDENTIALS.accessKeyId}`,
      `jclouds.credential=${S3_TEST_CREDENTIALS.secretAccessKey}`,
      "",
    ].join("\n"),
  );
  // A small heap: objects stream to disk, and eight engineers' tests share two cores.
  const child = spawn("java", ["-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar, "--properties", properties], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LOG_LEVEL: "warn" },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const close = async (): Promise<void> => {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(properties, { force: true });
  };
  try {
    await waitUntilListening(child, endpoint, options.startTimeoutMs ?? 60_000, () => output);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, credentials: S3_TEST_CREDENTIALS, dataDir, close };
}

async function waitUntilListening(child: ChildProcess, endpoint: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`S3Proxy exited with code ${child.exitCode} before listening:\n${output()}`);
    try {
      // Anonymous: answered 403 once S3Proxy serves requests.
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`S3Proxy did not listen on ${endpoint} within ${timeoutMs} ms:\n${output()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
