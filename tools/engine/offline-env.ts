import { mkdirSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";

/**
 * The settings under which the Pulumi CLI runs with no network and no Pulumi Cloud account, shared
 * by the engine suite, the demo and the README (`npx tsx tools/engine/offline-env.ts <folder>`
 * prints them as shell `export` lines).
 */
export interface OfflineEnvOptions {
  /** Holds the file backend (`backend/`) and PULUMI_HOME (`home/`); created when missing. */
  root: string;
  /** Encrypts the stack's secrets with the passphrase provider. */
  passphrase?: string;
  /** Folders put first on PATH: the CLI looks there for plugins such as `pulumi-resource-pulumi-nodejs`. */
  pathDirs?: readonly string[];
}

export const DEFAULT_PASSPHRASE = "custom-image-offline";

export function offlineEnv(options: OfflineEnvOptions, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const root = resolve(options.root);
  const backend = join(root, "backend");
  const home = join(root, "home");
  mkdirSync(backend, { recursive: true });
  mkdirSync(home, { recursive: true });
  return {
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_HOME: home,
    PULUMI_CONFIG_PASSPHRASE: options.passphrase ?? DEFAULT_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PATH: [...(options.pathDirs ?? []), env.PATH ?? ""].filter(Boolean).join(delimiter),
  };
}

/** `export NAME='value'` lines for a POSIX shell. */
export function shellExports(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([name, value]) => `export ${name}='${value.replaceAll("'", `'\\''`)}'`)
    .join("\n");
}

if (require.main === module) {
  const root = process.argv[2];
  if (!root) {
    console.error("usage: npx tsx tools/engine/offline-env.ts <folder for the backend and PULUMI_HOME>");
    process.exitCode = 2;
  } else {
    // The five settings only: PATH as this process has it would carry what npx and npm put first.
    const { PATH: _path, ...settings } = offlineEnv({ root });
    console.log(shellExports(settings));
  }
}
