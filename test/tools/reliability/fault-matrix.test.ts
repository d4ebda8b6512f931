import { Expectations } from "../../../tools/reliability/expectations";
import { faultMatrix } from "../../../tools/reliability/fault-matrix";
import type { withStack } from "../../../tools/reliability/stack";

describe("the fault matrix suite", () => {
  it("fails with the error of a host that did not start, and leaves no rejection unhandled while its other stacks run", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    const ended: number[] = [];
    // The isolation check's stack (scale 0.02) fails as a host start that timed out; the three
    // lanes' stacks end a few event-loop turns later, once Node has looked for unhandled rejections.
    const stacks = (async (options: { scale: number }) => {
      if (options.scale === 0.02) throw new Error("the provider host printed no port within 20000 ms; output:\n");
      for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
      ended.push(options.scale);
      return [];
    }) as unknown as typeof withStack;
    try {
      await expect(faultMatrix(new Expectations("faults"), () => undefined, stacks)).rejects.toThrow(
        "the provider host printed no port within 20000 ms",
      );
      expect(ended).toHaveLength(3);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
