import { SIZES, SOAK_FAULTS, type SoakSize } from "./soak-sequence";
import { runMain } from "../shared/run-main";
import { readFileSync } from "node:fs";
import { runSequence, soak, soakFigures } from "./soak";

/**
 * `npm run soak`: the randomized soak on its own. `-- --size quick|long` (default quick), `--seed N`
 * (default random, always printed), `--path P` replays one sequence of that seed, `--shrink`
 * shrinks the first failing sequence to a smallest one, `--sequences N` overrides the size's count,
 * `--sequence FILE` runs the sequence written in FILE as JSON (a counterexample, edited by hand),
 * `--faults K1,K2` draws only those fault kinds (to hunt for one defect while another is known).
 * Prints each sequence's steps and violations on stderr and the figures as JSON on stdout; exits
 * non-zero when a sequence found a violation.
 */

const USAGE =
  "usage: npm run soak -- [--size quick|long] [--seed N] [--path P] [--shrink] [--sequences N] [--sequence FILE] [--faults KIND,...]";

interface Arguments {
  size: SoakSize;
  seed: number;
  path?: string;
  shrink: boolean;
  sequenceFile?: string;
  faults?: string[];
}

function parse(args: string[]): Arguments {
  let size: SoakSize = SIZES.quick;
  let seed = Math.floor(Math.random() * 2 ** 31);
  let path: string | undefined;
  let shrink = false;
  let sequences: number | undefined;
  let sequenceFile: string | undefined;
  let faults: string[] | undefined;
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
    else if (arg === "--sequence") sequenceFile = value();
    else if (arg === "--faults") {
      faults = value().split(",");
      const known = SOAK_FAULTS.map((kind) => kind.key);
      const unknown = faults.filter((key) => !known.includes(key));
      if (unknown.length > 0 || faults.length === 0)
        throw new Error(`--faults takes kinds among ${known.join(", ")}; unknown: ${unknown.join(", ")}`);
    } else if (arg === "--sequences") {
      sequences = Number(value());
      if (!(Number.isInteger(sequences) && sequences > 0)) throw new Error(`--sequences must be a positive integer; ${USAGE}`);
    } else throw new Error(`unknown argument ${arg}; ${USAGE}`);
  }
  return { size: sequences === undefined ? size : { ...size, sequences }, seed, path, shrink, sequenceFile, faults };
}

async function main(args: string[]): Promise<number> {
  const options = parse(args);
  if (options.sequenceFile !== undefined) {
    const report = await runSequence(JSON.parse(readFileSync(options.sequenceFile, "utf8")), options.sequenceFile, progress);
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.violations.length > 0 ? 1 : 0;
  }
  progress(
    `seed ${options.seed}, size ${options.size.key} (${options.size.sequences} sequences of ${options.size.minSteps} to ${options.size.maxSteps} steps)${options.path !== undefined ? `, path ${options.path}` : ""}`,
  );
  const results = await soak({ ...options, log: progress });
  const figures = soakFigures(results);
  process.stdout.write(
    `${JSON.stringify({ seed: results.seed, size: results.size, realSeconds: Math.round(results.realSeconds), ...figures, counterexample: results.counterexample }, null, 2)}\n`,
  );
  progress(
    `${figures.sequences} sequences, ${figures.steps} steps, ${figures.faults} faults, ${figures.violations} violations in ${results.realSeconds.toFixed(0)} s`,
  );
  for (const replay of figures.failing) progress(`  replay: ${replay}`);
  return figures.violations > 0 || results.counterexample ? 1 : 0;
}

function progress(message: string): void {
  process.stderr.write(`[soak] ${message}\n`);
}

runMain(() => main(process.argv.slice(2)), progress);
