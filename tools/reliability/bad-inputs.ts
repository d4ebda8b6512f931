import { INPUT_PROPERTY_NAMES } from "../../src/provider/check";
import { customImageUrn } from "../provider-host/engine-values";
import type { Expectations } from "./expectations";
import { programInputs, withStack } from "./stack";

/**
 * Suite 2: inputs DigitalOcean would reject, or that would misbehave later, are refused at check
 * (what `pulumi preview` runs) with a message naming the property and what is allowed, before any
 * request: the emulator behind the host must record none.
 */

interface BadInput {
  what: string;
  /** Over a valid program (`undefined` removes a key). */
  inputs: Record<string, unknown>;
  /** The failure's `property`. */
  property: string;
  /** What the message must say is allowed. */
  allowed: RegExp;
}

const VALID = { url: "https://images.example.com/valid.qcow2.gz", regions: ["nyc3"], tags: ["ok"] };
const URL_ALLOWED = /http or https URL/;
const REGION_ALLOWED = /three letters and a digit|list of region slugs|at least one region/;
const NAME_ALLOWED = /1 to 255 characters|at most 255/;
const TAG_ALLOWED = /letters, digits, colons, dashes and underscores/;
const DISTRIBUTION_ALLOWED = /one of Arch Linux, .*Ubuntu, Unknown/;
const TIMEOUT_ALLOWED = /at least 1 and at most 1440/;
const HIDDEN_ALLOWED = /must not contain .*control, bidirectional or zero-width characters/;
/** `count` region slugs of three letters and a digit, none of them DigitalOcean's. */
const madeUpRegions = (count: number) =>
  Array.from(
    { length: count },
    (_, index) => `${String.fromCharCode(97 + (index % 26), 97 + (Math.floor(index / 26) % 26), 120 + (Math.floor(index / 676) % 3))}9`,
  );
/** The list as check gives it, from the one place that names the inputs. */
const VALID_NAMES = new RegExp(`Valid inputs: ${INPUT_PROPERTY_NAMES.join(", ")}$`);

export const BAD_INPUTS: BadInput[] = [
  { what: "url missing", inputs: { url: undefined }, property: "url", allowed: URL_ALLOWED },
  { what: "url not a string", inputs: { url: 42 }, property: "url", allowed: URL_ALLOWED },
  { what: "url empty", inputs: { url: "" }, property: "url", allowed: URL_ALLOWED },
  {
    what: "url of 9,000 characters",
    inputs: { url: `https://images.example.com/${"a".repeat(9000)}.qcow2` },
    property: "url",
    allowed: /at most 8192/,
  },
  { what: "url without a scheme", inputs: { url: "images.example.com/image.qcow2" }, property: "url", allowed: URL_ALLOWED },
  { what: "url with an empty host (https:///a.img)", inputs: { url: "https:///a.img" }, property: "url", allowed: URL_ALLOWED },
  { what: "url with the ftp scheme", inputs: { url: "ftp://images.example.com/image.qcow2" }, property: "url", allowed: URL_ALLOWED },
  { what: "url with the file scheme", inputs: { url: "file:///var/images/image.qcow2" }, property: "url", allowed: URL_ALLOWED },
  { what: "url with the javascript scheme", inputs: { url: "javascript:alert(1)" }, property: "url", allowed: URL_ALLOWED },
  { what: "url without a host", inputs: { url: "https://" }, property: "url", allowed: URL_ALLOWED },
  {
    what: "url with a space",
    inputs: { url: "https://images.example.com/my image.qcow2" },
    property: "url",
    allowed: /percent-encode a space as %20/,
  },
  {
    what: "url with a zero-width space in its host (parses as example.com, sent as written)",
    inputs: { url: "https://exa\u200bmple.com/image.qcow2" },
    property: "url",
    allowed: HIDDEN_ALLOWED,
  },
  {
    what: "url with a right-to-left override",
    inputs: { url: "https://images.example.com/\u202egmi.qcow2" },
    property: "url",
    allowed: HIDDEN_ALLOWED,
  },
  { what: "regions missing", inputs: { regions: undefined }, property: "regions", allowed: REGION_ALLOWED },
  { what: "regions an empty list", inputs: { regions: [] }, property: "regions", allowed: REGION_ALLOWED },
  { what: "regions a string, not a list", inputs: { regions: "nyc3" }, property: "regions", allowed: REGION_ALLOWED },
  { what: "region slug with a space and capitals", inputs: { regions: ["NYC 3"] }, property: "regions", allowed: REGION_ALLOWED },
  { what: "region slug without its digit", inputs: { regions: ["nyc"] }, property: "regions", allowed: REGION_ALLOWED },
  { what: "region slug too long", inputs: { regions: ["nyc33"] }, property: "regions", allowed: REGION_ALLOWED },
  {
    what: "region slug with dashes, second in the list",
    inputs: { regions: ["nyc3", "n-y-c"] },
    property: "regions",
    allowed: REGION_ALLOWED,
  },
  { what: "region a number", inputs: { regions: [3] }, property: "regions", allowed: REGION_ALLOWED },
  {
    what: "5,000 made-up regions (4,999 transfer POSTs)",
    inputs: { regions: madeUpRegions(5000) },
    property: "regions",
    allowed: /at most 32 are allowed/,
  },
  { what: "name empty", inputs: { name: "" }, property: "name", allowed: NAME_ALLOWED },
  { what: "name only whitespace", inputs: { name: "   " }, property: "name", allowed: NAME_ALLOWED },
  { what: "name of 256 characters", inputs: { name: "n".repeat(256) }, property: "name", allowed: NAME_ALLOWED },
  { what: "name not a string", inputs: { name: 7 }, property: "name", allowed: NAME_ALLOWED },
  {
    what: "name with ANSI escapes (clears the line, turns red)",
    inputs: { name: "web\u001b[2K\u001b[31mPWNED" },
    property: "name",
    allowed: HIDDEN_ALLOWED,
  },
  { what: "name made only of zero-width characters", inputs: { name: "\u200b\u200c\u200d" }, property: "name", allowed: HIDDEN_ALLOWED },
  { what: "name with a right-to-left override", inputs: { name: "web\u202eduorp" }, property: "name", allowed: HIDDEN_ALLOWED },
  { what: "description of 1,025 characters", inputs: { description: "d".repeat(1025) }, property: "description", allowed: /at most 1024/ },
  { what: "description an object", inputs: { description: { text: "x" } }, property: "description", allowed: /at most 1024/ },
  {
    what: "description with an ANSI escape (hides what follows)",
    inputs: { description: "ok\u001b[8mhidden" },
    property: "description",
    allowed: HIDDEN_ALLOWED,
  },
  {
    what: "distribution not in DigitalOcean's list",
    inputs: { distribution: "Windows" },
    property: "distribution",
    allowed: DISTRIBUTION_ALLOWED,
  },
  {
    what: "distribution with a version",
    inputs: { distribution: "Ubuntu 24.04" },
    property: "distribution",
    allowed: DISTRIBUTION_ALLOWED,
  },
  { what: "distribution not a string", inputs: { distribution: 22 }, property: "distribution", allowed: DISTRIBUTION_ALLOWED },
  { what: "tags a string, not a list", inputs: { tags: "prod" }, property: "tags", allowed: TAG_ALLOWED },
  { what: "tag with a space", inputs: { tags: ["has space"] }, property: "tags", allowed: TAG_ALLOWED },
  { what: "tag with a slash", inputs: { tags: ["team/web"] }, property: "tags", allowed: TAG_ALLOWED },
  { what: "tag with non-ASCII letters", inputs: { tags: ["café"] }, property: "tags", allowed: TAG_ALLOWED },
  { what: "tag empty", inputs: { tags: [""] }, property: "tags", allowed: TAG_ALLOWED },
  { what: "tag of 256 characters", inputs: { tags: ["t".repeat(256)] }, property: "tags", allowed: /1 to 255/ },
  { what: "tag a number", inputs: { tags: ["ok", 5] }, property: "tags", allowed: TAG_ALLOWED },
  {
    what: "tag with the import marker's reserved prefix",
    inputs: { tags: ["pulumi-import:mine"] },
    property: "tags",
    allowed: /prefix reserved for the provider's import marker/,
  },
  {
    what: "100,000 tags",
    inputs: { tags: Array.from({ length: 100_000 }, (_, index) => `t${index}`) },
    property: "tags",
    allowed: /at most 50 are allowed/,
  },
  {
    what: "createTimeoutMinutes negative",
    inputs: { createTimeoutMinutes: -5 },
    property: "createTimeoutMinutes",
    allowed: TIMEOUT_ALLOWED,
  },
  { what: "createTimeoutMinutes zero", inputs: { createTimeoutMinutes: 0 }, property: "createTimeoutMinutes", allowed: TIMEOUT_ALLOWED },
  {
    what: "createTimeoutMinutes absurd (a billion)",
    inputs: { createTimeoutMinutes: 1e9 },
    property: "createTimeoutMinutes",
    allowed: TIMEOUT_ALLOWED,
  },
  {
    what: "createTimeoutMinutes 1e-300",
    inputs: { createTimeoutMinutes: 1e-300 },
    property: "createTimeoutMinutes",
    allowed: TIMEOUT_ALLOWED,
  },
  {
    what: "transferTimeoutMinutes a string",
    inputs: { transferTimeoutMinutes: "10" },
    property: "transferTimeoutMinutes",
    allowed: TIMEOUT_ALLOWED,
  },
  {
    what: "transferTimeoutMinutes negative",
    inputs: { transferTimeoutMinutes: -1 },
    property: "transferTimeoutMinutes",
    allowed: TIMEOUT_ALLOWED,
  },
  {
    what: "unknown property, a near miss",
    inputs: { region: "nyc3" },
    property: "region",
    allowed: /Did you mean "regions"\?.*Valid inputs/,
  },
  { what: "unknown property, wrong case", inputs: { Tags: ["a"] }, property: "Tags", allowed: /Did you mean "tags"\?/ },
  { what: "unknown property, unrelated", inputs: { size: "s-1vcpu-1gb" }, property: "size", allowed: VALID_NAMES },
];

/**
 * Repeats the README documents as accepted and normalised, not refused; the issue lists them among
 * bad inputs, so they are shown here with what check makes of them.
 */
const NORMALISED: { what: string; inputs: Record<string, unknown>; property: string; expected: unknown; warns: boolean }[] = [
  { what: "duplicate tags", inputs: { tags: ["web", "web"] }, property: "tags", expected: ["web"], warns: false },
  { what: "tags differing only in case", inputs: { tags: ["Web", "web"] }, property: "tags", expected: ["Web"], warns: false },
  { what: "duplicate regions", inputs: { regions: ["nyc3", "nyc3"] }, property: "regions", expected: ["nyc3"], warns: true },
];

/** URLs DigitalOcean cannot reach: accepted (a program may be tested against a local server), with a warning. */
const UNREACHABLE: { what: string; url: string }[] = [
  { what: "the cloud metadata address", url: "http://169.254.169.254/latest/meta-data/" },
  { what: "a private address", url: "http://10.0.0.5/image.qcow2" },
  { what: "a private IPv6 address", url: "http://[fd00::5]/image.qcow2" },
  { what: "loopback", url: "http://127.0.0.1:8080/image.qcow2" },
  { what: "an mDNS name", url: "http://nas.local/image.qcow2" },
];

export interface BadInputRow {
  what: string;
  property: string;
  rejected: boolean;
  /** The reason check gave for the property (the first, when several). */
  message: string;
  ok: boolean;
}

export interface BadInputResults {
  rows: BadInputRow[];
  normalised: { what: string; result: string; warning?: string }[];
  /** URLs accepted with a warning that DigitalOcean cannot reach them. */
  unreachable: { what: string; url: string; warning: string; ok: boolean }[];
  requests: number;
  realSeconds: number;
}

export async function badInputs(checks: Expectations): Promise<BadInputResults> {
  const started = performance.now();
  return withStack({ scale: 0.001 }, async (stack) => {
    const rows = await Promise.all(
      BAD_INPUTS.map(async (bad, index) => {
        const urn = customImageUrn(`bad-input-${index}`);
        const inputs = withoutUndefined(await programInputs(`bad-input-${index}`, { ...VALID, ...bad.inputs }));
        const { failures } = await stack.host.check(urn, {}, inputs);
        const failure = failures.find((candidate) => candidate.property === bad.property);
        const message = failure?.reason ?? failures.map((other) => `${other.property}: ${other.reason}`).join("; ");
        const namesProperty = failure !== undefined && message.includes(bad.property);
        const ok =
          checks.expect(`bad input "${bad.what}" is rejected at check for ${bad.property}`, failure !== undefined, message || "accepted") &&
          checks.expect(
            `bad input "${bad.what}": the message names ${bad.property} and what is allowed`,
            namesProperty && bad.allowed.test(message),
            message,
          );
        return { what: bad.what, property: bad.property, rejected: failure !== undefined, message, ok };
      }),
    );
    const logLines = stack.host.logs.length;
    const normalised = [];
    for (const [index, repeat] of NORMALISED.entries()) {
      const inputs = await programInputs(`normalised-${index}`, { ...VALID, ...repeat.inputs });
      const { inputs: checked, failures } = await stack.host.check(customImageUrn(`normalised-${index}`), {}, inputs);
      const warning = stack.host.logs.slice(logLines).find((line) => line.includes("repeats"));
      const result =
        failures.length > 0
          ? `rejected: ${failures.map((failure) => failure.reason).join("; ")}`
          : `accepted as ${JSON.stringify(checked[repeat.property])}`;
      checks.expect(
        `${repeat.what} are accepted and normalised as the README documents`,
        JSON.stringify(checked[repeat.property]) === JSON.stringify(repeat.expected),
        result,
      );
      normalised.push({ what: repeat.what, result, ...(warning ? { warning: warning.replace(/^.*?regions/, "regions") } : {}) });
    }
    const unreachable = [];
    for (const [index, { what, url }] of UNREACHABLE.entries()) {
      const { failures } = await stack.host.check(
        customImageUrn(`unreachable-${index}`),
        {},
        await programInputs(`unreachable-${index}`, { ...VALID, url }),
      );
      const warning = await logLine(stack.host.logs, (line) => line.includes(`url "${url}" names`) && line.includes("cannot reach it"));
      const ok = checks.expect(
        `a url of ${what} is accepted with a warning that DigitalOcean cannot reach it`,
        failures.length === 0 && warning !== "",
        warning || JSON.stringify(failures),
      );
      unreachable.push({ what, url, warning: warning.replace(/^.*?url /, "url "), ok });
    }
    checks.expect(
      `at least 30 bad inputs are rejected`,
      rows.filter((row) => row.rejected).length >= 30,
      `${rows.filter((row) => row.rejected).length}`,
    );
    checks.expect(
      "check sent no request to DigitalOcean",
      stack.emulator.requests.length === 0,
      `${stack.emulator.requests.length} requests`,
    );
    return { rows, normalised, unreachable, requests: stack.emulator.requests.length, realSeconds: (performance.now() - started) / 1000 };
  });
}

/** The first of `logs` matching `wanted`, waiting up to 5 s for it: the host's log lines arrive on its stderr, after the call that logged them has returned. */
async function logLine(logs: readonly string[], wanted: (line: string) => boolean): Promise<string> {
  const deadline = performance.now() + 5_000;
  for (;;) {
    const line = logs.find(wanted);
    if (line !== undefined || performance.now() > deadline) return line ?? "";
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
