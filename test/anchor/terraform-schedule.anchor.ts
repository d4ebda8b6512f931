import type { Emulator, RequestLogEntry } from "pulumi-digitalocean-custom-image-emulator";
import { ACTION_WAIT, IMPORT_WAIT, stateChangeSchedule } from "../../tools/bench/terraform-replay";
import { buildGodoLifecycle, withRealTimeEmulator, type GodoLifecycle } from "../../tools/anchor/godo-lifecycle-runner";

/**
 * The replay's fidelity, measured: docs/PERFORMANCE.md compares this provider with a replay of the
 * Terraform provider's polling schedule (tools/bench/terraform-replay.ts). Here the anchor's client
 * waits with the Terraform SDK's own StateChangeConf and the provider's settings, in real time, on
 * a lone import of 62 s and a transfer of 15 s, and its polls must land where the replay puts them.
 */

const IMPORT_MS = 62_000;
const TRANSFER_MS = 15_000;
/**
 * The SDK starts each wait when the previous request has returned, so each gap between requests
 * also holds that request's round trip, which the replay leaves out; on the shared machine the
 * first (the POST, while the emulator compiles its validators) has taken up to about 0.8 s.
 */
const SLACK_MS = 1_500;

let godo: GodoLifecycle;
beforeAll(async () => {
  godo = await buildGodoLifecycle();
}, 600_000);
afterAll(() => godo?.remove());

/** Arrival offsets (ms) of the polls that follow `start`, up to the next request of another operation. */
function pollOffsets(emulator: Emulator, start: RequestLogEntry, operationId: string): number[] {
  const after = emulator.requests.slice(emulator.requests.indexOf(start) + 1);
  const end = after.findIndex((request) => request.operationId !== operationId);
  return after.slice(0, end === -1 ? undefined : end).map((request) => request.at - start.at);
}

/** The waits between consecutive requests, from offsets after the start. */
const gaps = (offsets: number[]) => offsets.map((at, index) => at - (index === 0 ? 0 : offsets[index - 1]));

/** Each gap is the replay's, plus at most SLACK_MS of round trip. */
function expectGapsOf(measured: number[], replayed: number[]): void {
  expect(measured).toHaveLength(replayed.length);
  gaps(measured).forEach((gap, index) => {
    const late = gap - gaps(replayed)[index];
    expect(late).toBeGreaterThanOrEqual(0);
    expect(late).toBeLessThan(SLACK_MS);
  });
}

it("polls a 62 s import at +1 s, +61 s, +71 s and a 15 s transfer at +10 s, +13 s, +19 s, as the replay does", async () => {
  await withRealTimeEmulator(
    async (emulator) => {
      const { exitCode, steps } = await godo.run(emulator, [
        "-schedule",
        "terraform",
        "-regions",
        "nyc3,sfo3",
        "-add-region",
        "ams3",
        "-timeout",
        "5m",
      ]);
      expect(steps.filter((step) => step.error)).toEqual([]);
      expect(exitCode).toBe(0);

      const post = emulator.requests.find((request) => request.operationId === "images_create_custom")!;
      const transfer = emulator.requests.find((request) => request.operationId === "imageActions_post")!;
      const importPolls = pollOffsets(emulator, post, "images_get");
      const transferPolls = pollOffsets(emulator, transfer, "actions_get");
      const expectedImport = stateChangeSchedule(IMPORT_WAIT, 3);
      const expectedTransfer = stateChangeSchedule(ACTION_WAIT, 3);
      console.log(JSON.stringify({ importPolls, expectedImport, transferPolls, expectedTransfer }));

      expectGapsOf(importPolls, expectedImport);
      expectGapsOf(transferPolls, expectedTransfer);
    },
    { importDurationMs: IMPORT_MS, transferDurationMs: TRANSFER_MS },
  );
}, 300_000);
