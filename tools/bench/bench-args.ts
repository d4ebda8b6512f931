/** `npm run bench`'s arguments; `env` stands for `process.env` (BENCH_QUICK=1 is `--quick`). */
const USAGE = "usage: npm run bench [-- --quick | --anchor] [-- --write] [-- --repeat N]";

export function parseArgs(
  args: string[],
  env: Record<string, string | undefined> = process.env,
): { quick: boolean; anchor: boolean; write: boolean; repeat?: number } {
  let repeat: number | undefined;
  const rest: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const value = arg === "--repeat" ? args[++index] : arg.startsWith("--repeat=") ? arg.slice("--repeat=".length) : undefined;
    if (arg === "--repeat" || arg.startsWith("--repeat=")) {
      repeat = Number(value);
      if (!Number.isInteger(repeat) || repeat < 1)
        throw new Error(`--repeat must be a whole number of runs, 1 or more, got ${JSON.stringify(value ?? "")}; ${USAGE}`);
    } else rest.push(arg);
  }
  const unknown = rest.filter((arg) => !["--quick", "--anchor", "--write"].includes(arg));
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(" ")}; ${USAGE}`);
  const quick = rest.includes("--quick") || env.BENCH_QUICK === "1";
  const anchor = rest.includes("--anchor");
  // The anchor's side runs in real time: there is no small variant of it on a faster clock.
  if (quick && anchor) throw new Error(`--anchor runs in real time and has no quick variant (BENCH_QUICK=1 counts as --quick); ${USAGE}`);
  return { quick, anchor, write: rest.includes("--write"), repeat };
}
