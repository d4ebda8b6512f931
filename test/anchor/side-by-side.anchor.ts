import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Emulator } from "pulumi-digitalocean-custom-image-emulator";
import { describeEngine, engineFixtures } from "../../tools/engine/engine-suite";
import type { CliResult, StackExport } from "../../tools/engine/engine-stack";
import { useAnchorPlugin } from "../../tools/anchor/anchor-plugin";
import { REPO_ROOT } from "../../tools/shared/example-package";

/**
 * One scenario list through the real CLI on both providers, each against its own emulator with the
 * same settings, in real time (time factor 1: the anchor's waits are Go timers): imports take 20 s
 * and transfers 10 s. Each step's engine operations, requests, wall time and what the user reads
 * are recorded; with ANCHOR_WRITE=1 the tables go to docs/ANCHOR.md.
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
  exit: number | null;
  /** Images alive but not in the state, plus ids in the state that are gone, plus OpenAPI violations. */
  problems: number;
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

function accountCheck(emulator: Emulator, state: StackExport, program: Program): Pick<Row, "problems" | "duplicates" | "matches"> {
  const alive = new Set(
    emulator
      .audit()
      .filter((image) => image.status !== "deleted")
      .map((image) => image.id),
  );
  const recorded = stateIds(state);
  const problems =
    [...alive].filter((id) => !recorded.includes(id)).length + recorded.filter((id) => !alive.has(id)).length + emulator.violations.length;
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
  return { problems, duplicates, matches };
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

/** What the user reads: the first error line, else the first warning, shortened; ids and ports blanked. */
function userMessage(result: CliResult): string {
  const lines = `${result.stdout}\n${result.stderr}`.split("\n").map((line) => line.trim());
  // The CLI's note that a plugin came from PATH (both do here) is the harness's, not the provider's.
  const pick =
    lines.find((line) => /^error:/.test(line) && !/update failed|one or more errors/i.test(line)) ??
    lines.find((line) => /^warning:/.test(line) && !/ from \$PATH /.test(line));
  if (!pick) return "";
  const text = pick.replace(/\b\d{6,}\b/g, "…").replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:…");
  return text.length > 220 ? `${text.slice(0, 217)}…` : text;
}

const tables: Record<string, Record<Provider, Row[]>> = {};

describeEngine("the anchor and this package side by side, through the real CLI, in real time", () => {
  const fixtures = engineFixtures();
  beforeAll(() => useAnchorPlugin());
  afterAll(() => {
    if (process.env.ANCHOR_WRITE === "1") writeFileSync(join(REPO_ROOT, "docs", "ANCHOR.md"), render(tables));
  });

  it.each(PROVIDERS)("the lifecycle with %s: create, in-place changes, region changes, a new url, drift, destroy", async (provider) => {
    const { stack, emulator } = await fixtures.start("side-by-side", { ...REAL_TIME, config: { [`${PROJECT}:provider`]: provider } });
    const rows: Row[] = [];
    const program: Program = { name: "side-by-side", description: "compared", tags: ["compared"], regions: ["nyc3"] };
    const set = async (key: keyof Program | "url", value: string) => {
      await stack.configSet(`${PROJECT}:${key}`, value);
      if (key !== "url") Object.assign(program, { [key]: key === "tags" || key === "regions" ? (JSON.parse(value) as string[]) : value });
    };
    const imageId = async () => Number(((await stack.outputs()) as { id?: string }).id);
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
        exit: result.code,
        ...accountCheck(emulator, await stack.exportState(), program),
        message: userMessage(result),
      });
      return result;
    };
    const up = (name: string) => step(name, () => stack.up([], { allowFailure: true }));

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

    (tables.lifecycle ??= {} as Record<Provider, Row[]>)[provider] = rows;
    // Both must end clean: every step succeeded, nothing left in the account. This package must also
    // keep the account and the state in agreement after every step, and the image as the program says.
    expect(rows.map((row) => [row.step, row.exit])).toEqual(rows.map((row) => [row.step, 0]));
    expect(emulator.audit().filter((image) => image.status !== "deleted")).toEqual([]);
    if (provider === "package") {
      expect(rows.filter((row) => row.problems + row.duplicates > 0)).toEqual([]);
      expect(rows.filter((row) => !["yes", "no image"].includes(row.matches) && !row.step.includes("out of band"))).toEqual([]);
    }
    expect(new Set([first, current, last]).size).toBe(3);
  });
});

function render(all: typeof tables): string {
  const out = [
    "# The anchor side by side",
    "",
    "Generated by `ANCHOR_WRITE=1 npm run test:anchor -- test/anchor/side-by-side.anchor.ts` (tools/anchor/README.md): the same",
    "steps through the real Pulumi CLI v3.274.0, once with `@pulumi/digitalocean`'s `CustomImage` (plugin v4.76.0 built",
    "from source by `npm run engine:install -- --anchor`) and once with this package, each against a fresh emulator in",
    "real time (imports 20 s, transfers 10 s). `requests` counts every request the emulator received during the step,",
    "`writes` those that were not GET; `problems` counts, after the step, images alive but not in the state, ids in the state",
    "that are gone and OpenAPI violations; `duplicates` pairs of alive images imported from one url; `image as the program",
    "says` compares the live image's name, description, tags and regions with the program's. One run, on the shared 2-core",
    "machine; the analysis is in tools/anchor/README.md.",
    "",
  ];
  for (const [scenario, byProvider] of Object.entries(all)) {
    out.push(`## ${scenario}`, "");
    out.push(
      "| step | provider | engine ops | requests (writes) | wall time | exit | problems / duplicates | image as the program says | what the user reads |",
    );
    out.push("|---|---|---|---|---|---|---|---|---|");
    const steps = byProvider.package ?? byProvider.bridged ?? [];
    steps.forEach((_, index) => {
      for (const provider of PROVIDERS) {
        const row = byProvider[provider]?.[index];
        if (!row) continue;
        const message = row.message.replace(/\|/g, "\\|");
        out.push(
          `| ${row.step} | ${NAMES[provider]} | ${row.ops} | ${row.requests} (${row.writes}) | ${row.seconds.toFixed(1)} s | ${row.exit} | ${row.problems} / ${row.duplicates} | ${row.matches} | ${message} |`,
        );
      }
    });
    const total = (provider: Provider, key: "requests" | "seconds") => (byProvider[provider] ?? []).reduce((sum, row) => sum + row[key], 0);
    out.push(
      "",
      `Totals: the anchor ${total("bridged", "requests")} requests in ${total("bridged", "seconds").toFixed(0)} s, ` +
        `this package ${total("package", "requests")} requests in ${total("package", "seconds").toFixed(0)} s.`,
      "",
    );
  }
  return `${out.join("\n")}\n`;
}
