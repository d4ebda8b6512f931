import { demo } from "../../../tools/demo/demo";

/** `npm run demo` is also the end-to-end test of examples/basic: it throws at the first step that misbehaves. */
describe("the demo", () => {
  test("takes examples/basic from preview through update, replace, drift and destroy, every step as expected", async () => {
    const printed: string[] = [];

    await demo((line) => printed.push(line));

    expect(printed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/basic +update \[diff: ~description\]$/),
        expect.stringMatching(/basic +replaced \[diff: ~url\] \(id \d+ → \d+\)/),
        expect.stringMatching(/^ {4}info: Importing image "basic" \(\d+\): pending after/),
        expect.stringMatching(/^Demo passed/),
      ]),
    );
  }, 120_000);
});
