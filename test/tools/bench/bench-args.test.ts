import { parseArgs } from "../../../tools/bench/bench-args";

describe("npm run bench's arguments", () => {
  test.each([
    ["nothing: the full plan, its own number of runs", [], {}, { quick: false, write: false, repeat: undefined }],
    ["--quick and --write", ["--quick", "--write"], {}, { quick: true, write: true, repeat: undefined }],
    ["BENCH_QUICK=1 as --quick", [], { BENCH_QUICK: "1" }, { quick: true, write: false, repeat: undefined }],
    ["--repeat 5", ["--repeat", "5"], {}, { quick: false, write: false, repeat: 5 }],
    ["--repeat=1", ["--quick", "--repeat=1"], {}, { quick: true, write: false, repeat: 1 }],
  ])("reads %s", (_case, args, env, expected) => {
    expect(parseArgs(args, env)).toEqual(expected);
  });

  test.each([
    ["--repeat 0", ["--repeat", "0"], '--repeat must be a whole number of runs, 1 or more, got "0"'],
    ["--repeat without a number", ["--repeat"], '--repeat must be a whole number of runs, 1 or more, got ""'],
    ["--repeat 2.5", ["--repeat=2.5"], '--repeat must be a whole number of runs, 1 or more, got "2.5"'],
    ["an unknown flag", ["--fast"], "unknown argument --fast"],
  ])("rejects %s, naming what is allowed", (_case, args, message) => {
    expect(() => parseArgs(args, {})).toThrow(message);
    expect(() => parseArgs(args, {})).toThrow("usage: npm run bench [-- --quick] [-- --write] [-- --repeat N]");
  });
});
