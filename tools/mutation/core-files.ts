/**
 * The files mutation testing measures, each with the tests that state its behaviour. Only these
 * tests run against a file's mutants, so a file's score says what its own tests pin, not what some
 * distant suite happens to touch.
 *
 * Every test listed runs in Jest's process, where Stryker switches mutants. The host, reliability
 * and engine suites load `dist/` in child processes, where the mutated sources never run; what
 * they alone checked is stated again here by tests that call the provider in process (see
 * docs/MUTATION.md).
 */
export interface CoreFile {
  file: string;
  tests: string[];
}

export const CORE_FILES: readonly CoreFile[] = [
  { file: "src/provider/check.ts", tests: ["test/provider/check.test.ts"] },
  { file: "src/provider/diff.ts", tests: ["test/provider/diff.test.ts"] },
  {
    file: "src/provider/presigned-url.ts",
    tests: ["test/provider/presigned-url.test.ts", "test/provider/check.test.ts", "test/provider/diff.test.ts"],
  },
  {
    file: "src/client/redact-urls.ts",
    tests: [
      "test/client/redact-urls.test.ts",
      "test/provider/presigned-url.test.ts",
      "test/provider/check.test.ts",
      "test/client/untrusted-responses.test.ts",
    ],
  },
  { file: "src/client/retry-policy.ts", tests: ["test/client/retry-policy.test.ts", "test/client/digitalocean-client.test.ts"] },
  // CustomImage.get's failures (read with ADOPTING) are stated in lifecycle.test.ts too: test/lookups
  // covers getImage and getImages, which do not call lifecycle.ts, and test/host runs it in a child process.
  { file: "src/provider/lifecycle.ts", tests: ["test/provider/lifecycle.test.ts"] },
  { file: "src/provider/import-marker.ts", tests: ["test/provider/lifecycle.test.ts", "test/client/digitalocean-client.test.ts"] },
  { file: "src/client/rate-budget.ts", tests: ["test/client/rate-budget.test.ts", "test/client/digitalocean-client.test.ts"] },
  { file: "src/client/image-waiter.ts", tests: ["test/client/image-waiter.test.ts"] },
];

/** Every core file must reach this mutation score (equivalent mutants left out). */
export const GOAL_PERCENT = 85;

/**
 * What the quick run measures when no core file changed: the two pure files whose mutants run in
 * seconds, enough to catch a broken mutation setup in CI.
 */
export const QUICK_SAMPLE: readonly string[] = ["src/provider/presigned-url.ts", "src/client/retry-policy.ts"];
