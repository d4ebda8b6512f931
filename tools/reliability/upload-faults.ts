import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, ListPartsCommand, S3Client } from "@aws-sdk/client-s3";
import type { IncomingMessage } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UPLOAD_DEFAULTS } from "../../src/spaces/multipart-upload";
import { type FaultProxy, isComplete, isPart, SLOW_DOWN, startFaultProxy, type Verdict } from "../s3-server/fault-proxy";
import { startS3Server } from "../s3-server/s3-server";
import { HOST_GONE, type Outcome } from "./engine";
import type { Expectations } from "./expectations";
import { accounting, accountingProblems } from "./invariants";
import { programInputs, type Stack, until, withStack } from "./stack";

/**
 * The fault matrix's rows for a CustomImage with `file`: the upload to Spaces (a local
 * S3-compatible server, tools/s3-server/, behind a fault proxy) under a reset in the middle of a
 * part, a 503 on the request that completes the upload, and the host killed mid-upload, through
 * the SDK's host against the emulator, which downloads the object from its presigned url.
 *
 * Each row runs `up`, then (the fault gone) the next `up`, then destroy, and checks: a transient
 * fault is absorbed; a failure says what failed and in which bucket; DigitalOcean holds one image
 * at most, the state names it, and destroy leaves nothing; the next `up` sends only the parts
 * that were not stored; and no object or unfinished upload is left in the bucket.
 */

export interface UploadFaultRow {
  key: string;
  label: string;
  variant: "once" | "persistent" | "kill";
  /** The first `up`: ok, or its error. */
  ok: boolean;
  message?: string;
  /** Parts the first `up` sent that the server stored, and parts the next `up` sent. */
  storedBefore: number;
  sentAfter: number;
  parts: number;
  recovered: boolean;
  problems: string[];
  realMs: number;
}

interface RowContext {
  stack: Stack;
  name: string;
  program: Record<string, unknown>;
  proxy: FaultProxy;
  /** Sets what the proxy does to each request from now on. */
  decide(rule: (request: IncomingMessage) => Verdict): void;
}

/** The bucket as the server holds it, read past the proxy. */
interface BucketView {
  /** Objects and unfinished uploads in the bucket. */
  left(): Promise<string[]>;
  /** Parts stored by the unfinished uploads. */
  storedParts(): Promise<number>;
}

interface UploadFault {
  key: string;
  label: string;
  variant: UploadFaultRow["variant"];
  /** Runs the first `up` under the fault. */
  step(context: RowContext): Promise<Outcome>;
}

/** Bytes of each row's file: three parts of the provider's size, the last one short. */
const FILE_BYTES = 2 * UPLOAD_DEFAULTS.partBytes + UPLOAD_DEFAULTS.partBytes / 2;
const PARTS = 3;
const BUCKET = "reliability";

export const UPLOAD_FAULTS: UploadFault[] = [
  {
    key: "reset-mid-part",
    label: "reset in the middle of a part",
    variant: "once",
    async step({ stack, name, program, decide }) {
      let resets = 0;
      decide((request) => (isPart(request) && resets++ === 0 ? "reset" : "pass"));
      return stack.engine.up(name, program);
    },
  },
  {
    key: "503-complete",
    label: "503 on complete",
    variant: "once",
    async step({ stack, name, program, decide }) {
      let refused = 0;
      decide((request) => (isComplete(request) && refused++ === 0 ? SLOW_DOWN : "pass"));
      return stack.engine.up(name, program);
    },
  },
  {
    key: "503-complete",
    label: "503 on complete",
    variant: "persistent",
    async step({ stack, name, program, decide }) {
      decide((request) => (isComplete(request) ? SLOW_DOWN : "pass"));
      return stack.engine.up(name, program);
    },
  },
  {
    key: "killed-host",
    label: "host killed mid-upload",
    variant: "kill",
    async step({ stack, name, program, proxy, decide }) {
      // The first part is stored; the others are never answered, and the host is killed waiting.
      let parts = 0;
      decide((request) => (isPart(request) && ++parts > 1 ? "hold" : "pass"));
      const pending = stack.engine.up(name, program);
      const from = proxy.answered.length;
      const storedOne = () =>
        parts >= PARTS && proxy.answered.slice(from).some((line) => /^200 PUT .*[?&]partNumber=/.test(line)) ? true : undefined;
      await until("one part stored and the others held", storedOne, 60_000);
      await stack.host.kill();
      const outcome = await pending;
      await stack.restartHost();
      return outcome;
    },
  },
];

export async function uploadFaults(checks: Expectations, stacks: typeof withStack = withStack): Promise<UploadFaultRow[]> {
  const server = await startS3Server();
  const s3 = new S3Client({ endpoint: server.endpoint, region: "nyc3", forcePathStyle: true, credentials: server.credentials });
  const dir = mkdtempSync(join(tmpdir(), "reliability-upload-"));
  let rule: (request: IncomingMessage) => Verdict = () => "pass";
  const proxy = await startFaultProxy(server.endpoint, (request) => rule(request));
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const bucket: BucketView = {
      async left() {
        const objects = (await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? [];
        const uploads = (await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? [];
        return [...objects.map((object) => `object ${object.Key}`), ...uploads.map((upload) => `unfinished upload of ${upload.Key}`)];
      },
      async storedParts() {
        const uploads = (await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? [];
        let count = 0;
        for (const { Key, UploadId } of uploads)
          count += (await s3.send(new ListPartsCommand({ Bucket: BUCKET, Key, UploadId }))).Parts?.length ?? 0;
        return count;
      },
    };
    const options = {
      scale: 0.002,
      emulator: { fetchLoopbackImports: true },
      config: {
        "digitalocean:spacesAccessId": server.credentials.accessKeyId,
        "digitalocean:spacesSecretKey": server.credentials.secretAccessKey,
        "digitalocean:spacesEndpoint": proxy.url,
      },
    };
    return await stacks(options, async (stack) => {
      const rows: UploadFaultRow[] = [];
      for (const [index, fault] of UPLOAD_FAULTS.entries()) {
        rows.push(await runRow(stack, fault, index, dir, proxy, bucket, (next) => (rule = next), checks));
      }
      return rows;
    });
  } finally {
    s3.destroy();
    await proxy.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const describeOutcome = (outcome: Outcome) => (outcome.ok ? `${outcome.action} succeeded` : `${outcome.action} failed: ${outcome.message}`);

async function runRow(
  stack: Stack,
  fault: UploadFault,
  index: number,
  dir: string,
  proxy: FaultProxy,
  bucket: BucketView,
  decide: RowContext["decide"],
  checks: Expectations,
): Promise<UploadFaultRow> {
  const started = performance.now();
  const name = `up-${fault.key}-${fault.variant}`;
  const problems: string[] = [];
  const expect = (what: string, ok: boolean, detail?: string) => {
    if (!checks.expect(`fault matrix, upload: ${fault.label} (${fault.variant}): ${what}`, ok, detail))
      problems.push(detail ? `${what} (${detail})` : what);
    return ok;
  };
  const file = join(dir, `${name}.qcow2`);
  // Bytes of their own per row, so that each row has its own object key (the content's hash).
  const bytes = Buffer.alloc(FILE_BYTES, index + 1);
  bytes.write("QFI\xfb", 0, "latin1");
  writeFileSync(file, bytes);
  const program = await programInputs(name, { file, spaces: { bucket: BUCKET, region: "nyc3" }, regions: ["nyc3"] });
  const scope = (imageName: string) => imageName === name;
  const problemsOfAccount = () => accountingProblems(accounting(stack.emulator, stack.engine.ids(name), scope));

  const outcome = await fault.step({ stack, name, program, proxy, decide });
  const storedBefore = await bucket.storedParts();
  decide(() => "pass");
  if (fault.variant === "once") expect("a fault that happens once is absorbed", outcome.ok, outcome.ok ? undefined : outcome.message);
  if (fault.variant === "persistent") {
    const clear = !outcome.ok && /uploading .* to reliability\/.* failed: .*503/.test(outcome.message);
    expect("the error says the upload to the bucket failed, and how", clear, describeOutcome(outcome));
  }
  if (fault.variant === "kill") {
    expect("the engine saw the host die", !outcome.ok && outcome.code === HOST_GONE, describeOutcome(outcome));
    expect("a part was stored before the host died", storedBefore >= 1, `${storedBefore} parts stored`);
  }
  expect(
    "after the step no image is orphaned or duplicated and the state names only live images",
    problemsOfAccount().length === 0,
    problemsOfAccount().join("; "),
  );

  const before = proxy.seen.length;
  const next = await stack.engine.up(name, program);
  const sentAfter = proxy.seen.slice(before).filter((line) => /^pass PUT .*[?&]partNumber=/.test(line)).length;
  const recovered = next.ok;
  expect("the next up succeeds", recovered, describeOutcome(next));
  if (!outcome.ok)
    expect(
      "the next up sends only the parts not stored",
      sentAfter === PARTS - storedBefore,
      `${storedBefore} of ${PARTS} parts were stored, the next up sent ${sentAfter}`,
    );
  expect(
    "DigitalOcean holds one image",
    stack.emulator.audit().filter((entry) => entry.name === name).length === 1,
    `${stack.emulator.audit().filter((entry) => entry.name === name).length} images named ${name}`,
  );
  expect("no object or unfinished upload is left in the bucket", (await bucket.left()).length === 0, (await bucket.left()).join(", "));

  const destroyed = await stack.engine.destroy(name);
  expect("destroy succeeds", destroyed.ok, describeOutcome(destroyed));
  expect("after destroy nothing is left", problemsOfAccount().length === 0, problemsOfAccount().join("; "));
  rmSync(file, { force: true });
  return {
    key: fault.key,
    label: fault.label,
    variant: fault.variant,
    ok: outcome.ok,
    ...(outcome.ok ? {} : { message: outcome.message }),
    storedBefore,
    sentAfter,
    parts: PARTS,
    recovered,
    problems,
    realMs: performance.now() - started,
  };
}
