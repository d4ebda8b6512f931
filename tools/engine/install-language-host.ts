import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { DYNAMIC_PROVIDER_PLUGIN, LANGUAGE_HOST } from "./engine-cli";

/**
 * The two plugins a Pulumi install ships beside `pulumi` for a Node.js program, put into the
 * engine:install folder: `pulumi-language-nodejs` (the language host that `pulumi up` starts to run
 * index.ts) and `pulumi-resource-pulumi-nodejs` (the dynamic-provider plugin, a script from
 * `@pulumi/pulumi`'s package root). The CLI takes plugins found beside itself without the
 * "using … from $PATH" warning, as on a user's machine.
 *
 * The Go module proxy does not serve the language host's module, so it is built from a copy of its
 * source (pulumi/pulumi's `sdk/nodejs/cmd/pulumi-language-nodejs` at v3.259.0) named by
 * `--language-host <folder>` or PULUMI_LANGUAGE_NODEJS_SOURCE.
 */

export const LANGUAGE_HOST_SOURCE_ENV = "PULUMI_LANGUAGE_NODEJS_SOURCE";
/**
 * The `pkg`/`sdk` release the language host builds against: its go.mod points both at folders of
 * the pulumi repository. The CLI's v3.274.0 does not compile with the v3.259.0 source (a newer
 * `ResourceMonitorServer` method, `ExistsResource`, is missing from it); v3.260.0 does.
 */
export const LANGUAGE_HOST_SDK = "v3.260.0";
const VERSION_SYMBOL = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";
const RECORD = `${LANGUAGE_HOST}.json`;

export const WHAT_TO_GET =
  "a copy of github.com/pulumi/pulumi's folder sdk/nodejs/cmd/pulumi-language-nodejs at tag v3.259.0 (its go.mod, go.sum and .go files; " +
  "this project's CI has it in ../shared/third_party/pulumi-language-nodejs), named by --language-host <folder> or " +
  `${LANGUAGE_HOST_SOURCE_ENV}: the Go module proxy does not serve that module`;

/** The source folder `--language-host <folder>` (or `--language-host=<folder>`) or the environment names, if any. */
export function languageHostSource(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const at = argv.indexOf("--language-host");
  const flag = at >= 0 ? argv[at + 1] : argv.find((arg) => arg.startsWith("--language-host="))?.slice("--language-host=".length);
  const folder = flag || env[LANGUAGE_HOST_SOURCE_ENV];
  return folder ? resolve(folder) : undefined;
}

/** sha256 over every file's relative path and contents: the cached build is of this source exactly. */
export function sourceDigest(folder: string): string {
  const hash = createHash("sha256");
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else
        hash
          .update(`${relative(folder, path)}\0`)
          .update(readFileSync(path))
          .update("\0");
    }
  };
  walk(folder);
  return `sha256:${hash.digest("hex")}`;
}

interface BuildRecord {
  sdk: string;
  source: string;
}

function readRecord(dir: string): BuildRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, RECORD), "utf8")) as BuildRecord;
  } catch {
    return undefined;
  }
}

function hostVersion(path: string): string | undefined {
  try {
    return execFileSync(path, ["-version"], { encoding: "utf8", timeout: 30_000 }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Builds `pulumi-language-nodejs` from `source` into `dir` unless the build there is of the same
 * source and SDK release; without a source, a build already there is kept and none there is an error.
 */
export function installLanguageHost(dir: string, source: string | undefined, log: (line: string) => void): void {
  const binary = join(dir, LANGUAGE_HOST);
  const built = hostVersion(binary) === LANGUAGE_HOST_SDK ? readRecord(dir) : undefined;
  if (!source) {
    if (built) return log(`${LANGUAGE_HOST} is already built (${built.source.slice(0, 19)}…, pkg/sdk ${built.sdk}); no source given`);
    throw new Error(`${LANGUAGE_HOST} is not built in ${dir}. It needs ${WHAT_TO_GET}`);
  }
  if (!existsSync(join(source, "go.mod")) || !existsSync(join(source, "main.go"))) {
    throw new Error(`${source} holds no go.mod and main.go of ${LANGUAGE_HOST}. Get ${WHAT_TO_GET}`);
  }
  const record: BuildRecord = { sdk: LANGUAGE_HOST_SDK, source: sourceDigest(source) };
  if (built?.source === record.source && built.sdk === record.sdk)
    return log(`${LANGUAGE_HOST} ${LANGUAGE_HOST_SDK} is already built from this source`);

  log(`building ${LANGUAGE_HOST} from ${source} against pkg/sdk ${LANGUAGE_HOST_SDK} (minutes with empty Go caches)`);
  const started = Date.now();
  // Built in the cache folder, then renamed: never a half-written binary under the final name.
  const work = mkdtempSync(join(dir, ".build-language-host-"));
  try {
    cpSync(source, work, { recursive: true });
    // A read-only source stays read-only in the copy; go mod edit and go build -mod=mod rewrite go.mod and go.sum.
    for (const path of [work, join(work, "go.mod"), join(work, "go.sum")].filter(existsSync))
      chmodSync(path, path === work ? 0o755 : 0o644);
    const go = (args: string[]) => {
      try {
        execFileSync("go", args, { cwd: work, stdio: ["ignore", "inherit", "inherit"] });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`building ${LANGUAGE_HOST} needs Go (\`go\` on PATH)`);
        throw error;
      }
    };
    // The replaces point at the pulumi repository's own folders; a served release stands in for them.
    go([
      "mod",
      "edit",
      "-dropreplace=github.com/pulumi/pulumi/pkg/v3",
      "-dropreplace=github.com/pulumi/pulumi/sdk/v3",
      `-require=github.com/pulumi/pulumi/pkg/v3@${LANGUAGE_HOST_SDK}`,
      `-require=github.com/pulumi/pulumi/sdk/v3@${LANGUAGE_HOST_SDK}`,
    ]);
    // -mod=mod records in go.sum what the build needs; `go mod tidy` would also fetch every test dependency.
    go([
      "build",
      "-mod=mod",
      "-trimpath",
      "-ldflags",
      `-s -w -X ${VERSION_SYMBOL}=${LANGUAGE_HOST_SDK}`,
      "-o",
      join(work, LANGUAGE_HOST),
      ".",
    ]);
    renameSync(join(work, LANGUAGE_HOST), binary);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const version = hostVersion(binary);
  if (version !== LANGUAGE_HOST_SDK)
    throw new Error(`the built ${binary} reports version ${version ?? "(none)"}, expected ${LANGUAGE_HOST_SDK}`);
  writeFileSync(join(dir, RECORD), `${JSON.stringify(record, null, 2)}\n`);
  log(`built ${LANGUAGE_HOST} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** `pulumi-resource-pulumi-nodejs` from `@pulumi/pulumi`'s package root, as a Pulumi install ships it. */
export function installDynamicProviderPlugin(dir: string): void {
  const root = dirname(require.resolve("@pulumi/pulumi/package.json"));
  copyFileSync(join(root, DYNAMIC_PROVIDER_PLUGIN), join(dir, DYNAMIC_PROVIDER_PLUGIN));
  chmodSync(join(dir, DYNAMIC_PROVIDER_PLUGIN), 0o755);
}
