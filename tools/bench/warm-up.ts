import { concurrentImports } from "./concurrent-imports";
import { multiRegion } from "./multi-region";

/**
 * Runs every kind of request once, on a fast clock, and throws the figures away: the emulator
 * compiles each operation's validators on first use and Node compiles the code paths on first
 * run, which would otherwise land inside the first measured scenario, magnified by its time factor.
 */
export async function warmUp(): Promise<void> {
  await Promise.all([multiRegion(0.001, 10_000, { ams3: 10_000 }), concurrentImports(0.001, 3, 10_000, 20_000)]);
}
