/** `npm run bench`'s arguments; `env` stands for `process.env` (BENCH_QUICK=1 is `--quick`). */
const USAGE = "usage: npm run bench [-- --quick] [-- --write] [-- --repeat N]";

export function parseArgs(
  args: string[],
  env: Record<string, string | undefined> = process.env,
): { quick: boolean; write: boolean; repeat?: number } {
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
  const unknown = rest.filter((arg) => arg !== "--quick" && arg !== "--write");
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(" ")}; ${USAGE}`);
  return { quick: rest.includes("--quick") || env.BENCH_QUICK === "1", write: rest.includes("--write"), repeat };
}
