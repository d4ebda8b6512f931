import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { missingPlugins, noCliReason } from "../../../tools/engine/engine-cli";

describe("the Node.js plugins beside pulumi", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "engine-cli-test-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const executable = (name: string, mode = 0o755) => {
    writeFileSync(join(dir, name), "#!/bin/sh\n");
    chmodSync(join(dir, name), mode);
  };

  it("are both missing from a folder that holds only pulumi", () => {
    executable("pulumi");
    expect(missingPlugins(join(dir, "pulumi"))).toEqual(["pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"]);
  });

  it("count only when executable, as a Pulumi install ships them", () => {
    executable("pulumi");
    executable("pulumi-language-nodejs");
    executable("pulumi-resource-pulumi-nodejs", 0o644);
    expect(missingPlugins(join(dir, "pulumi"))).toEqual(["pulumi-resource-pulumi-nodejs"]);
    chmodSync(join(dir, "pulumi-resource-pulumi-nodejs"), 0o755);
    expect(missingPlugins(join(dir, "pulumi"))).toEqual([]);
  });
});

describe("noCliReason", () => {
  it("names each CLI passed over and the command that builds the plugins", () => {
    expect(noCliReason(["/usr/bin/pulumi has no pulumi-language-nodejs beside it"])).toBe(
      "no Pulumi CLI with its Node.js plugins: /usr/bin/pulumi has no pulumi-language-nodejs beside it. A Pulumi install has both; `npm run engine:install -- --language-host <folder>` builds them (tools/engine/README.md)",
    );
  });

  it("without one passed over, says there is no CLI at all", () => {
    expect(noCliReason([])).toBe("no Pulumi CLI: `pulumi` is not on PATH and `npm run engine:install` has not built one");
  });
});
