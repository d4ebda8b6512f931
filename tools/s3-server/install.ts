import { installS3Proxy, S3PROXY } from "./s3-server";

/**
 * `npm run s3:install`: fetches S3Proxy's jar (org.gaul:s3proxy, pinned by version and sha256) with
 * Maven into a cache folder outside the repository, keyed by version; a second run only checks
 * the cached jar's hash. The last line printed is the jar's path. Tests that need the server
 * install it themselves too; CI runs this first so that the fetch shows as its own step.
 */
try {
  const started = Date.now();
  const jar = installS3Proxy((line) => process.stderr.write(`${line}\n`));
  process.stderr.write(`S3Proxy ${S3PROXY.version} ready in ${Math.round((Date.now() - started) / 100) / 10} s\n`);
  console.log(jar);
} catch (error) {
  process.stderr.write(`s3:install failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
