import { rmSync } from "node:fs";
import type { InstalledPrograms } from "../../tools/engine/install-programs";

/** Removes the folder global-setup.ts installed the programs into. */
export default function globalTeardown(): void {
  if (!process.env.ENGINE_PROGRAMS) return;
  rmSync((JSON.parse(process.env.ENGINE_PROGRAMS) as InstalledPrograms).root, { recursive: true, force: true });
}
