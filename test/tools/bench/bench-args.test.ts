import { parseArgs } from "../../../tools/bench/bench-args";

describe("npm run bench's arguments", () => {
  test.each([
    ["nothing: the full plan, its own number of runs", [], {}, { quick: false, anchor: false, write: false, repeat: undefined }],
    ["--quick and --write", ["--quick", "--write"], {}, { quick: true, anchor: false, write: true, repeat: undefined }],
    ["BENCH_QUICK=1 as --quick", [], { BENCH_QUICK: "1" }, { quick: true, anchor: false, write: false, repeat: undefined }],
    ["--repeat 5", ["--repeat", "5"], {}, { quick: false, anchor: false, write: false, repeat: 5 }],
    ["--repeat=1", ["--quick", "--repeat=1"], {}, { quick: true, anchor: false, write: false, repeat: 1 }],
    ["--anchor --write --repeat 2", ["--anchor", "--write", "--repeat", "2"], {}, { quick: false, anchor: true, write: true, repeat: 2 }],
  ])("reads %s", (_case, args, env, expected) => {
    expect(parseArgs(args, env)).toEqual(expected);
  });

  test.each([
    ["--repeat 0", ["--repeat", "0"], '--repeat must be a whole number of runs, 1 or more, got "0"'],
    ["--repeat without a number", ["--repeat"], '--repeat must be a whole number of runs, 1 or more, got ""'],
    ["--repeat 2.5", ["--repeat=2.5"], '--repeat must be a whole number of runs, 1 or more, got "2.5"'],
    ["an unknown flag", ["--fast"], "unknown argument --fast"],
    ["--anchor with --quick", ["--anchor", "--quick"], "--anchor runs in real time and has no quick variant"],
  ])("rejects %s, naming what is allowed", (_case, args, message) => {
    expect(() => parseArgs(args, {})).toThrow(message);
    expect(() => parseArgs(args, {})).toThrow("usage: npm run bench [-- --quick | --anchor] [-- --write] [-- --repeat N]");
  });
});
