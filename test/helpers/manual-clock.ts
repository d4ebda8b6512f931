import type { Clock } from "../../src/client/clock";

/** A clock that moves only when a test says so: no real waiting at all. */
export interface ManualClock extends Clock {
  /** Moves simulated time forward and wakes every `sleep` that is due. */
  advance(ms: number): void;
}

interface Sleeper {
  until: number;
  resolve: () => void;
}

/**
 * `sleep` resolves when `advance` reaches its deadline. `scale` is 1 so that code deriving real
 * timeouts from it (`ms × scale`) keeps real, generous timeouts.
 */
export function manualClock(start: number = Date.parse("2026-01-01T00:00:00Z")): ManualClock {
  let now = start;
  let sleepers: Sleeper[] = [];
  return {
    scale: 1,
    now: () => now,
    sleep(ms: number, signal?: AbortSignal): Promise<void> {
      return new Promise((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        if (ms <= 0) {
          resolve();
          return;
        }
        const sleeper: Sleeper = {
          until: now + ms,
          resolve: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          sleepers = sleepers.filter((other) => other !== sleeper);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        sleepers.push(sleeper);
      });
    },
    advance(ms: number): void {
      if (!(ms >= 0)) throw new RangeError(`a clock only moves forward, got ${ms}`);
      now += ms;
      const due = sleepers.filter((sleeper) => sleeper.until <= now);
      sleepers = sleepers.filter((sleeper) => sleeper.until > now);
      due.forEach((sleeper) => sleeper.resolve());
    },
  };
}
