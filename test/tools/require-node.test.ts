import { spawnSync } from "node:child_process";
import { REPO_ROOT } from "../../tools/shared/example-package";

/** Runs tools/require-node.cjs with `argument` as if Node.js were `version`, as npm runs it for `script`. */
function requireNode(argument: string, version: string, script = "test") {
  const preload = `Object.defineProperty(process, "version", { value: ${JSON.stringify(version)} }); process.argv[2] = ${JSON.stringify(argument)}; require("./tools/require-node.cjs");`;
  return spawnSync(process.execPath, ["-e", preload], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, npm_lifecycle_event: script },
    encoding: "utf8",
  });
}

describe("tools/require-node.cjs, the first step of npm test and npm run demo", () => {
  test("stops npm test on Node 20 with one first line saying which Node it needs and which it found, then how to get it", () => {
    const result = requireNode("24", "v20.20.2");
    expect(result.status).toBe(1);
    expect(result.stderr.split("\n")[0]).toBe("npm test needs Node 24 or later (found v20.20.2).");
    expect(result.stderr).toContain("nvm install 24");
  });

  test("lets Node 24 and later through, silently", () => {
    for (const version of ["v24.0.0", "v24.22.3", "v25.1.0"]) expect(requireNode("24", version)).toMatchObject({ status: 0, stderr: "" });
  });

  test("holds npm run demo to package.json's engines floor, which .ci/engines-floor runs it on", () => {
    expect(requireNode("engines", "v22.12.0", "demo")).toMatchObject({ status: 0, stderr: "" });
    const older = requireNode("engines", "v22.11.0", "demo");
    expect(older.status).toBe(1);
    expect(older.stderr.split("\n")[0]).toBe("npm run demo needs Node 22.12 or later (found v22.11.0).");
  });
});
