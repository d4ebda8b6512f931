import type { Clock } from "../../src/client/clock";
import type { RequestPhase } from "./request-phases";

/**
 * What `digitalocean_custom_image` of terraform-provider-digitalocean v2.99 (which
 * `@pulumi/digitalocean` runs, bridged) sends to DigitalOcean during one create, replayed on the
 * benchmark's scaled clock with a plain HTTP client:
 *
 * - `resourceDigitalOceanCustomImageCreate` (digitalocean/image/resource_custom_image.go): POST
 *   /v2/images, then `waitForImage`: a `StateChangeConf{Delay: 1s, MinTimeout: 60s}` polling
 *   GET /v2/images/{id} until `available`; then `distributeImageToRegions`: for each further region
 *   in turn, POST /v2/images/{id}/actions (transfer) and `util.WaitForAction`
 *   (digitalocean/util/wait.go): `StateChangeConf{Delay: 10s, MinTimeout: 3s}` polling GET
 *   /v2/actions/{id} until it has `completed_at`; finally the resource Read: GET /v2/images/{id}.
 * - godo runs on go-retryablehttp (digitalocean/config/config.go) with the provider's defaults
 *   `http_retry_max = 4`, `http_retry_wait_min = 1`, `http_retry_wait_max = 30`: a 429 or a 5xx
 *   (not 501) is retried after `Retry-After` when a 429 or 503 carries it, else after 1 s × 2^n,
 *   at most 30 s.
 */

export interface StateChangeConf {
  /** `Delay`: before the first refresh. */
  delayMs: number;
  /** `MinTimeout`: the smallest wait between refreshes. */
  minTimeoutMs: number;
  /** `PollInterval`: overrides the backoff when set (0: not set). */
  pollIntervalMs: number;
  timeoutMs: number;
}

/** `waitForImage` in resource_custom_image.go (Timeout: the resource's create timeout, default 60 min). */
export const IMPORT_WAIT: StateChangeConf = { delayMs: 1_000, minTimeoutMs: 60_000, pollIntervalMs: 0, timeoutMs: 60 * 60_000 };
/** `WaitForAction` in util/wait.go. */
export const ACTION_WAIT: StateChangeConf = { delayMs: 10_000, minTimeoutMs: 3_000, pollIntervalMs: 0, timeoutMs: 60 * 60_000 };

/**
 * The wait before the next refresh, given the previous one (0 before the second refresh), as
 * terraform-plugin-sdk v2 `helper/retry` `StateChangeConf.WaitForStateContext` computes it: the
 * first round's 0 becomes 100 ms, every wait doubles, and then either `PollInterval` wins, or the
 * result is raised to `MinTimeout` or else capped at 10 s. With `MinTimeout` above 10 s the waits
 * therefore alternate: 60 s, then 120 s capped to 10 s, then 20 s raised to 60 s, and so on.
 */
export function nextStateChangeWait(conf: StateChangeConf, previousMs: number): number {
  const wait = (previousMs === 0 ? 100 : previousMs) * 2;
  if (conf.pollIntervalMs > 0 && conf.pollIntervalMs < 180_000) return conf.pollIntervalMs;
  if (wait < conf.minTimeoutMs) return conf.minTimeoutMs;
  return wait > 10_000 ? 10_000 : wait;
}

/** Offsets (ms after the wait starts) of the first `count` refreshes, leaving out the time each refresh takes. */
export function stateChangeSchedule(conf: StateChangeConf, count: number): number[] {
  const offsets: number[] = [];
  let at = conf.delayMs;
  let wait = 0;
  for (let index = 0; index < count; index++) {
    at += wait;
    offsets.push(at);
    wait = nextStateChangeWait(conf, wait);
  }
  return offsets;
}

/** Refreshes until `refresh` reports a target state; as WaitForStateContext, minus the goroutine. */
async function waitForState(
  clock: Clock,
  conf: StateChangeConf,
  what: string,
  refresh: () => Promise<"pending" | "target">,
): Promise<void> {
  const deadline = clock.now() + conf.timeoutMs;
  await clock.sleep(conf.delayMs);
  let wait = 0;
  for (;;) {
    await clock.sleep(wait);
    if ((await refresh()) === "target") return;
    if (clock.now() >= deadline) throw new Error(`timeout while waiting for ${what}`);
    wait = nextStateChangeWait(conf, wait);
  }
}

/** godo on go-retryablehttp, as the Terraform provider configures it. */
const RETRY = { max: 4, waitMinMs: 1_000, waitMaxMs: 30_000 };

export interface TerraformCreateInputs {
  name: string;
  url: string;
  regions: string[];
  description?: string;
  distribution?: string;
  tags?: string[];
  /** The resource's `timeouts { create = ... }`; Terraform's default is 60 min. */
  createTimeoutMs?: number;
}

export interface TerraformCreateResult {
  id: number;
  /** Simulated ms when the create started and when it returned (after the final Read). */
  sentAt: number;
  returnedAt: number;
  /** Retries go-retryablehttp made after a 429 or 5xx. */
  retries: number;
}

export class TerraformReplay {
  retries = 0;
  /** What each request was for, by the request id the emulator answered with. */
  readonly phases = new Map<string, RequestPhase>();

  constructor(
    private readonly apiEndpoint: string,
    private readonly token: string,
    private readonly clock: Clock,
  ) {}

  /** `terraform apply` of one new `digitalocean_custom_image`. */
  async create(inputs: TerraformCreateInputs): Promise<TerraformCreateResult> {
    const sentAt = this.clock.now();
    const retriesBefore = this.retries;
    const [region, ...others] = inputs.regions;
    const { image } = await this.request<{ image: { id: number } }>("write", "POST", "/v2/images", {
      name: inputs.name,
      url: inputs.url,
      region,
      ...(inputs.description ? { description: inputs.description } : {}),
      ...(inputs.distribution ? { distribution: inputs.distribution } : {}),
      ...(inputs.tags ? { tags: inputs.tags } : {}),
    });
    const importWait = { ...IMPORT_WAIT, timeoutMs: inputs.createTimeoutMs ?? IMPORT_WAIT.timeoutMs };
    await waitForState(this.clock, importWait, `image ${image.id} to become available`, async () => {
      const { image: current } = await this.request<{ image: { status: string; error_message?: string } }>(
        "poll",
        "GET",
        `/v2/images/${image.id}`,
      );
      if (current.status === "deleted") throw new Error(`image ${image.id} failed: ${current.error_message}`);
      return current.status === "available" ? "target" : "pending";
    });
    for (const next of others) {
      const { action } = await this.request<{ action: { id: number } }>("write", "POST", `/v2/images/${image.id}/actions`, {
        type: "transfer",
        region: next,
      });
      await waitForState(this.clock, ACTION_WAIT, `the transfer of image ${image.id} to ${next}`, async () => {
        const { action: current } = await this.request<{ action: { status: string; completed_at: string | null } }>(
          "poll",
          "GET",
          `/v2/actions/${action.id}`,
        );
        if (current.status === "errored") throw new Error(`the transfer of image ${image.id} to ${next} errored`);
        return current.completed_at ? "target" : "pending";
      });
    }
    await this.request("read", "GET", `/v2/images/${image.id}`);
    return { id: image.id, sentAt, returnedAt: this.clock.now(), retries: this.retries - retriesBefore };
  }

  private async request<T>(phase: RequestPhase, method: string, path: string, body?: unknown): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${this.apiEndpoint}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      const requestId = response.headers.get("x-request-id");
      if (requestId) this.phases.set(requestId, phase);
      const retryable = response.status === 429 || (response.status >= 500 && response.status !== 501);
      if (retryable && attempt < RETRY.max) {
        this.retries++;
        await this.clock.sleep(retryWait(response, attempt));
        continue;
      }
      if (!response.ok) throw new Error(`${method} ${path} failed: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    }
  }
}

/** go-retryablehttp's DefaultBackoff. */
function retryWait(response: Response, attempt: number): number {
  const retryAfter = Number(response.headers.get("retry-after"));
  if ((response.status === 429 || response.status === 503) && Number.isFinite(retryAfter) && response.headers.has("retry-after"))
    return retryAfter * 1000;
  return Math.min(RETRY.waitMinMs * 2 ** attempt, RETRY.waitMaxMs);
}
