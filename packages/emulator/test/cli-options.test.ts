import { CliUsageError, parseCli, usage } from "../src/cli-options";

describe("the bin's command line", () => {
  test.each([
    ["no option: a free port, the test token, real time", [], {}, { port: 0, tokens: ["test-token"] }],
    [
      "--port and --time-factor as the README's workflow gives them",
      ["--port", "8080", "--time-factor", "0.01"],
      {},
      { port: 8080, tokens: ["test-token"], timeFactor: 0.01, clientClock: "system" },
    ],
    ["--time-factor 1 is real time, the default", ["--time-factor", "1"], {}, { port: 0, tokens: ["test-token"] }],
    ["--token repeated accepts each", ["--token", "a", "--token", "b"], {}, { port: 0, tokens: ["a", "b"] }],
    [
      "durations in simulated seconds",
      ["--import-seconds", "90", "--transfer-seconds", "0"],
      {},
      { port: 0, tokens: ["test-token"], importDurationMs: 90_000, transferDurationMs: 0 },
    ],
    [
      "--no-rate-limit and --no-public-images",
      ["--no-rate-limit", "--no-public-images"],
      {},
      { port: 0, tokens: ["test-token"], rateLimit: false, publicImages: false },
    ],
    [
      "the environment when a flag is absent",
      [],
      { EMULATOR_PORT: "9000", EMULATOR_TOKEN: "env-token", EMULATOR_TIME_FACTOR: "0.1" },
      { port: 9000, tokens: ["env-token"], timeFactor: 0.1, clientClock: "system" },
    ],
    [
      "a flag over its environment variable",
      ["--port", "8080", "--token", "flag"],
      { EMULATOR_PORT: "9000", EMULATOR_TOKEN: "env" },
      { port: 8080, tokens: ["flag"] },
    ],
    [
      "the switches for what DigitalOcean does not document",
      ["--transfer-region", "none", "--pending-images", "unlisted", "--error-message-url", "full", "--listing-pages", "snapshot"],
      {},
      {
        port: 0,
        tokens: ["test-token"],
        transferRegion: "none",
        pendingImages: "unlisted",
        errorMessageUrl: "full",
        listingPages: "snapshot",
      },
    ],
    ["an empty environment variable as unset", [], { EMULATOR_PORT: "", EMULATOR_TOKEN: "" }, { port: 0, tokens: ["test-token"] }],
  ])("runs with %s", (_, args, env, options) => {
    expect(parseCli(args, env)).toEqual({ kind: "run", options });
  });

  test("--report names the file written when the emulator stops", () => {
    expect(parseCli(["--report", "out/report.json"])).toMatchObject({ kind: "run", reportFile: "out/report.json" });
  });

  test.each([
    [["--help"], "help"],
    [["-h", "--port", "nonsense"], "help"],
    [["--version"], "version"],
    [["-v"], "version"],
  ])("%j asks for %s", (args, kind) => {
    expect(parseCli(args)).toEqual({ kind });
  });

  test.each([
    [["--port", "99999"], {}, '--port must be an integer from 0 to 65535, got "99999"'],
    [["--port", "80.5"], {}, '--port must be an integer from 0 to 65535, got "80.5"'],
    [
      [],
      { EMULATOR_PORT: "eighty" },
      "--port must be an integer from 0 to 65535, got a value that is not a number (6 characters, not repeated here)",
    ],
    [["--time-factor", "0"], {}, '--time-factor must be a positive number (0.01 runs 100 times faster), got "0"'],
    [
      ["--time-factor", "fast"],
      {},
      "--time-factor must be a positive number (0.01 runs 100 times faster), got a value that is not a number (4 characters, not repeated here)",
    ],
    [["--import-seconds=-1"], {}, '--import-seconds must be a number of seconds, 0 or more, got "-1"'],
    [["--transfer-seconds", "Infinity"], {}, '--transfer-seconds must be a number of seconds, 0 or more, got "Infinity"'],
    [["--transfer-region", "target"], {}, '--transfer-region must be one of destination, source, none, got "target"'],
    [["--token", " "], {}, "--token must not be empty"],
    [["--bogus"], {}, "Unknown option '--bogus'"],
    [["--port"], {}, "Option '--port <value>' argument missing"],
    [["8080"], {}, "Unexpected argument: the emulator takes only options (the argument is not repeated here); a token goes after --token"],
  ])("refuses %j (environment %j): %s", (args, env, message) => {
    const attempt = () => parseCli(args, env);
    expect(attempt).toThrow(CliUsageError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow("Run `digitalocean-images-emulator --help` for the options.");
  });

  test.each([
    [["--port=dop_v1_0123456789abcdef0123456789abcdef"], {}],
    [["--time-factor", "dop_v1_0123456789abcdef0123456789abcdef"], {}],
    [[], { EMULATOR_PORT: "dop_v1_0123456789abcdef0123456789abcdef" }],
    [["dop_v1_0123456789abcdef0123456789abcdef"], {}],
  ])("does not repeat a value that is not a number, which may be a token: %j %j", (args, env) => {
    const attempt = () => parseCli(args, env);
    expect(attempt).toThrow(CliUsageError);
    expect(attempt).not.toThrow(/0123456789abcdef/);
  });

  test("--help lists every option with its environment variable, and how to point a stack at the emulator", () => {
    const text = usage("1.2.3");
    expect(text).toMatch(/^digitalocean-images-emulator 1\.2\.3: /);
    expect(text).toMatch(/--port <n> .*\[env EMULATOR_PORT\]/);
    expect(text).toMatch(/--token <token> .*\[env EMULATOR_TOKEN\]/);
    expect(text).toMatch(/--time-factor <f> .*\[env EMULATOR_TIME_FACTOR\]/);
    for (const flag of [
      "--import-seconds <s>",
      "--transfer-seconds <s>",
      "--no-rate-limit",
      "--no-public-images",
      "--report <file>",
      "-h, --help",
      "-v, --version",
    ])
      expect(text).toContain(flag);
    expect(text).toContain("pulumi config set digitalocean:apiEndpoint <url>");
  });
});
