import type { Clock } from "../../../src/client/clock";

/**
 * Which clock the programs calling the emulator read its times with.
 *
 * - `shared`: theirs is the emulator's own `clock` (a test's client given `emulator.clock`, the
 *   provider given the clock's `spec` in its stack config). Every time on the wire is simulated.
 * - `system`: theirs is the system clock (a Pulumi program pointed at the command). A fast clock
 *   must then shorten only what the program waits for (imports, transfers, rate-limit windows),
 *   never change what it reads: an instant on the wire (`created_at`, an action's times,
 *   `ratelimit-reset`, `date`) is the real moment the simulated one happened or will happen, a
 *   span the program waits out (`retry-after`) is real seconds, and a span the program must be
 *   able to observe at its own pace (how long a deleted image lingers) is real time.
 */
export type ClientClock = "shared" | "system";

export interface ProgramTime {
  /** Epoch ms a program reads for the simulated instant `simulatedMs`. */
  epochMs(simulatedMs: number): number;
  /** The simulated instant a program's epoch ms stands for (the inverse of `epochMs`). */
  simulatedAt(epochMs: number): number;
  /** The program's ms that `simulatedMs` simulated ones take. */
  programSpan(simulatedMs: number): number;
  /** The simulated ms that `programMs` of the program's time take. */
  simulatedSpan(programMs: number): number;
}

export const sharedProgramTime: ProgramTime = {
  epochMs: (ms) => ms,
  simulatedAt: (ms) => ms,
  programSpan: (ms) => ms,
  simulatedSpan: (ms) => ms,
};

/**
 * The mapping for `clientClock`. For `system`, simulated time is anchored to the real time when
 * the emulator starts and runs `1 / clock.scale` times faster from then on; instants before the
 * start (DigitalOcean's public images' dates, images restored from another run) ran at the real
 * pace and are only shifted. A clock that is not scaled (`scale` 1) or that no real time drives
 * (`scale` 0) needs no mapping.
 */
export function programTime(clock: Clock, clientClock: ClientClock, realNow: () => number = Date.now): ProgramTime {
  const { scale } = clock;
  if (clientClock === "shared" || scale === 1 || !(scale > 0)) return sharedProgramTime;
  const simulatedStart = clock.now();
  const realStart = realNow();
  return {
    epochMs: (ms) => (ms <= simulatedStart ? ms - simulatedStart + realStart : realStart + (ms - simulatedStart) * scale),
    simulatedAt: (ms) => (ms <= realStart ? ms - realStart + simulatedStart : simulatedStart + (ms - realStart) / scale),
    programSpan: (ms) => ms * scale,
    simulatedSpan: (ms) => ms / scale,
  };
}
