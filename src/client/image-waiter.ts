import type { DigitalOceanClient } from "./digitalocean-client";
import { DigitalOceanError, ImportFailedError, NotFoundError, WaitTimeoutError } from "./errors";
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
  options: WaitOptions;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export interface WaiterStats {
  ticks: number;
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
  readonly stats: WaiterStats = { ticks: 0, gets: 0, listings: 0 };

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
      const settle = () => set.delete(entry);
      entry.resolve = (value) => (settle(), resolve(value));
      entry.reject = (error) => (settle(), reject(error));
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    const { clock } = this.client;
    let interval = this.options.minIntervalMs;
    let tickStarted = clock.now();
    try {
      while (this.images.size + this.actions.size > 0) {
        // Ticks start `interval` apart however long the checks took, so a finished import is
        // noticed at most one interval after it finished, not an interval plus a round trip.
        const nextTick = tickStarted + interval;
        await clock.sleep(Math.max(0, Math.min(nextTick - clock.now(), this.untilNextDeadline())));
        tickStarted = clock.now();
        this.stats.ticks++;
        // Not awaited: the next tick comes on time even while a check hangs until its timeout.
        void this.checkImages();
        void this.checkActions();
        interval = Math.min(interval * this.options.growth, this.options.maxIntervalMs);
      }
    } finally {
      this.running = false;
    }
  }

  private untilNextDeadline(): number {
    const deadlines = [...this.images, ...this.actions].map((wait) => wait.deadline);
    return Math.max(0, Math.min(...deadlines) - this.client.clock.now());
  }

  /** Marks the waits not already being checked as being checked, for the duration of `check`. */
  private async exclusively<T>(all: Iterable<Wait<T>>, check: (waits: Wait<T>[]) => Promise<void>): Promise<void> {
    const waits = [...all].filter((wait) => !this.checking.has(wait));
    if (waits.length === 0) return;
    for (const wait of waits) this.checking.add(wait);
    try {
      await check(waits);
    } catch (error) {
      this.reportError(waits, error);
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
        this.reportError(waits, error);
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
            if (error instanceof NotFoundError && ++wait.notFound >= 2) return wait.reject(new ImportFailedError(wait.imageId, `Image ${wait.imageId} disappeared (404 twice in a row) while waiting for ${wait.what}; it was deleted outside Pulumi`));
            return this.reportError([wait], error);
          }
        }
        wait.notFound = 0;
        if (image.status === "available") return wait.resolve(image);
        if (image.status === "deleted" || image.status === "retired") {
          // Without an error_message the status cannot tell a failed import from an image deleted outside Pulumi.
          const message = image.errorMessage
            ? `DigitalOcean could not import image ${wait.imageId} ("${image.name}"): ${image.errorMessage}`
            : `Image ${wait.imageId} ("${image.name}") became "${image.status}" while waiting for ${wait.what}, and DigitalOcean gave no reason: it was deleted outside Pulumi, or DigitalOcean ended the import without saying why`;
          return wait.reject(new ImportFailedError(wait.imageId, message, image.errorMessage || undefined));
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
        try {
          // Several transfers of one image (one per extra region) are answered by one listing of
          // its actions instead of one GET each.
          let actions: Action[];
          if (waits.length > 1) {
            this.stats.listings++;
            actions = await this.client.imageActions.list(imageId);
          } else {
            this.stats.gets++;
            actions = [await this.client.imageActions.get(imageId, waits[0]!.actionId!)];
          }
          for (const wait of waits) {
            const action = actions.find((candidate) => candidate.id === wait.actionId);
            if (!action) continue;
            if (action.status === "completed") wait.resolve(action);
            else if (action.status === "errored") wait.reject(new ImportFailedError(wait.imageId, `DigitalOcean reported an error for ${wait.what} (action ${action.id})`));
            else this.progress(wait, action.status);
          }
        } catch (error) {
          this.reportError(waits, error);
        }
      }),
    );
  }

  private progress<T>(wait: Wait<T>, status: string): void {
    const now = this.client.clock.now();
    if (now >= wait.deadline) {
      wait.reject(new WaitTimeoutError(wait.what, wait.imageId, now - wait.startedAt, status));
      return;
    }
    if (status !== wait.lastStatus || now - wait.lastReportAt >= this.options.progressEveryMs) {
      wait.lastStatus = status;
      wait.lastReportAt = now;
      wait.options.onProgress?.(status, now - wait.startedAt);
    }
  }

  /** A failed check (after the client's own retries) fails the wait only once its deadline has passed. */
  private reportError<T>(waits: Wait<T>[], error: unknown): void {
    const now = this.client.clock.now();
    for (const wait of waits) {
      if (now < wait.deadline) continue;
      const cause = error instanceof DigitalOceanError ? ` (last check failed: ${error.message})` : "";
      const timeout = new WaitTimeoutError(wait.what, wait.imageId, now - wait.startedAt, wait.lastStatus);
      timeout.message += cause;
      wait.reject(timeout);
    }
  }
}
