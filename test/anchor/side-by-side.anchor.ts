import type { ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Emulator, Fault, FaultMatch } from "pulumi-digitalocean-custom-image-emulator";
import { systemClock } from "../../src/client/clock";
import { describeEngine, engineFixtures, importAccepted } from "../../tools/engine/engine-suite";
import type { CliResult, EngineStack, RunOptions, StackExport } from "../../tools/engine/engine-stack";
import { faultByKey } from "../../tools/reliability/fault-matrix";
import { useAnchorPlugin } from "../../tools/anchor/anchor-plugin";
import { REPO_ROOT } from "../../tools/shared/example-package";

/**
 * One scenario list through the real CLI on both providers, each against its own emulator with the
 * same settings, in real time (time factor 1: the anchor's waits are Go timers): imports take 20 s
 * and transfers 10 s. The lifecycle, a `pulumi up` SIGKILLed mid-import and what a user does next,
 * and the faults (the emulator's fault injection, with the reliability suite's faults).
 * Each step's engine operations, requests, wall time, orphans and duplicates, and what the user
 * reads are recorded; with ANCHOR_WRITE=1 the tables go to docs/ANCHOR.md.
 */

const PROJECT = "custom-image-side-by-side";
const REAL_TIME = { scale: 1, emulator: { importDurationMs: 20_000, transferDurationMs: 10_000 } };
type Provider = "bridged" | "package";
const PROVIDERS: readonly Provider[] = ["bridged", "package"];
const NAMES: Record<Provider, string> = { bridged: "`@pulumi/digitalocean` 4.76.0 (anchor)", package: "this package" };

interface Row {
  step: string;
  ops: string;
  requests: number;
  writes: number;
  seconds: number;
  /** The exit code, or the signal that ended the CLI. */
  exit: number | string | null;
  /** Images alive that the state does not name. */
  orphans: number;
  /** Ids in the state whose image is gone. */
  gone: number;
  /** Operations the state lists as pending (a create the engine never saw end). */
  pending: number;
  /** Pairs of alive images imported from one url (a replacement's original is deleted by the end of its step). */
  duplicates: number;
  /** Whether the live image has the program's name, description, tags and regions, else what differs. */
  matches: string;
  message: string;
}

/** The program's inputs as the test has set them. */
interface Program {
  name: string;
  description: string;
  tags: string[];
  regions: string[];
}

/** Ids of the CustomImage in the state, from either provider. */
function stateIds(state: StackExport): number[] {
  return (state.deployment.resources ?? [])
    .filter((resource) => resource.urn.endsWith("::image") && resource.id !== undefined)
    .map((resource) => Number(resource.id));
}

function accountCheck(
  emulator: Emulator,
  state: StackExport,
  program: Program,
): Pick<Row, "orphans" | "gone" | "duplicates" | "pending" | "matches"> {
  const alive = new Set(
    emulator
      .audit()
      .filter((image) => image.status !== "deleted")
      .map((image) => image.id),
  );
  const recorded = stateIds(state);
  const orphans = [...alive].filter((id) => !recorded.includes(id)).length;
  const gone = recorded.filter((id) => !alive.has(id)).length;
  const duplicates = emulator.duplicates().filter((pair) => alive.has(pair.id) && alive.has(pair.duplicateOf)).length;
  const image = recorded.length === 1 ? emulator.getImage(recorded[0]!) : undefined;
  let matches = "no image";
  if (image) {
    const same = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join();
    const differs = [
      image.name === program.name ? "" : "name",
      image.description === program.description ? "" : "description",
      same(image.tags, program.tags) ? "" : "tags",
      same(image.regions, program.regions) ? "" : "regions",
    ].filter(Boolean);
    matches = differs.length === 0 ? "yes" : `no: ${differs.join(", ")}`;
  }
  return { orphans, gone, duplicates, pending: state.deployment.pending_operations?.length ?? 0, matches };
}

/** The image's steps (not the stack's, providers' or the marker scope's), as `op`. */
function imageOps(result: CliResult): string {
  const ops = result.events.flatMap((event) => {
    const metadata = event.resourcePreEvent?.metadata;
    if (!metadata || !metadata.urn.endsWith("::image")) return [];
    return [metadata.op];
  });
  return ops.join(", ") || "—";
}

/**
 * What the user reads: the first error the CLI printed, else its first two warnings, each by its
 * first line and the lines of its text (up to the next message) that name a `pulumi` command;
 * ids and ports blanked.
 */
function userMessage(result: CliResult): string {
  const lines = `${result.stdout}\n${result.stderr}`.split("\n").map((line) => line.trim());
  // Set by the harness, not by either provider: the CLI's note that a plugin came from PATH, and the
  // anchor plugin's version (4.76.0, built from source) below the npm package's (4.80.1).
  const harness = / from \$PATH |resource plugin digitalocean is expected to have version/;
  const starts = (pattern: RegExp) =>
    lines.flatMap((line, index) => (pattern.test(line) && !harness.test(line) && lines.indexOf(line) === index ? [index] : []));
  const errors = starts(/^error:/).filter((index) => !/update failed|one or more errors/i.test(lines[index]!));
  const picked = errors.length > 0 ? errors.slice(0, 1) : starts(/^warning:/).slice(0, 2);
  const shorten = (text: string) => (text.length > 220 ? `${text.slice(0, 219)}…` : text);
  const described = picked.map((index) => {
    const next = lines.findIndex((line, at) => at > index && /^(error:|warning:|Outputs:|Resources:)/.test(line));
    const advice = lines.slice(index + 1, next < 0 ? undefined : next).filter((line) => /`pulumi [a-z]/.test(line));
    return [lines[index]!, ...advice].map(shorten).join(" … ");
  });
  return described
    .join(" ⁄ ")
    .replace(/\b\d{6,}\b/g, "…")
    .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:…");
}

/** One scenario's run with one provider: its emulator and stack, the program's inputs, the rows so far. */
interface Run {
  stack: EngineStack;
  emulator: Emulator;
  program: Program;
  rows: Row[];
  set(key: keyof Program | "url", value: string): Promise<void>;
  /** Runs one user command as a row of the table. */
  step(name: string, run: () => Promise<CliResult>): Promise<CliResult>;
  up(name: string, options?: RunOptions): Promise<CliResult>;
  imageId(): Promise<number>;
}

interface Table {
  title: string;
  /** What the scenario does, above its table. */
  about: string;
  runs: Partial<Record<Provider, { rows: Row[]; violations: number }>>;
}

const tables: Record<string, Table> = {};

/** The reliability suite's fault, in real time (the anchor's client sets no request timeout; "late" would be 3 s). */
const fault = (key: string): Fault => faultByKey(key, { clock: systemClock, scale: 1, requestTimeoutMs: 2_000 });
const IMAGE_PATH = /^\/v2\/images\/\d+$/;

interface FaultScenario {
  key: string;
  title: string;
  about: string;
  faults: [Fault, FaultMatch][];
}

/**
 * The faults, each armed before a `pulumi up` that creates the image in one region, then
 * `up` again (the recovery a user tries) and destroy. A 404 or 503 on `GET /v2/images/<id>` lands
 * on the import's wait: neither provider reads the image by id before the wait.
 */
const FAULT_SCENARIOS: FaultScenario[] = [
  {
    key: "reset-after-import",
    title: "a reset after the import POST acted",
    about: "`POST /v2/images` is carried out (the image exists), then the connection is reset instead of answered.",
    faults: [[fault("reset-after"), { method: "POST", path: "/v2/images" }]],
  },
  {
    key: "404-during-wait",
    title: "a 404 during the wait",
    about: "The first `GET /v2/images/<id>` after the import POST, while the image imports, answers 404 `not_found` once.",
    faults: [[fault("404"), { method: "GET", path: IMAGE_PATH }]],
  },
  {
    key: "burst-429",
    title: "a burst of 429s",
    about: "The first three requests of the `up`, whatever they are, answer 429 `too_many_requests` with `retry-after: 3`.",
    faults: [[fault("429-retry-after"), { count: 3 }]],
  },
  {
    key: "503s",
    title: "503s",
    about: "The import POST answers 503 once without acting, then the first three `GET /v2/images/<id>` of the wait answer 503.",
    faults: [
      [fault("503"), { method: "POST", path: "/v2/images" }],
      [fault("503"), { method: "GET", path: IMAGE_PATH, count: 3 }],
    ],
  },
];

describeEngine("the anchor and this package side by side, through the real CLI, in real time", () => {
  const fixtures = engineFixtures();
  beforeAll(() => useAnchorPlugin());
  afterAll(() => {
    if (process.env.ANCHOR_WRITE === "1") writeFileSync(join(REPO_ROOT, "docs", "ANCHOR.md"), render(tables));
  });

  /** A fresh emulator and stack for `provider`, and the helpers that record each step as a row. */
  const begin = async (provider: Provider): Promise<Run> => {
    const { stack, emulator } = await fixtures.start("side-by-side", { ...REAL_TIME, config: { [`${PROJECT}:provider`]: provider } });
    const rows: Row[] = [];
    const program: Program = { name: "side-by-side", description: "compared", tags: ["compared"], regions: ["nyc3"] };
    const step = async (name: string, run: () => Promise<CliResult>) => {
      const before = emulator.requests.length;
      const started = performance.now();
      const result = await run();
      const seconds = (performance.now() - started) / 1000;
      const requests = emulator.requests.slice(before);
      rows.push({
        step: name,
        ops: imageOps(result),
        requests: requests.length,
        writes: requests.filter((request) => request.method !== "GET").length,
        seconds,
        exit: result.code ?? result.signal,
        ...accountCheck(emulator, await stack.exportState(), program),
        message: userMessage(result),
      });
      return result;
    };
    return {
      stack,
      emulator,
      program,
      rows,
      step,
      set: async (key, value) => {
        await stack.configSet(`${PROJECT}:${key}`, value);
        if (key !== "url") Object.assign(program, { [key]: key === "tags" || key === "regions" ? (JSON.parse(value) as string[]) : value });
      },
      up: (name, options) => step(name, () => stack.up([], { allowFailure: true, ...options })),
      imageId: async () => Number(((await stack.outputs()) as { id?: string }).id),
    };
  };

  const record = (key: string, title: string, about: string, provider: Provider, run: Run) => {
    const table = (tables[key] ??= { title, about, runs: {} });
    table.runs[provider] = { rows: run.rows, violations: run.emulator.violations.length };
  };
  const alive = (emulator: Emulator) => emulator.audit().filter((image) => image.status !== "deleted");

  it.each(PROVIDERS)("the lifecycle with %s: create, in-place changes, region changes, a new url, drift, destroy", async (provider) => {
    const run = await begin(provider);
    const { stack, emulator, set, step, up, imageId, rows } = run;

    await set("regions", '["nyc3","ams3","sfo3"]');
    await up("create in nyc3, ams3, sfo3");
    const first = await imageId();
    await set("name", "renamed");
    await set("description", "changed");
    await up("change name and description");
    await set("tags", '["compared","second"]');
    await up("change tags");
    await set("regions", '["nyc3","ams3","sfo3","lon1"]');
    await up("add region lon1");
    await set("regions", '["nyc3","ams3","lon1"]');
    await up("remove region sfo3");
    await set("url", "https://example.com/images/side-by-side-2.qcow2.gz");
    await up("change the url");
    const current = await imageId();
    emulator.mutateImage(current, { name: "renamed-outside", tags: ["outside"] });
    await step("rename and retag out of band, refresh", () => stack.refresh([], { allowFailure: true }));
    await up("up after the refresh");
    emulator.deleteImageOutOfBand(await imageId());
    await step("delete out of band, refresh", () => stack.refresh([], { allowFailure: true }));
    await up("up after the refresh");
    const last = await imageId();
    await step("destroy", () => stack.destroy([], { allowFailure: true }));

    record("lifecycle", "lifecycle", "Create in three regions, change each kind of input, drift out of band, destroy.", provider, run);
    // Both must end clean: every step succeeded, nothing left in the account. This package must also
    // keep the account and the state in agreement after every step, and the image as the program says.
    expect(rows.map((row) => [row.step, row.exit])).toEqual(rows.map((row) => [row.step, 0]));
    expect(alive(emulator)).toEqual([]);
    if (provider === "package") {
      expect(rows.filter((row) => row.orphans + row.gone + row.duplicates > 0)).toEqual([]);
      expect(rows.filter((row) => !["yes", "no image"].includes(row.matches) && !row.step.includes("out of band"))).toEqual([]);
    }
    expect(emulator.violations).toEqual([]);
    expect(new Set([first, current, last]).size).toBe(3);
  });

  it.each(PROVIDERS)(
    "a pulumi up SIGKILLed mid-import with %s, then what the CLI's messages lead a user to: up, cancel, up, refresh, refresh --clear-pending-creates, up, destroy",
    async (provider) => {
      const run = await begin(provider);
      const { stack, emulator, step, up, rows } = run;
      let cli: ChildProcess | undefined;
      await step("up, SIGKILLed (the CLI's process group) once the import POST was answered", async () => {
        const running = stack.up([], { allowFailure: true, onStart: (child) => (cli = child) });
        await importAccepted(emulator);
        process.kill(-cli!.pid!, "SIGKILL");
        return running;
      });
      await up("up");
      await step("pulumi cancel (the lock message's advice)", () => stack.pulumi(["cancel", "--yes"], { allowFailure: true }));
      await up("up");
      await step("refresh (the pending-operation warning's advice)", () => stack.refresh([], { allowFailure: true }));
      await step("refresh --clear-pending-creates", () => stack.refresh(["--clear-pending-creates"], { allowFailure: true }));
      await up("up");
      await step("destroy", () => stack.destroy([], { allowFailure: true }));

      record(
        "interrupted-up",
        "a SIGKILLed `up` mid-import and its recovery",
        "`pulumi up` creates the image in nyc3; once the import POST has been answered (the image exists, the CLI has not recorded it) the CLI's whole process group is SIGKILLed, as a cancelled CI job's. Then the commands a user runs, each as the previous one's message advises.",
        provider,
        run,
      );
      expect(rows[0]!.exit).toBe("SIGKILL");
      if (provider === "package") {
        // No second import at any time; the last up leaves exactly the recorded image; destroy leaves nothing.
        expect(rows.filter((row) => row.duplicates > 0)).toEqual([]);
        expect(emulator.audit()).toHaveLength(1);
        expect(rows.at(-2)).toMatchObject({ exit: 0, orphans: 0, gone: 0, matches: "yes" });
        expect(alive(emulator)).toEqual([]);
        expect(emulator.violations).toEqual([]);
      }
    },
  );

  it.each(FAULT_SCENARIOS.flatMap((scenario) => PROVIDERS.map((provider) => ({ scenario, provider }))))(
    "$scenario.title, with $provider: up, up again, destroy",
    async ({ scenario, provider }) => {
      const run = await begin(provider);
      const { stack, emulator, step, up, rows } = run;
      const armed = scenario.faults.map(([what, match]) => emulator.inject(what, match));
      await up(`up with the fault`);
      await up("up again");
      await step("destroy", () => stack.destroy([], { allowFailure: true }));

      record(scenario.key, scenario.title, scenario.about, provider, run);
      expect(armed.map((one) => one.remaining)).toEqual(armed.map(() => 0));
      if (provider === "package") {
        // Each fault is absorbed: every step succeeds, and the account and the state agree after each.
        expect(rows.map((row) => [row.step, row.exit, row.orphans, row.gone, row.duplicates])).toEqual(
          rows.map((row) => [row.step, 0, 0, 0, 0]),
        );
        expect(emulator.audit()).toHaveLength(1);
        expect(alive(emulator)).toEqual([]);
        expect(emulator.violations).toEqual([]);
      }
    },
  );
});

function render(all: typeof tables): string {
  const out = [
    "# The anchor side by side",
    "",
    "Generated by `ANCHOR_WRITE=1 npm run test:anchor -- test/anchor/side-by-side.anchor.ts` (tools/anchor/README.md): the same",
    "commands through the real Pulumi CLI v3.274.0, once with `@pulumi/digitalocean`'s `CustomImage` (plugin v4.76.0 built",
    "from source by `npm run engine:install -- --anchor`) and once with this package, each scenario against a fresh emulator",
    "in real time (imports 20 s, transfers 10 s); faults come from the emulator's fault injection, with the reliability",
    "suite's definitions. `requests` counts every request the emulator received during the step, `writes` those that were",
    "not GET; after each step, `orphans` counts images alive that the state does not name, `gone` ids in the state whose",
    "image is gone, `duplicates` pairs of alive images imported from one url, `pending creates` the creates the state lists",
    "as interrupted; `image as the program says` compares the live",
    "image's name, description, tags and regions with the program's; `exit` is the CLI's exit code (or the signal that",
    "ended it). `what the user reads` is the first error the CLI printed, else its first two warnings (` ⁄ ` between them),",
    "each with the lines of its text that name a `pulumi` command; the CLI's notes that both plugins came from PATH and that the anchor",
    "plugin (4.76.0) is older than the npm package (4.80.1) are left out: the harness causes them. One run, on the shared",
    "2-core machine; the analysis is in tools/anchor/README.md.",
    "",
  ];
  for (const table of Object.values(all)) {
    out.push(`## ${table.title}`, "", table.about, "");
    out.push(
      "| step | provider | engine ops | requests (writes) | wall time | exit | orphans / gone / duplicates | pending creates | image as the program says | what the user reads |",
    );
    out.push("|---|---|---|---|---|---|---|---|---|---|");
    const steps = table.runs.package?.rows ?? table.runs.bridged?.rows ?? [];
    steps.forEach((_, index) => {
      for (const provider of PROVIDERS) {
        const row = table.runs[provider]?.rows[index];
        if (!row) continue;
        const message = row.message.replace(/\|/g, "\\|");
        out.push(
          `| ${row.step} | ${NAMES[provider]} | ${row.ops} | ${row.requests} (${row.writes}) | ${row.seconds.toFixed(1)} s | ${row.exit} | ${row.orphans} / ${row.gone} / ${row.duplicates} | ${row.pending} | ${row.matches} | ${message} |`,
        );
      }
    });
    const total = (provider: Provider, key: "requests" | "seconds") =>
      (table.runs[provider]?.rows ?? []).reduce((sum, row) => sum + row[key], 0);
    out.push(
      "",
      `Totals: the anchor ${total("bridged", "requests")} requests in ${total("bridged", "seconds").toFixed(0)} s, ` +
        `this package ${total("package", "requests")} requests in ${total("package", "seconds").toFixed(0)} s. ` +
        `OpenAPI violations: the anchor ${table.runs.bridged?.violations ?? "—"}, this package ${table.runs.package?.violations ?? "—"}.`,
      "",
    );
  }
  return `${out.join("\n")}\n`;
}
