import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../../tools/shared/example-package";
import { userEnvironment } from "../../package/npm-command";

describe("offline-env.ts as a command", () => {
  test("prints the five offline settings as export lines, and no PATH, when run through npx", async () => {
    const folder = mkdtempSync(join(tmpdir(), "offline-env-"));
    try {
      const { stdout } = await promisify(execFile)("npx", ["tsx", "tools/engine/offline-env.ts", folder], {
        cwd: REPO_ROOT,
        env: userEnvironment(),
      });
      expect(
        stdout
          .trim()
          .split("\n")
          .map((line) => /^export ([A-Z_]+)='/.exec(line)?.[1]),
      ).toEqual([
        "PULUMI_BACKEND_URL",
        "PULUMI_HOME",
        "PULUMI_CONFIG_PASSPHRASE",
        "PULUMI_SKIP_UPDATE_CHECK",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION",
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
