/**
 * Time as the client, the image waiter and the test emulator see it.
 *
 * Production uses the system clock. Tests and benchmarks share one scaled clock between the
 * emulator and the client so that a simulated hour passes in a few real seconds: `now()` is
 * simulated time in epoch milliseconds, and `sleep(ms)` waits `ms × scale` real milliseconds.
 */
export interface Clock {
  /** Simulated epoch milliseconds. */
  now(): number;
  /** Waits `ms` simulated milliseconds; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Real milliseconds per simulated millisecond (1 for the system clock). */
  readonly scale: number;
}

function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
const epochNow = () => performance.timeOrigin + performance.now();

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: realSleep,
  scale: 1,
};

/**
 * A clock whose simulated time runs `1 / scale` times faster than real time. Two processes that
 * build it from the same `origin` and `realStart` (epoch ms) agree on the simulated time, which is
 * how a test shares one clock with a provider running in Pulumi's host process.
 */
export function scaledClock(scale: number, origin: number = epochNow(), realStart: number = epochNow()): Clock {
  if (!(scale > 0)) throw new RangeError(`clock scale must be a positive number, got ${scale}`);
  return {
    now: () => origin + (epochNow() - realStart) / scale,
    sleep: (ms, signal) => realSleep(ms * scale, signal),
    scale,
  };
}
