import type { DigitalOceanClient } from "./digitalocean-client";
import { ImageDeletedError, ImportFailedError, NotFoundError, WaitTimeoutError } from "./errors";
import type { Action, Image } from "./wire";

/**
 * One poller for every image (and transfer) the process is waiting on.
 *
 * The Terraform provider polls each import on its own, first after 1 s and then at least 60 s
 * apart, so it notices an available image up to a minute late, and N imports cost N requests a
 * minute. Here one loop serves every wait: its interval starts short and grows to a cap (5 s by
 * default), and each tick costs the cheaper of one GET per image or one listing of the account's
 * private images (200 per page), so 100 imports cost one request per tick, not 100.
 */
export interface ImageWaiterOptions {
  /** First interval between checks, simulated ms. */
  minIntervalMs: number;
  /** The interval grows by `growth` each tick up to this cap. */
  maxIntervalMs: number;
  growth: number;
  /** How often each wait reports progress while nothing changes. */
  progressEveryMs: number;
}

export const defaultImageWaiterOptions: ImageWaiterOptions = {
  minIntervalMs: 2_000,
  maxIntervalMs: 5_000,
  growth: 1.5,
  progressEveryMs: 30_000,
};

/** The shortest sleep of the waiter's loop, so that time moves on whatever a clock answers. */
const MIN_SLEEP_MS = 1;

export interface WaitOptions {
  timeoutMs: number;
  /** Called on every status change and every `progressEveryMs`: for Pulumi's log. */
  onProgress?: (status: string, elapsedMs: number) => void;
}

interface Wait<T> {
  kind: "image" | "action";
  imageId: number;
  actionId?: number;
  what: string;
  startedAt: number;
  deadline: number;
  lastStatus: string;
  lastReportAt: number;
  /** 404s in a row: one may be a glitch, two mean the image is gone. */
  notFound: number;
  /** Why the last check told nothing, for the timeout's message. */
  lastProblem?: string;
  options: WaitOptions;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export interface WaiterStats {
  /** Rounds of checks. */
  ticks: number;
  /** Turns of the loop: about one per tick and one per deadline; a loop that spins would show here. */
  turns: number;
  gets: number;
  listings: number;
}

export class ImageWaiter {
  private readonly options: ImageWaiterOptions;
  private readonly images = new Set<Wait<Image>>();
  private readonly actions = new Set<Wait<Action>>();
  private running = false;
  /** Waits whose check is still in flight: a slow or hanging check holds up only its own waits. */
  private readonly checking = new Set<unknown>();
  /** Pages one listing of private images took last time: the cost to compare with one GET per image. */
  private listingPages = 1;
  readonly stats: WaiterStats = { ticks: 0, turns: 0, gets: 0, listings: 0 };

  constructor(
    private readonly client: DigitalOceanClient,
    options: Partial<ImageWaiterOptions> = {},
  ) {
    this.options = { ...defaultImageWaiterOptions, ...options };
  }

  /** Resolves with the image once it is `available`; rejects when DigitalOcean ends the import, or at the deadline. */
  waitForImage(imageId: number, options: WaitOptions, lastStatus = "NEW"): Promise<Image> {
    return this.enqueue(this.images, { kind: "image", imageId, what: `the import of image ${imageId} to become available` }, options, lastStatus);
  }

  /** Resolves with the action once it is `completed`; rejects when it `errored`, or at the deadline. */
  waitForAction(imageId: number, action: Action, what: string, options: WaitOptions): Promise<Action> {
    return this.enqueue(this.actions, { kind: "action", imageId, actionId: action.id, what }, options, action.status);
  }

  private enqueue<T>(set: Set<Wait<T>>, wait: Pick<Wait<T>, "kind" | "imageId" | "actionId" | "what">, options: WaitOptions, lastStatus: string): Promise<T> {
    const now = this.client.clock.now();
    return new Promise<T>((resolve, reject) => {
      const entry: Wait<T> = { ...wait, startedAt: now, deadline: now + options.timeoutMs, lastStatus, lastReportAt: now, notFound: 0, options, resolve, reject };
      set.add(entry);
      // A check still in flight when its wait has ended (at its deadline) changes nothing.
      entry.resolve = (value) => void (set.delete(entry) && resolve(value));
      entry.reject = (error) => void (set.delete(entry) && reject(error));
      if (!this.running) void this.run();
    });
  }

  /**
   * Every turn of the loop ends waits past their deadline, starts a round of checks when one is
   * due, and sleeps until the next tick or deadline, whichever is first. Both lie in the future
   * after the turn, so the loop never turns without time passing, whatever the checks do: a
   * check that hangs until its request timeout neither holds up a deadline nor makes the loop spin.
   */
  private async run(): Promise<void> {
    this.running = true;
    const { clock } = this.client;
    let interval = this.options.minIntervalMs;
    let nextTick = clock.now() + interval;
    try {
      for (;;) {
        const now = clock.now();
        this.expire(now);
        const waits = [...this.images, ...this.actions];
        if (waits.length === 0) break;
        if (now >= nextTick) {
          this.stats.ticks++;
          // Not awaited: the next tick comes on time even while a check hangs until its timeout.
          void this.checkImages();
          void this.checkActions();
          interval = Math.min(interval * this.options.growth, this.options.maxIntervalMs);
          // Ticks start `interval` apart however long the checks take, so a finished import is
          // noticed at most one interval after it finished, not an interval plus a round trip.
          nextTick = now + interval;
        }
        const nextDeadline = Math.min(...waits.map((wait) => wait.deadline));
        this.stats.turns++;
        await clock.sleep(Math.max(MIN_SLEEP_MS, Math.min(nextTick, nextDeadline) - clock.now()));
      }
    } finally {
      this.running = false;
    }
  }

  /** Rejects every wait whose deadline has come, whether or not a check of it is in flight. */
  private expire(now: number): void {
    for (const wait of [...this.images, ...this.actions] as Wait<unknown>[]) {
      if (now < wait.deadline) continue;
      const timeout = new WaitTimeoutError(wait.what, wait.imageId, now - wait.startedAt, wait.lastStatus);
      if (wait.lastProblem) timeout.message += ` (${wait.lastProblem})`;
      wait.reject(timeout);
    }
  }

  /** Marks the waits not already being checked as being checked, for the duration of `check`. */
  private async exclusively<T>(all: Iterable<Wait<T>>, check: (waits: Wait<T>[]) => Promise<void>): Promise<void> {
    const waits = [...all].filter((wait) => !this.checking.has(wait));
    if (waits.length === 0) return;
    for (const wait of waits) this.checking.add(wait);
    try {
      await check(waits);
    } catch (error) {
      this.failedCheck(waits, error);
    } finally {
      for (const wait of waits) this.checking.delete(wait);
    }
  }

  private checkImages(): Promise<void> {
    return this.exclusively(this.images, (waits) => this.checkImagesNow(waits));
  }

  private async checkImagesNow(waits: Wait<Image>[]): Promise<void> {
    const found = new Map<number, Image>();
    if (waits.length > this.listingPages) {
      try {
        this.stats.listings++;
        const images = await this.client.images.list({ private: true });
        this.listingPages = Math.max(1, Math.ceil(images.length / 200));
        for (const image of images) found.set(image.id, image);
      } catch (error) {
        this.failedCheck(waits, error);
      }
    }
    // Listings leave out deleted images, so a wait the listing did not answer gets its own GET
    // (which also carries DigitalOcean's error_message for a failed import).
    await Promise.all(
      waits.map(async (wait) => {
        let image = found.get(wait.imageId);
        if (!image) {
          try {
            this.stats.gets++;
            image = await this.client.images.get(wait.imageId);
          } catch (error) {
            return this.failedCheck([wait], error);
          }
        }
        wait.notFound = 0;
        if (image.status === "available") return wait.resolve(image);
        if (image.status === "deleted" || image.status === "retired") {
          const reason = image.errorMessage || `DigitalOcean ended it with status "${image.status}"`;
          return wait.reject(new ImportFailedError(wait.imageId, `DigitalOcean could not import image ${wait.imageId} ("${image.name}"): ${reason}`));
        }
        this.progress(wait, image.status);
      }),
    );
  }

  private checkActions(): Promise<void> {
    return this.exclusively(this.actions, (waits) => this.checkActionsNow(waits));
  }

  private async checkActionsNow(all: Wait<Action>[]): Promise<void> {
    const byImage = new Map<number, Wait<Action>[]>();
    for (const wait of all) byImage.set(wait.imageId, [...(byImage.get(wait.imageId) ?? []), wait]);
    await Promise.all(
      [...byImage].map(async ([imageId, waits]) => {
        let actions: Action[];
        try {
          // Several transfers of one image (one per extra region) are answered by one listing of
          // its actions instead of one GET each.
          if (waits.length > 1) {
            this.stats.listings++;
            actions = await this.client.imageActions.list(imageId);
          } else {
            this.stats.gets++;
            actions = [await this.client.imageActions.get(imageId, waits[0]!.actionId!)];
          }
        } catch (error) {
          return this.failedCheck(waits, error);
        }
        for (const wait of waits) {
          wait.notFound = 0;
          const action = actions.find((candidate) => candidate.id === wait.actionId);
          if (!action) wait.lastProblem = `DigitalOcean's listing of image ${imageId}'s actions did not include action ${wait.actionId}`;
          else if (action.status === "completed") wait.resolve(action);
          else if (action.status === "errored") wait.reject(new ImportFailedError(wait.imageId, `DigitalOcean reported an error for ${wait.what} (action ${action.id})`));
          else this.progress(wait, action.status);
        }
      }),
    );
  }

  private progress<T>(wait: Wait<T>, status: string): void {
    const now = this.client.clock.now();
    wait.lastProblem = undefined;
    if (status !== wait.lastStatus || now - wait.lastReportAt >= this.options.progressEveryMs) {
      wait.lastStatus = status;
      wait.lastReportAt = now;
      wait.options.onProgress?.(status, now - wait.startedAt);
    }
  }

  /**
   * A check that failed after the client's own retries. A 404 may be a glitch; a second in a row
   * means the image is gone, and the wait ends at once (an action of a deleted image is not found
   * either). Anything else is noted for the timeout's message: the deadline decides.
   */
  private failedCheck<T>(waits: Wait<T>[], error: unknown): void {
    for (const wait of waits) {
      if (error instanceof NotFoundError && ++wait.notFound >= 2) {
        // During an import the image may also be one whose import failed and whose `deleted`
        // record DigitalOcean no longer shows: the message does not claim more than is known.
        const how = wait.kind === "image" ? "is gone (deleted outside Pulumi, or its import failed and DigitalOcean has removed it)" : "was deleted outside Pulumi";
        wait.reject(new ImageDeletedError(wait.imageId, `Image ${wait.imageId} ${how} while waiting for ${wait.what} (404 at two checks in a row)`));
        continue;
      }
      wait.lastProblem = `last check failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}
