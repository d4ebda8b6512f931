import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { SavedImage } from "pulumi-digitalocean-custom-image-emulator";
import type { CliResult, StackExport, StateResource } from "./engine-stack";
import { REPO_ROOT } from "../shared/example-package";

/**
 * State fixtures: stacks written by a released version of this package through the real CLI,
 * committed under test/fixtures/state/<version>/<name>/ (`npm run fixtures:state` writes the
 * current version's). Each holds `state.json`, as `pulumi stack export` printed it with the
 * emulator's address and clock replaced by placeholders, and `fixture.json` (`StateFixtureFile`).
 * state-fixtures.engine.ts imports every one into a fresh stack of the current package.
 */

export const STATE_FIXTURES_DIR = join(REPO_ROOT, "test", "fixtures", "state");

export interface StateFixtureFile {
  /** What the stack went through, in words. */
  description: string;
  /** The package and the engine that wrote it. */
  writtenBy: { package: string; pulumi: string; sdk: string };
  /** The installed program it ran (tools/engine/install-programs.ts), e.g. `basic` for examples/basic. */
  program: string;
  /** The stack's name: the URNs and the import marker's scope contain it. */
  stack: string;
  /** The program's own stack config, besides the emulator's (token, endpoint, clock). */
  config: Record<string, string>;
  /** Decrypts the state's secrets (the passphrase provider); the fixed test passphrase of offline-env.ts. */
  passphrase: string;
  /** The emulator's custom images when the state was exported: the account the state describes. */
  images: SavedImage[];
  /** What `pulumi preview` planned for this state under the version that wrote it (`plannedChanges`): empty for a stack at rest. */
  plan: string[];
  /** What it planned after a `pulumi refresh` of this state. */
  planAfterRefresh: string[];
}

export interface StateFixture extends StateFixtureFile {
  /** `<version>/<name>`. */
  id: string;
  dir: string;
  /** `state.json`, placeholders left in (`fillPlaceholders`). */
  state: StackExport;
}

/** Every fixture of every version folder, oldest version first. */
export function listStateFixtures(root: string = STATE_FIXTURES_DIR): StateFixture[] {
  if (!existsSync(root)) return [];
  const folders = (dir: string) =>
    readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return folders(root).flatMap((version) =>
    folders(join(root, version)).map((name) => {
      const dir = join(root, version, name);
      const read = (file: string) => JSON.parse(readFileSync(join(dir, file), "utf8")) as unknown;
      return { ...(read("fixture.json") as StateFixtureFile), id: `${version}/${name}`, dir, state: read("state.json") as StackExport };
    }),
  );
}

/** `{{key}}`: where a config value of the stack that wrote the state stood. */
export function placeholder(key: string): string {
  return `{{${key}}}`;
}

/**
 * Every string of `value` equal to one of `values` becomes that key's placeholder. The emulator's
 * address and clock are in the default provider's inputs and outputs (the whole stack config); a
 * new emulator has others, and `fillPlaceholders` puts them in before `pulumi stack import`.
 */
export function withPlaceholders<T>(value: T, values: Record<string, string>): T {
  const keys = new Map(Object.entries(values).map(([key, text]) => [text, placeholder(key)]));
  return mapStrings(value, (text) => keys.get(text) ?? text);
}

/** The inverse of `withPlaceholders`; throws on a placeholder `values` has no value for. */
export function fillPlaceholders<T>(value: T, values: Record<string, string>): T {
  return mapStrings(value, (text) => {
    const key = /^\{\{(.+)\}\}$/.exec(text)?.[1];
    if (key === undefined) return text;
    const filled = values[key];
    if (filled === undefined) throw new Error(`the state has the placeholder ${text}, and no value was given for ${key}`);
    return filled;
  });
}

function mapStrings<T>(value: T, map: (text: string) => string): T {
  if (typeof value === "string") return map(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, map)) as T;
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)])) as T;
  return value;
}

/**
 * The state as committed: placeholders for the emulator's config values, and no `stackTrace`, whose
 * frames are the program's and Pulumi's run harness's files at this machine's paths; the engine
 * only shows them in diagnostics and writes them anew on the next update.
 */
export function scrubState(state: StackExport, values: Record<string, string>): StackExport {
  const resources = (state.deployment.resources ?? []).map((resource) => {
    const { stackTrace: _stackTrace, ...kept } = resource as StateResource & { stackTrace?: unknown };
    return kept;
  });
  return withPlaceholders({ ...state, deployment: { ...state.deployment, resources } }, values);
}

/** The texts of `needles` (paths, the emulator's address, the plaintext token) that `text` contains. */
export function leftovers(text: string, needles: readonly string[]): string[] {
  return needles.filter((needle) => needle !== "" && text.includes(needle));
}

/** Every step a preview or update planned except `same`, as `<op> <resource name>`, in the engine's order. */
export function plannedChanges(result: CliResult): string[] {
  return result.events.flatMap((event) => {
    const metadata = event.resourcePreEvent?.metadata;
    return metadata && metadata.op !== "same" ? [`${metadata.op} ${metadata.urn.split("::").at(-1)}`] : [];
  });
}

/**
 * What the current version plans for a fixture whose version planned `plan`: the same, plus a
 * `create <image>-scope` before the steps of each CustomImage that has no CustomImageScope yet
 * (src/custom-image-scope.ts, added in 0.2.0). That create makes no DigitalOcean request and
 * changes nothing about the image, whose diff ignores the scope it gets.
 */
export function upgradePlan(state: StackExport, plan: readonly string[]): string[] {
  const resources = state.deployment.resources ?? [];
  const scoped = new Set(
    resources.filter((resource) => resource.type.endsWith(":CustomImageScope")).map((resource) => resource.urn.split("::").at(-1)),
  );
  const images = resources.filter((resource) => resource.type.endsWith(":CustomImage")).map((resource) => resource.urn.split("::").at(-1)!);
  const named = (name: string) => plan.filter((step) => step.split(" ")[1] === name);
  const upgraded = images.flatMap((name) => [...(scoped.has(`${name}-scope`) ? [] : [`create ${name}-scope`]), ...named(name)]);
  return [...upgraded, ...plan.filter((step) => !upgraded.includes(step))];
}

/**
 * `["update default"]` when `config`, the stack config the state is imported under, has a key the
 * stack that wrote it did not have (the default provider's inputs are the whole stack config),
 * else `[]`. The examples read `imageUrl` with `requireSecret` since 0.1.0's fixtures were written,
 * so a stack of theirs now sets a key those stacks left at its default: the engine updates the
 * default provider, which makes no request and changes no resource.
 */
export function providerConfigPlan(state: StackExport, config: Record<string, string>): string[] {
  const provider = (state.deployment.resources ?? []).find((resource) => resource.urn.endsWith("::default"));
  const recorded = Object.keys(provider?.inputs ?? {});
  return provider && Object.keys(config).some((key) => !recorded.includes(key)) ? ["update default"] : [];
}

/** Steps no upgrade may plan for a stack: a new image, a replacement, a deletion. */
export const DISTURBING_OPS = ["create", "create-replacement", "replace", "delete", "delete-replaced", "discard", "import"] as const;

/** The planned steps (as `plannedChanges` writes them) that would disturb a stack. */
export function disturbing(plan: readonly string[]): string[] {
  return plan.filter((step) => (DISTURBING_OPS as readonly string[]).includes(step.split(" ")[0]!));
}
