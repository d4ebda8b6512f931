import { systemClock } from "../../src/client/clock";
import type { Emulator, Fault, FaultMatch } from "pulumi-digitalocean-custom-image-emulator";
import { faultByKey } from "../../tools/reliability/fault-matrix";
import { buildGodoLifecycle, withRealTimeEmulator, type GodoLifecycle, type Step } from "../../tools/anchor/godo-lifecycle-runner";

/**
 * Issue 15's subset of the fault matrix, met by the anchor's client: godo on go-retryablehttp as
 * terraform-provider-digitalocean configures it (4 retries, 1 s doubling to 30 s), running that
 * provider's custom-image lifecycle. The faults are the reliability suite's own (FAULTS). What
 * Pulumi's engine and the bridge make of a failed create is not run here (README.md beside this file).
 */

const IMAGE_PATH = /^\/v2\/images\/\d+$/;
// The anchor's client sets no request timeout; "late" is 1.5 × a 2 s one, in real time.
const fault = (key: string): Fault => faultByKey(key, { clock: systemClock, scale: 1, requestTimeoutMs: 2_000 });

interface Cell {
  name: string;
  faults: [Fault, FaultMatch][];
  exitCode: number;
  /** The step that failed, when the run fails. */
  failedStep?: string;
  /** Images the account holds at the end that the client knows the id of (state would hold them). */
  keptKnown: number;
  /** Images the account holds at the end whose id the client never saw. */
  orphans: number;
  duplicates: number;
}

const CELLS: Cell[] = [
  {
    name: "import POST answered 500: retried, one image",
    faults: [[fault("500"), { method: "POST", path: "/v2/images" }]],
    exitCode: 0,
    keptKnown: 0,
    orphans: 0,
    duplicates: 0,
  },
  {
    name: "import POST reset after acting: retried blindly, a second image, the first orphaned",
    faults: [[fault("reset-after"), { method: "POST", path: "/v2/images" }]],
    exitCode: 0,
    keptKnown: 0,
    orphans: 1,
    duplicates: 1,
  },
  {
    name: "import POST acted on after 3 s: no client timeout, so it waits, one image",
    faults: [[fault("late"), { method: "POST", path: "/v2/images" }]],
    exitCode: 0,
    keptKnown: 0,
    orphans: 0,
    duplicates: 0,
  },
  {
    name: "wait GET answered 503 three times then 404: the 503s are retried, the 404 ends the create, the image is left with its id known",
    faults: [
      [fault("503"), { method: "GET", path: IMAGE_PATH, count: 3 }],
      [fault("404"), { method: "GET", path: IMAGE_PATH }],
    ],
    exitCode: 1,
    failedStep: "wait for available",
    keptKnown: 1,
    orphans: 0,
    duplicates: 0,
  },
  {
    name: "transfer POST answered 503: retried, the transfer happens once",
    faults: [[fault("503"), { method: "POST", path: /^\/v2\/images\/\d+\/actions$/ }]],
    exitCode: 0,
    keptKnown: 0,
    orphans: 0,
    duplicates: 0,
  },
  {
    name: "DELETE reset after acting: the retry meets the 422 the provider reads as already deleted, so the destroy succeeds",
    faults: [[fault("reset-after"), { method: "DELETE", path: IMAGE_PATH }]],
    exitCode: 0,
    keptKnown: 0,
    orphans: 0,
    duplicates: 0,
  },
  {
    name: "DELETE answered 500: retried, the image is deleted",
    faults: [[fault("500"), { method: "DELETE", path: IMAGE_PATH }]],
    exitCode: 0,
    keptKnown: 0,
    orphans: 0,
    duplicates: 0,
  },
];

let godo: GodoLifecycle;
beforeAll(async () => {
  godo = await buildGodoLifecycle();
}, 600_000);
afterAll(() => godo?.remove());

function tally(emulator: Emulator, steps: Step[]) {
  const known = new Set(steps.flatMap((step) => (step.image ? [step.image.id] : [])));
  const left = emulator.audit().filter((entry) => entry.fate !== "deleted");
  return {
    keptKnown: left.filter((entry) => known.has(entry.id)).length,
    orphans: left.filter((entry) => !known.has(entry.id)).length,
    duplicates: emulator.duplicates().length,
  };
}

it.each(CELLS)("$name", async (cell) => {
  await withRealTimeEmulator(async (emulator) => {
    const injected = cell.faults.map(([what, match]) => emulator.inject(what, match));
    // The name is kept, so that the emulator still sees a second import of the same image as a duplicate.
    const { exitCode, steps } = await godo.run(emulator, ["-regions", "nyc3,sfo3", "-add-region", "ams3", "-renamed", "anchor-image"]);

    expect(injected.map((armed) => armed.remaining)).toEqual(injected.map(() => 0));
    expect({ exitCode, failedStep: steps.find((step) => step.error)?.step, ...tally(emulator, steps) }).toEqual({
      exitCode: cell.exitCode,
      failedStep: cell.failedStep,
      keptKnown: cell.keptKnown,
      orphans: cell.orphans,
      duplicates: cell.duplicates,
    });
  });
});
