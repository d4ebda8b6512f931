import { readFileSync } from "node:fs";
import { join } from "node:path";
import { anchorVersion, downloadOutcome } from "../../../tools/anchor/install-anchor";
import { REPO_ROOT } from "../../../tools/shared/example-package";

describe("the anchor's version", () => {
  it("is the @pulumi/digitalocean version package-lock.json resolves, the one the SDK asks the CLI for", () => {
    const installed = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/@pulumi/digitalocean/package.json"), "utf8")) as {
      version: string;
    };
    expect(anchorVersion(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8"))).toBe(installed.version);
  });

  it("is refused with what to run when the lock file resolves no @pulumi/digitalocean", () => {
    expect(() => anchorVersion(JSON.stringify({ packages: {} }))).toThrow(
      "package-lock.json resolves no node_modules/@pulumi/digitalocean: run npm install",
    );
  });
});

describe("go mod download's report", () => {
  it.each([
    ["a served module gives its folder", '{"Path":"m","Version":"v1.0.0","Dir":"/go/pkg/mod/m@v1.0.0"}', { dir: "/go/pkg/mod/m@v1.0.0" }],
    [
      "a refused module gives the proxy's answer on one line",
      '{"Path":"m","Version":"v1.0.0","Error":"m@v1.0.0: reading m/@v/v1.0.0.info: 403 Forbidden\\n\\tserver response: This module version is not available."}',
      { error: "m@v1.0.0: reading m/@v/v1.0.0.info: 403 Forbidden server response: This module version is not available." },
    ],
  ])("%s", (_, stdout, expected) => {
    expect(downloadOutcome(stdout)).toEqual(expected);
  });

  it("that holds neither is an error naming the report", () => {
    expect(() => downloadOutcome('{"Path":"m"}')).toThrow('go mod download reported neither a folder nor an error: {"Path":"m"}');
  });
});
