import { DigitalOceanClient, type DigitalOceanClientOptions, type LogLevel } from "../../src/client/digitalocean-client";
import { type Emulator, type EmulatorOptions, startEmulator } from "pulumi-digitalocean-custom-image-emulator";

/** Simulated time runs a thousand times faster: a 30 s import takes 30 ms. */
export const FAST = 0.001;

/**
 * Runs `body` against a fresh emulator, closed in `finally`. Unless the test says it sends invalid
 * requests on purpose, any spec violation the emulator recorded fails the test.
 */
export async function withEmulator<T>(
  options: EmulatorOptions & { allowViolations?: boolean },
  body: (emulator: Emulator) => Promise<T>,
): Promise<T> {
  const emulator = await startEmulator({ timeFactor: FAST, ...options });
  try {
    const result = await body(emulator);
    if (!options.allowViolations) expect(emulator.violations).toEqual([]);
    return result;
  } finally {
    await emulator.close();
  }
}

export interface LoggedClient {
  client: DigitalOceanClient;
  logs: { level: LogLevel; message: string }[];
}

/** A client of the emulator on the emulator's clock, with its log lines captured. */
export function clientFor(emulator: Emulator, options: Partial<DigitalOceanClientOptions> = {}): LoggedClient {
  const logs: LoggedClient["logs"] = [];
  const client = new DigitalOceanClient({
    token: "test-token",
    apiEndpoint: emulator.url,
    clock: emulator.clock,
    timeoutMs: 2_000,
    logger: (level, message) => logs.push({ level, message }),
    ...options,
  });
  return { client, logs };
}
