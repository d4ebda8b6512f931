import type { Clock } from "../../src/client/clock";

/**
 * A clock on which sleeping takes no real time: `sleep(ms)` moves simulated time forward by `ms`
 * and resolves at once. Tests read `slept` to see what a component decided to wait.
 */
export class VirtualClock implements Clock {
  readonly scale = 0;
  readonly slept: number[] = [];
  constructor(private current = Date.UTC(2026, 10, 23, 12, 0, 0)) {}
  now(): number {
    return this.current;
  }
  advance(ms: number): void {
    this.current += ms;
  }
  async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.current += Math.max(0, ms);
  }
}
