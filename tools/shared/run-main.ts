/**
 * Runs a program's `main` as the npm scripts expect: the exit code it resolves to ends the process
 * (`process.exit`, since an emulator or host a failed run leaves behind would keep it alive); when
 * it resolves to nothing the process ends on its own. A thrown error is reported, stack included,
 * through `report`, and ends the process with `failureCode`.
 */
export function runMain(main: () => Promise<number | void>, report: (text: string) => void, failureCode = 2): void {
  main().then(
    (code) => {
      if (code !== undefined) process.exit(code);
    },
    (error: unknown) => {
      report(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exit(failureCode);
    },
  );
}
