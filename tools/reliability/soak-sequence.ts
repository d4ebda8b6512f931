import fc from "fast-check";
import { FAULTS } from "./fault-matrix";

/**
 * What the soak generates: two stacks of one program sharing one token, each declaring one to
 * three CustomImage resources whose image names and URLs may overlap, then a sequence of steps.
 * Everything here is plain data, so that a sequence prints as JSON, shrinks, and replays from
 * fast-check's seed and path.
 */

export const STACKS = ["dev", "prod"] as const;
export type StackName = (typeof STACKS)[number];
export const RESOURCES = ["basic", "web", "db"] as const;

const ORIGIN = "https://images.example.com/soak";
/** Image names and URLs deliberately few, so that resources of both stacks share them. */
const IMAGE_NAMES = ["basic", "web"];
/**
 * The last one imports for an hour, longer than `CREATE_TIMEOUT_MINUTES`: an `up` of it ends as a
 * partial failure (the image recorded with init errors), and the next ones resume it.
 */
const URLS = [`${ORIGIN}/basic.qcow2.gz`, `${ORIGIN}/web.qcow2.gz`, `${ORIGIN}/basic.qcow2.gz?emulator_duration_s=3600`];
/** Every program's `createTimeoutMinutes`: far above the other imports' 30 s, far below the slow one's hour. */
export const CREATE_TIMEOUT_MINUTES = 10;
const DESCRIPTIONS = ["", "first"];
const TAGS = ["soak", "web", "prod"];
/** A tag the provider reserves for its import marker: check must refuse it. */
export const RESERVED_TAG = "pulumi-import:soak";
const REGIONS = [["nyc3"], ["ams3"], ["nyc3", "ams3"], ["ams3", "nyc3"], ["nyc3", "sfo3"]];

export interface ResourceProgram {
  name: string;
  url: string;
  description: string;
  tags: string[];
  regions: string[];
  createTimeoutMinutes: number;
}

export interface DeclaredResource {
  resource: string;
  program: ResourceProgram;
}

/** One edit of one resource's program before an `up`; `resource` is taken modulo the stack's resources. */
export type Change =
  | { resource: number; field: "url"; value: string }
  | { resource: number; field: "name"; value: string }
  | { resource: number; field: "description"; value: string }
  | { resource: number; field: "tags"; value: string[] }
  | { resource: number; field: "regions"; value: string[] };

/** Where a fault lands: the first requests of the step matching this route. */
export interface Route {
  key: string;
  /** The commands whose requests it can match, and how often it is drawn for each against the others. */
  weights: Partial<Record<"up" | "refresh" | "destroy", number>>;
  method?: string;
  path?: RegExp;
}

export const ROUTES: Route[] = [
  { key: "any", weights: { up: 2, refresh: 2, destroy: 2 } },
  // The import POST most: its retry is the delicate one.
  { key: "import-post", weights: { up: 5 }, method: "POST", path: /^\/v2\/images$/ },
  { key: "list", weights: { up: 1 }, method: "GET", path: /^\/v2\/images$/ },
  { key: "image-get", weights: { up: 1, refresh: 3, destroy: 1 }, method: "GET", path: /^\/v2\/images\/\d+$/ },
  { key: "put", weights: { up: 1 }, method: "PUT", path: /^\/v2\/images\/\d+$/ },
  { key: "delete", weights: { up: 1, destroy: 3 }, method: "DELETE", path: /^\/v2\/images\/\d+$/ },
  { key: "action-post", weights: { up: 2 }, method: "POST", path: /^\/v2\/images\/\d+\/actions$/ },
  { key: "action-get", weights: { up: 1 }, method: "GET", path: /^\/v2\/images\/\d+\/actions/ },
  { key: "tags", weights: { up: 2, destroy: 1 }, path: /^\/v2\/tags/ },
];

/**
 * Every fault kind of the fault matrix (tools/reliability/fault-matrix.ts `FAULTS`, each built from
 * the emulator's packages/emulator/src/faults.ts) except the 404 meant for waits only, plus the soak's own
 * below: a kind added to either list is soaked from then on.
 */
export const SOAK_FAULTS = [
  ...FAULTS.filter((kind) => !kind.waitsOnly),
  {
    // DigitalOcean's "Sample Rate Limit Headers When Burst Limit is Reached" (the API introduction in
    // packages/emulator/digitalocean-openapi/): the 250-a-minute limit answers remaining 0, the reset of
    // the oldest request of the HOUR (here close to an hour away), and how long to wait.
    key: "429-burst",
    label: "burst-limit 429 (documented headers)",
    fault: ({ clock }: { clock: { now(): number } }) => ({
      kind: "status" as const,
      status: 429 as const,
      headers: {
        "ratelimit-limit": "5000",
        "ratelimit-remaining": "0",
        "ratelimit-reset": String(Math.ceil(clock.now() / 1000) + 3500),
        "retry-after": "29",
      },
    }),
  },
  {
    // An hourly 429 (no retry-after) whose ratelimit-reset is already past by DigitalOcean's clock,
    // and by the client's unless a clock jump left its host behind (then the client must read the
    // reset against the answer's `date`): whole-second rounding and clock skew (issue #21, defect 7).
    key: "429-hourly-past-reset",
    label: "hourly 429, ratelimit-reset already past",
    fault: ({ clock }: { clock: { now(): number } }) => ({
      kind: "status" as const,
      status: 429 as const,
      headers: { "ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": String(Math.floor(clock.now() / 1000) - 5) },
    }),
  },
  {
    // An action DigitalOcean answers 404 for while its image is there (issue #21): not a deleted image.
    key: "action-404",
    label: "404 for a transfer's action while its image answers",
    fault: () => ({ kind: "status" as const, status: 404 as const }),
    // Its own route, whatever route is drawn: a 404 of anything else means gone, which the drift steps cover.
    match: { method: "GET", path: /^\/v2\/images\/\d+\/actions\/\d+$/ },
  },
  {
    // A gateway gives up (504) while DigitalOcean still carries the request out, a moment after the
    // client looked for it: the POST sent again meets what the first one made (issue #21).
    key: "504-then-acted",
    label: "504 from a gateway, carried out a moment later",
    fault: ({ scale }: { scale: number }) => ({ kind: "status-then-process" as const, status: 504 as const, afterMs: 2 / scale }),
  },
];

export interface FaultSpec {
  fault: string;
  route: string;
  /** How many matching requests get it. */
  count: number;
}

/** Something that happens in the middle of an operation, once `afterRequests` requests reached the emulator. */
export interface Midway {
  afterRequests: number;
  /** `kill`: the host dies (SIGKILL) and the next command starts a new one; `jump`: DigitalOcean's clock leaps; `delete`: the stack's newest image is deleted outside Pulumi. */
  event: "kill" | "jump" | "delete";
  minutes: number;
}

/**
 * `freshHost`: the command starts a new dynamic-provider host, as every `pulumi` command does;
 * otherwise it reuses the last one (what a process remembers, such as the images it claimed, survives).
 * `alongside`: the other stack runs an `up` of its program at the same time (as CI deploying both).
 */
export type Step =
  | { kind: "up"; stack: number; freshHost: boolean; change?: Change; faults: FaultSpec[]; midway?: Midway; alongside?: boolean }
  | { kind: "refresh"; stack: number; freshHost: boolean; faults: FaultSpec[]; midway?: Midway }
  | { kind: "destroy"; stack: number; freshHost: boolean; faults: FaultSpec[]; midway?: Midway }
  | { kind: "out-of-band"; stack: number; resource: number; what: "rename" | "retag" | "delete"; value: string }
  | { kind: "jump"; minutes: number };

export interface SoakSequence {
  /** Resources of `dev` and of `prod`. */
  stacks: DeclaredResource[][];
  /**
   * `prod` is the same program under the same project and stack names as `dev`, in another
   * organization or backend (a CI matrix on one token, issue #21): only its state tells it apart.
   */
  sameNames?: boolean;
  steps: Step[];
}

export interface SoakSize {
  key: "quick" | "long";
  sequences: number;
  minSteps: number;
  maxSteps: number;
}

export const SIZES: Record<SoakSize["key"], SoakSize> = {
  quick: { key: "quick", sequences: 5, minSteps: 4, maxSteps: 8 },
  long: { key: "long", sequences: 40, minSteps: 6, maxSteps: 20 },
};

const programArbitrary: fc.Arbitrary<ResourceProgram> = fc.record({
  name: fc.constantFrom(...IMAGE_NAMES),
  url: fc.constantFrom(...URLS),
  description: fc.constantFrom(...DESCRIPTIONS),
  tags: fc.subarray(TAGS),
  regions: fc.constantFrom(...REGIONS),
  createTimeoutMinutes: fc.constant(CREATE_TIMEOUT_MINUTES),
});

const stackArbitrary = fc.uniqueArray(fc.record({ resource: fc.constantFrom(...RESOURCES), program: programArbitrary }), {
  minLength: 1,
  maxLength: 3,
  selector: (declared) => declared.resource,
});

const changeArbitrary: fc.Arbitrary<Change> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ resource: fc.nat(2), field: fc.constant("url" as const), value: fc.constantFrom(...URLS) }) },
  { weight: 4, arbitrary: fc.record({ resource: fc.nat(2), field: fc.constant("name" as const), value: fc.constantFrom(...IMAGE_NAMES) }) },
  {
    weight: 4,
    arbitrary: fc.record({ resource: fc.nat(2), field: fc.constant("description" as const), value: fc.constantFrom(...DESCRIPTIONS) }),
  },
  { weight: 4, arbitrary: fc.record({ resource: fc.nat(2), field: fc.constant("tags" as const), value: fc.subarray(TAGS) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      resource: fc.nat(2),
      field: fc.constant("tags" as const),
      value: fc.constant([RESERVED_TAG]).map((tags) => [...tags]),
    }),
  },
  { weight: 4, arbitrary: fc.record({ resource: fc.nat(2), field: fc.constant("regions" as const), value: fc.constantFrom(...REGIONS) }) },
);

const faultsArbitrary = (command: "up" | "refresh" | "destroy", faultKeys: readonly string[]): fc.Arbitrary<FaultSpec[]> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant<FaultSpec[]>([]) },
    {
      weight: 3,
      arbitrary: fc.array(
        fc.record({
          fault: fc.constantFrom(...faultKeys),
          route: fc.oneof(
            ...ROUTES.filter((route) => route.weights[command]).map((route) => ({
              weight: route.weights[command]!,
              arbitrary: fc.constant(route.key),
            })),
          ),
          count: fc.integer({ min: 1, max: 3 }),
        }),
        { minLength: 1, maxLength: 2 },
      ),
    },
  );

const midwayArbitrary: fc.Arbitrary<Midway | undefined> = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.record({
      afterRequests: fc.integer({ min: 1, max: 24 }),
      event: fc.constantFrom("kill" as const, "jump" as const, "delete" as const),
      minutes: fc.integer({ min: 1, max: 90 }),
    }),
  },
);

const stackIndex = fc.nat(STACKS.length - 1);
const freshHost = fc.integer({ min: 0, max: 3 }).map((n) => n > 0);

function commandArbitrary<K extends "up" | "refresh" | "destroy">(
  kind: K,
  stack: fc.Arbitrary<number>,
  faultKeys: readonly string[],
): fc.Arbitrary<Step> {
  const change =
    kind === "up"
      ? { change: fc.option(changeArbitrary, { nil: undefined }), alongside: fc.integer({ min: 0, max: 3 }).map((n) => n === 0) }
      : {};
  return fc.record(
    { kind: fc.constant(kind), stack, freshHost, ...change, faults: faultsArbitrary(kind, faultKeys), midway: midwayArbitrary },
    { requiredKeys: ["kind", "stack", "freshHost", "faults"] },
  ) as fc.Arbitrary<Step>;
}

const outOfBandArbitrary: fc.Arbitrary<Step> = fc.record({
  kind: fc.constant("out-of-band" as const),
  stack: stackIndex,
  resource: fc.nat(2),
  what: fc.constantFrom("rename" as const, "retag" as const, "delete" as const),
  value: fc.constantFrom("renamed", ...IMAGE_NAMES, ...TAGS),
});

/**
 * Sequences of one size; every sequence starts with an `up` of each stack, so that there is
 * something to fault. `faultKeys` (default every kind of `SOAK_FAULTS`) narrows the faults drawn,
 * to hunt for one defect while another is known; a seed replays only with the same keys.
 */
export function sequenceArbitrary(
  size: SoakSize,
  faultKeys: readonly string[] = SOAK_FAULTS.map((kind) => kind.key),
): fc.Arbitrary<SoakSequence> {
  const step = fc.oneof(
    { weight: 6, arbitrary: commandArbitrary("up", stackIndex, faultKeys) },
    { weight: 3, arbitrary: commandArbitrary("refresh", stackIndex, faultKeys) },
    { weight: 1, arbitrary: commandArbitrary("destroy", stackIndex, faultKeys) },
    { weight: 2, arbitrary: outOfBandArbitrary },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("jump" as const), minutes: fc.integer({ min: 1, max: 120 }) }) },
  );
  return fc
    .record({
      stacks: fc.tuple(stackArbitrary, stackArbitrary),
      steps: fc
        .tuple(
          commandArbitrary("up", fc.constant(0), faultKeys),
          commandArbitrary("up", fc.constant(1), faultKeys),
          fc.array(step, { minLength: size.minSteps - 2, maxLength: size.maxSteps - 2 }),
        )
        .map(([dev, prod, rest]) => [dev, prod, ...rest]),
      sameNames: fc.integer({ min: 0, max: 2 }).map((n) => n === 0),
    })
    .map(({ stacks, steps, sameNames }) => (sameNames ? { stacks: [stacks[0], stacks[0]], steps, sameNames } : { stacks, steps }));
}

/** The stack's declared resources after a change (the program as the next `up` declares it). */
export function applyChange(resources: DeclaredResource[], change: Change | undefined): DeclaredResource[] {
  if (!change) return resources;
  const index = change.resource % resources.length;
  return resources.map((declared, i) =>
    i === index ? { ...declared, program: { ...declared.program, [change.field]: change.value } } : declared,
  );
}
