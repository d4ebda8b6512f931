import { scaledClock } from "../../src/client/clock";
import { CONFIG } from "../../src/provider/index";
import { type Emulator, type EmulatorOptions, startEmulator } from "pulumi-digitalocean-custom-image-emulator";

export interface EmulatorStack {
  emulator: Emulator;
  /** Stack config pointing the provider at the emulator, on the emulator's clock. */
  config: Record<string, string>;
  /** The token is set the way a user sets it: `pulumi config set --secret`. */
  secretKeys: string[];
}

const TOKEN = "test-token";

/**
 * An emulator and the stack config a program needs to use it. Both processes build one scaled
 * clock from the same origin and real start (the provider from `digitalocean-custom-image:clock`),
 * so `scale` real ms pass per simulated ms on both sides: at 0.02, a 90 s import takes 1.8 s.
 */
export async function startEmulatorStack(
  scale: number,
  options: Omit<EmulatorOptions, "clock" | "timeFactor" | "tokens"> = {},
): Promise<EmulatorStack> {
  const clock = scaledClock(scale);
  const emulator = await startEmulator({ ...options, clock, tokens: [TOKEN] });
  return {
    emulator,
    config: {
      "digitalocean:token": TOKEN,
      "digitalocean:apiEndpoint": emulator.url,
      [CONFIG.clock]: clock.spec,
    },
    secretKeys: ["digitalocean:token"],
  };
}
