import type { Emulator, RequestLogEntry } from "../emulator/emulator";
import { ACTION_WAIT, IMPORT_WAIT, stateChangeSchedule } from "../bench/terraform-replay";
import { buildGodoLifecycle, withRealTimeEmulator, type GodoLifecycle } from "./godo-lifecycle-runner";

/**
 * The replay's fidelity, measured: docs/PERFORMANCE.md compares this provider with a replay of the
 * Terraform provider's polling schedule (test/bench/terraform-replay.ts). Here the anchor's client
 * waits with the Terraform SDK's own StateChangeConf and the provider's settings, in real time, on
 * a lone import of 62 s and a transfer of 15 s, and its polls must land where the replay puts them.
 */

const IMPORT_MS = 62_000;
const TRANSFER_MS = 15_000;
/** Each refresh's own round trip delays the next wait, which the replay leaves out. */
const SLACK_MS = 750;

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

it(
  "polls a 62 s import at +1 s, +61 s, +71 s and a 15 s transfer at +10 s, +13 s, +19 s, as the replay does",
  async () => {
    await withRealTimeEmulator(
      async (emulator) => {
        const { exitCode, steps } = await godo.run(emulator, ["-schedule", "terraform", "-regions", "nyc3,sfo3", "-add-region", "ams3", "-timeout", "5m"]);
        expect(steps.filter((step) => step.error)).toEqual([]);
        expect(exitCode).toBe(0);

        const post = emulator.requests.find((request) => request.operationId === "images_create_custom")!;
        const transfer = emulator.requests.find((request) => request.operationId === "imageActions_post")!;
        const importPolls = pollOffsets(emulator, post, "images_get");
        const transferPolls = pollOffsets(emulator, transfer, "actions_get");
        const expectedImport = stateChangeSchedule(IMPORT_WAIT, 3);
        const expectedTransfer = stateChangeSchedule(ACTION_WAIT, 3);
        console.log(JSON.stringify({ importPolls, expectedImport, transferPolls, expectedTransfer }));

        expect(importPolls).toHaveLength(expectedImport.length);
        expect(transferPolls).toHaveLength(expectedTransfer.length);
        importPolls.forEach((at, index) => expect(at - expectedImport[index]).toBeGreaterThanOrEqual(0));
        importPolls.forEach((at, index) => expect(at - expectedImport[index]).toBeLessThan(SLACK_MS));
        transferPolls.forEach((at, index) => expect(at - expectedTransfer[index]).toBeGreaterThanOrEqual(0));
        transferPolls.forEach((at, index) => expect(at - expectedTransfer[index]).toBeLessThan(SLACK_MS));
      },
      { importDurationMs: IMPORT_MS, transferDurationMs: TRANSFER_MS },
    );
  },
  300_000,
);
