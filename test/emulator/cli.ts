/**
 * Runs the emulator until SIGINT or SIGTERM: `npm run emulator`, or `npx tsx test/emulator/cli.ts`.
 *
 *   EMULATOR_PORT         port on 127.0.0.1 (default 0: any free port, printed)
 *   EMULATOR_TOKEN        the accepted bearer token (default test-token)
 *   EMULATOR_TIME_FACTOR  real ms per simulated ms (default 1; 0.01 runs 100 times faster)
 */
import { startEmulator } from "./emulator";

function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return value;
}

async function main(): Promise<void> {
  const token = process.env.EMULATOR_TOKEN || "test-token";
  const timeFactor = numberFromEnv("EMULATOR_TIME_FACTOR", 1);
  const emulator = await startEmulator({ port: numberFromEnv("EMULATOR_PORT", 0), tokens: [token], timeFactor: timeFactor === 1 ? undefined : timeFactor });
  console.log(`DigitalOcean emulator listening on ${emulator.url} (token: ${token})`);
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
