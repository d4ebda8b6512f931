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

export const MINUTE_MS = 60_000;

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
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
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

export interface ScaledClock extends Clock {
  /** `scale,origin,realStart`: `clockFromSpec` rebuilds this very clock in another process. */
  readonly spec: string;
}

/**
 * A clock whose simulated time runs `1 / scale` times faster than real time. Two processes that
 * build it from the same `origin` and `realStart` (epoch ms) agree on the simulated time, which is
 * how a test shares one clock with a provider running in Pulumi's host process (its `spec` goes
 * into the stack config).
 */
export function scaledClock(scale: number, origin: number = epochNow(), realStart: number = epochNow()): ScaledClock {
  if (!(scale > 0)) throw new RangeError(`clock scale must be a positive number, got ${scale}`);
  return {
    now: () => origin + (epochNow() - realStart) / scale,
    sleep: (ms, signal) => realSleep(ms * scale, signal),
    scale,
    spec: `${scale},${origin},${realStart}`,
  };
}

/** The clock a `ScaledClock.spec` describes; the system clock when there is none. */
export function clockFromSpec(spec: string | undefined): Clock {
  if (!spec) return systemClock;
  const [scale, origin, realStart] = spec.split(",").map(Number);
  return scaledClock(scale!, origin, realStart);
}
