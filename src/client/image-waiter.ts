import type { DigitalOceanClient } from "./digitalocean-client";
import {
  ForbiddenError,
  ImageDeletedError,
  ImportFailedError,
  NotFoundError,
  UnauthorizedError,
  WaitTimeoutError,
  errorMessage,
} from "./errors";
import type { RateBudget } from "./rate-budget";
import { currentSubject, withSubject } from "./log-subject";
import type { Action, Image } from "./wire";

/**
 * One poller for every image (and transfer) the process is waiting on.
 *
 * The Terraform provider polls each import on its own, first after 1 s and then 60 s and 10 s apart
 * in turn, so it notices an available image up to a minute late, and N imports cost N requests a
 * minute. Here one loop serves every wait, and each round of checks costs the cheaper of one GET
 * per image or one listing of the account's private images (200 per page), so 100 imports cost one
 * request per round, not 100.
 *
 * How often: a wait's own interval starts at `minIntervalMs` and grows with the time it has waited
 * (each interval `growth` times the one before) up to `maxIntervalMs`: an import that has taken
 * ten minutes is unlikely to end in the next five seconds, and a lone image waiting an hour then
 * costs about 250 requests, not 720. A round serves every wait, so the rounds come as often as the
 * waits' intervals together ask (n waits due every d seconds: a round every d ÷ n seconds), never
 * closer than `minIntervalMs`: many imports are watched at that pace for one request per round.
 * Finally the rounds give way to the token's other traffic (see `RateBudget.pollStretch`), up to
 * `maxYieldIntervalMs` between rounds; writes never wait for them.
 */
export interface ImageWaiterOptions {
  /** A new wait's interval, and the shortest time between two rounds of checks; simulated ms. */
  minIntervalMs: number;
  /** The longest interval a wait's schedule grows to. */
  maxIntervalMs: number;
  /** Each interval of a wait is `growth` times its previous one, up to `maxIntervalMs`. */
  growth: number;
  /** How often each wait reports progress while nothing changes. */
  progressEveryMs: number;
  /** The longest time between rounds when they give way to other traffic on the token. */
  maxYieldIntervalMs: number;
}

export const defaultImageWaiterOptions: ImageWaiterOptions = {
  minIntervalMs: 4_300,
  maxIntervalMs: 15_000,
  growth: 1.25,
  progressEveryMs: 30_000,
  maxYieldIntervalMs: 40_000,
};

/**
 * A wait's interval after it has waited `elapsedMs`. Intervals growing by `growth` each time
 * (m, m·g, m·g², …) have, after elapsed time e, reached m + e·(g − 1): the same schedule, written
 * as a function of time so that a round shared by many waits can serve each of them.
 */
export function waitIntervalMs(options: Pick<ImageWaiterOptions, "minIntervalMs" | "maxIntervalMs" | "growth">, elapsedMs: number): number {
  const grown = options.minIntervalMs + Math.max(0, elapsedMs) * (options.growth - 1);
  return Math.max(options.minIntervalMs, Math.min(options.maxIntervalMs, grown));
}

/**
 * The time from one round of checks to the next, for waits that have waited `elapsedMs` each (at
 * the last round) and a round that costs `requests`: the waits' rates (one check per interval) add
 * up, and a round comes once they have earned as many checks as it costs (one listing for many
 * images: often; one GET per image: each at its own pace), never closer than `minIntervalMs`.
 * Then the budget's stretch, never beyond `maxYieldIntervalMs` (nor shortening a longer round to it).
 */
export function roundIntervalMs(
  options: Omit<ImageWaiterOptions, "progressEveryMs">,
  elapsedMs: readonly number[],
  stretch = 1,
  requests = 1,
): number {
  const rate = elapsedMs.reduce((sum, elapsed) => sum + 1 / waitIntervalMs(options, elapsed), 0);
  const scheduled = rate === 0 ? options.minIntervalMs : Math.max(options.minIntervalMs, Math.max(1, requests) / rate);
  if (stretch <= 1) return scheduled;
  return Math.max(scheduled, Math.min(scheduled * stretch, options.maxYieldIntervalMs));
}

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
  /** For an action wait: the action as it was handed in (a transfer's `regionSlug` is its destination). */
  action?: Action;
  what: string;
  startedAt: number;
  deadline: number;
  lastStatus: string;
  lastReportAt: number;
  /** 404s in a row: one may be a glitch, two mean the image is gone. */
  notFound: number;
  /** Why the last check told nothing, for the timeout's message. */
  lastProblem?: string;
  /** The subject of the work that began the wait (log-subject.ts): its checks and progress are logged as about it. */
  subject?: string;
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
  /** Rounds put off (in part) for the token's other traffic. */
  yielded: number;
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
  readonly stats: WaiterStats = { ticks: 0, turns: 0, gets: 0, listings: 0, yielded: 0 };
  /** Ends the loop's sleep when a wait joins, so that its first check is not held to a long interval. */
  private wake?: AbortController;

  constructor(
    private readonly client: DigitalOceanClient,
    options: Partial<ImageWaiterOptions> = {},
  ) {
    this.options = { ...defaultImageWaiterOptions, ...options };
  }

  /** Resolves with the image once it is `available`; rejects when DigitalOcean ends the import, or at the deadline. */
  waitForImage(imageId: number, options: WaitOptions, lastStatus = "NEW"): Promise<Image> {
    return this.enqueue(
      this.images,
      { kind: "image", imageId, what: `the import of image ${imageId} to become available` },
      options,
      lastStatus,
    );
  }

  /** Resolves with the action once it is `completed`; rejects when it `errored`, or at the deadline. */
  waitForAction(imageId: number, action: Action, what: string, options: WaitOptions): Promise<Action> {
    return this.enqueue(this.actions, { kind: "action", imageId, action, what }, options, action.status);
  }

  private enqueue<T>(
    set: Set<Wait<T>>,
    wait: Pick<Wait<T>, "kind" | "imageId" | "action" | "what">,
    options: WaitOptions,
    lastStatus: string,
  ): Promise<T> {
    const now = this.client.clock.now();
    return new Promise<T>((resolve, reject) => {
      const entry: Wait<T> = {
        ...wait,
        startedAt: now,
        deadline: now + options.timeoutMs,
        lastStatus,
        lastReportAt: now,
        notFound: 0,
        subject: currentSubject(),
        options,
        resolve,
        reject,
      };
      set.add(entry);
      // A check still in flight when its wait has ended (at its deadline) changes nothing.
      entry.resolve = (value) => void (set.delete(entry) && resolve(value));
      entry.reject = (error) => void (set.delete(entry) && reject(error));
      if (!this.running) void this.run();
      else this.wake?.abort();
    });
  }

  /**
   * Every turn of the loop ends waits past their deadline, starts a round of checks when one is
   * due, and sleeps until the next round or deadline, whichever is first, or until a wait joins.
   * The next round is worked out again on every turn (the waits and the budget change), from the
   * last round's start. Rounds and deadlines lie in the future after the turn, so the loop never
   * turns without time passing, whatever the checks do: a check that hangs until its request
   * timeout neither holds up a deadline nor makes the loop spin.
   */
  private async run(): Promise<void> {
    this.running = true;
    const { clock } = this.client;
    // A client without a budget (a test's stand-in) has no other traffic to give way to.
    const budget = this.client.budget as RateBudget | undefined;
    let lastRound: number | undefined;
    try {
      for (;;) {
        const now = clock.now();
        this.expire(now);
        const waits = [...this.images, ...this.actions] as Wait<unknown>[];
        if (waits.length === 0) break;
        const from = lastRound ?? Math.min(...waits.map((wait) => wait.startedAt));
        const elapsed = lastRound === undefined ? [] : waits.map((wait) => from - wait.startedAt);
        const cost = this.roundCost();
        const scheduled = roundIntervalMs(this.options, elapsed, 1, cost);
        const stretched = roundIntervalMs(this.options, elapsed, budget?.pollStretch() ?? 1, cost);
        if (now >= from + stretched) {
          this.stats.ticks++;
          if (stretched > scheduled) this.stats.yielded++;
          lastRound = now;
          // Not awaited: the next round comes on time even while a check hangs until its timeout.
          void this.checkImages();
          void this.checkActions();
          continue;
        }
        // While the rounds give way, the budget is looked at again at least this often.
        const recheck = stretched > scheduled ? now + this.options.minIntervalMs : Infinity;
        const nextDeadline = Math.min(...waits.map((wait) => wait.deadline));
        this.stats.turns++;
        this.wake = new AbortController();
        await clock
          .sleep(Math.max(MIN_SLEEP_MS, Math.min(from + stretched, nextDeadline, recheck) - clock.now()), this.wake.signal)
          .catch(() => undefined);
        this.wake = undefined;
      }
    } finally {
      this.running = false;
    }
  }

  /** Requests the next round will send: a listing or one GET per image, and one request per image with transfers. */
  private roundCost(): number {
    const images = this.images.size === 0 ? 0 : Math.min(this.images.size, this.listingPages);
    return images + new Set([...this.actions].map((wait) => wait.imageId)).size;
  }

  /** Rejects every wait whose deadline has come, whether or not a check of it is in flight. */
  private expire(now: number): void {
    for (const wait of [...this.images, ...this.actions] as Wait<unknown>[]) {
      if (now < wait.deadline) continue;
      wait.reject(new WaitTimeoutError(wait.what, wait.imageId, now - wait.startedAt, wait.lastStatus, wait.lastProblem));
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
        const images = await about(waits, () => this.client.images.list({ private: true }));
        this.listingPages = Math.max(1, Math.ceil(images.length / 200));
        for (const image of images) found.set(image.id, image);
      } catch {
        // Nothing to record: every wait then gets a GET of its own, whose answer or failure counts
        // (a 404 of the listing and of the GET would otherwise count as two checks).
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
            image = await about([wait], () => this.client.images.get(wait.imageId));
          } catch (error) {
            return this.failedCheck([wait], error);
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
        let actions: Action[];
        try {
          // Several transfers of one image (one per extra region) are answered by one listing of
          // its actions instead of one GET each.
          if (waits.length > 1) {
            this.stats.listings++;
            actions = await about(waits, () => this.client.imageActions.list(imageId));
          } else {
            this.stats.gets++;
            actions = [await about(waits, () => this.client.imageActions.get(imageId, waits[0]!.action!.id))];
          }
        } catch (error) {
          if (error instanceof NotFoundError) return this.actionsNotFound(imageId, waits, error);
          return this.failedCheck(waits, error);
        }
        for (const wait of waits) {
          wait.notFound = 0;
          const action = actions.find((candidate) => candidate.id === wait.action!.id);
          if (!action) wait.lastProblem = `DigitalOcean's listing of image ${imageId}'s actions did not include action ${wait.action!.id}`;
          else if (action.status === "completed") wait.resolve(action);
          else if (action.status === "errored")
            wait.reject(new ImportFailedError(wait.imageId, `DigitalOcean reported an error for ${wait.what} (action ${action.id})`));
          else this.progress(wait, action.status);
        }
      }),
    );
  }

  /**
   * DigitalOcean answered 404 for an image's action (or its listing of actions). An action it has
   * lost track of is not a gone image: only the image's own 404, or its status `deleted`, counts
   * towards the two checks that end the wait as deleted. An image still there is looked at instead:
   * once it lists the transfer's region, the transfer is done; until then the wait goes on.
   */
  private async actionsNotFound(imageId: number, waits: Wait<Action>[], notFound: NotFoundError): Promise<void> {
    let image: Image;
    try {
      this.stats.gets++;
      image = await about(waits, () => this.client.images.get(imageId));
    } catch (error) {
      return this.failedCheck(waits, error);
    }
    if (image.status === "deleted") return this.failedCheck(waits, notFound);
    for (const wait of waits) {
      wait.notFound = 0;
      const action = wait.action!;
      const region = action.type === "transfer" ? action.regionSlug : null;
      // The action's own record is what DigitalOcean lost; the region in the image's list is the transfer's result.
      if (region && image.regions.includes(region)) wait.resolve({ ...action, status: "completed" });
      else
        wait.lastProblem = `DigitalOcean answered 404 for action ${action.id}, while image ${imageId} is there (${image.status})${region ? ` and not yet in ${region}` : ""}`;
    }
  }

  private progress<T>(wait: Wait<T>, status: string): void {
    const now = this.client.clock.now();
    wait.lastProblem = undefined;
    if (status !== wait.lastStatus || now - wait.lastReportAt >= this.options.progressEveryMs) {
      wait.lastStatus = status;
      wait.lastReportAt = now;
      withSubject(wait.subject, () => wait.options.onProgress?.(status, now - wait.startedAt));
    }
  }

  /**
   * A check that failed after the client's own retries. A 404 of the image may be a glitch; a
   * second in a row means the image is gone, and the wait ends at once (an action's 404 counts only
   * when the image's own answer confirms it, see `actionsNotFound`). A refused token ends the wait
   * at once. Anything else is noted for the timeout's message: the deadline decides.
   */
  private failedCheck<T>(waits: Wait<T>[], error: unknown): void {
    for (const wait of waits) {
      // A token refused (revoked, expired, a scope taken away) does not recover by itself: waiting
      // until the deadline (an hour by default) would only delay the failure.
      if (error instanceof UnauthorizedError || error instanceof ForbiddenError) {
        wait.reject(error);
        continue;
      }
      if (error instanceof NotFoundError && ++wait.notFound >= 2) {
        // During an import the image may also be one whose import failed and whose `deleted`
        // record DigitalOcean no longer shows: the message does not claim more than is known.
        const how =
          wait.kind === "image"
            ? "is gone (deleted outside Pulumi, or its import failed and DigitalOcean has removed it)"
            : "was deleted outside Pulumi";
        wait.reject(
          new ImageDeletedError(wait.imageId, `Image ${wait.imageId} ${how} while waiting for ${wait.what} (404 at two checks in a row)`),
        );
        continue;
      }
      wait.lastProblem = `last check failed: ${errorMessage(error)}`;
    }
  }
}

/**
 * Runs a check for `waits` as about their subjects: one shared check (a listing) is about every
 * image it answers for, so its messages name them all.
 */
function about<T>(waits: readonly Pick<Wait<unknown>, "subject">[], check: () => Promise<T>): Promise<T> {
  const subjects = [...new Set(waits.flatMap((wait) => (wait.subject === undefined ? [] : [wait.subject])))];
  return withSubject(subjects.length === 0 ? undefined : subjects.join(", "), check);
}
