import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { engineCacheDir } from "../engine/engine-cli";
import { ANCHOR_PLUGIN, ANCHOR_VERSION, pluginVersion } from "./install-anchor";

/**
 * Puts the folder of the plugin `npm run engine:install -- --anchor` built first on PATH, where the
 * CLI looks for plugins (with automatic acquisition off, it finds none elsewhere); fails saying
 * what to run when it is missing.
 */
export function useAnchorPlugin(): string {
  const dir = engineCacheDir();
  const plugin = join(dir, ANCHOR_PLUGIN);
  try {
    accessSync(plugin, constants.X_OK);
  } catch {
    throw new Error(`test:anchor needs ${plugin}: run \`npm run engine:install -- --anchor\``);
  }
  const version = pluginVersion(plugin);
  if (version !== ANCHOR_VERSION)
    throw new Error(`${plugin} reports ${version ?? "no version"}, expected ${ANCHOR_VERSION}: run \`npm run engine:install -- --anchor\``);
  process.env.PATH = [dir, process.env.PATH].filter(Boolean).join(delimiter);
  return plugin;
}
