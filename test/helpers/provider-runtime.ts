import { ImageWaiter, type ImageWaiterOptions } from "../../src/client/image-waiter";
import type { Runtime } from "../../src/provider/lifecycle";
import type { Emulator } from "pulumi-digitalocean-custom-image-emulator";
import { clientFor } from "./emulator-fixture";

export interface TestRuntime {
  runtime: Runtime;
  /** What the provider reported through Pulumi's log. */
  lines: string[];
}

/** The provider's runtime (client, waiter, log) against an emulator, with log lines captured. */
export function runtimeFor(emulator: Emulator, waiter: Partial<ImageWaiterOptions> = {}): TestRuntime {
  const { client } = clientFor(emulator);
  const lines: string[] = [];
  const log = { info: (message: string) => lines.push(`info: ${message}`), warn: (message: string) => lines.push(`warn: ${message}`) };
  return { runtime: { client, waiter: new ImageWaiter(client, waiter), log }, lines };
}
