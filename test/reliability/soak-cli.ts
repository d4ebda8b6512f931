import { SIZES, type SoakSize } from "./soak-sequence";
import { type SoakResults, soak } from "./soak";

/**
 * `npm run soak`: the randomized soak on its own. `-- --size quick|long` (default quick), `--seed N`
 * (default random, always printed), `--path P` replays one sequence of that seed, `--shrink`
 * shrinks the first failing sequence to a smallest one, `--sequences N` overrides the size's count.
 * Prints each sequence's steps and violations on stderr and the figures as JSON on stdout; exits
 * non-zero when a sequence found a violation.
 */

const USAGE = "usage: npm run soak -- [--size quick|long] [--seed N] [--path P] [--shrink] [--sequences N]";

interface Arguments {
  size: SoakSize;
  seed: number;
  path?: string;
  shrink: boolean;
}

function parse(args: string[]): Arguments {
  let size: SoakSize = SIZES.quick;
  let seed = Math.floor(Math.random() * 2 ** 31);
  let path: string | undefined;
  let shrink = false;
  let sequences: number | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const value = () => {
      const next = args[++index];
      if (next === undefined) throw new Error(`${arg} needs a value; ${USAGE}`);
      return next;
    };
    if (arg === "--size") {
      const key = value();
      if (!(key in SIZES)) throw new Error(`--size must be quick or long, got ${key}; ${USAGE}`);
      size = SIZES[key as SoakSize["key"]];
    } else if (arg === "--seed") {
      seed = Number(value());
      if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer; ${USAGE}`);
    } else if (arg === "--path") path = value();
    else if (arg === "--shrink") shrink = true;
    else if (arg === "--sequences") {
      sequences = Number(value());
      if (!(Number.isInteger(sequences) && sequences > 0)) throw new Error(`--sequences must be a positive integer; ${USAGE}`);
    } else throw new Error(`unknown argument ${arg}; ${USAGE}`);
  }
  return { size: sequences === undefined ? size : { ...size, sequences }, seed, path, shrink };
}

export function summary(results: SoakResults): { sequences: number; steps: number; faults: number; hostKills: number; clockJumps: number; outOfBand: number; requests: number; violations: number; failing: string[] } {
  const sum = (pick: (report: SoakResults["sequences"][number]) => number) => results.sequences.reduce((total, report) => total + pick(report), 0);
  return {
    sequences: results.sequences.length,
    steps: sum((report) => report.steps),
    faults: sum((report) => report.faults),
    hostKills: sum((report) => report.hostKills),
    clockJumps: sum((report) => report.clockJumps),
    outOfBand: sum((report) => report.outOfBand),
    requests: sum((report) => report.requests),
    violations: sum((report) => report.violations.length),
    failing: results.sequences.filter((report) => report.violations.length > 0).map((report) => `npm run soak -- --seed ${results.seed} --path ${report.path}`),
  };
}

async function main(args: string[]): Promise<number> {
  const options = parse(args);
  progress(`seed ${options.seed}, size ${options.size.key} (${options.size.sequences} sequences of ${options.size.minSteps} to ${options.size.maxSteps} steps)${options.path !== undefined ? `, path ${options.path}` : ""}`);
  const results = await soak({ ...options, log: progress });
  const figures = summary(results);
  process.stdout.write(`${JSON.stringify({ seed: results.seed, size: results.size, realSeconds: Math.round(results.realSeconds), ...figures, counterexample: results.counterexample }, null, 2)}\n`);
  progress(`${figures.sequences} sequences, ${figures.steps} steps, ${figures.faults} faults, ${figures.violations} violations in ${results.realSeconds.toFixed(0)} s`);
  for (const replay of figures.failing) progress(`  replay: ${replay}`);
  return figures.violations > 0 || results.counterexample ? 1 : 0;
}

function progress(message: string): void {
  process.stderr.write(`[soak] ${message}\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(2);
  },
);
