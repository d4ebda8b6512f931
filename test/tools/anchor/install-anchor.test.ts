import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../../tools/shared/example-package";
import { ANCHOR_PLUGIN, embeddedSchema, installAnchor, missingSources, thirdPartyDir } from "../../../tools/anchor/install-anchor";

describe("engine:install --anchor", () => {
  it("embeds the committed schema with the plugin's version, as pulumi-digitalocean's go:generate step does", () => {
    expect(JSON.parse(embeddedSchema('{"name":"digitalocean","version":"0.0.1","resources":{}}', "v4.76.0"))).toEqual({
      name: "digitalocean",
      version: "4.76.0",
      resources: {},
    });
  });

  it("finds the sources in THIRD_PARTY_DIR, else in ../shared/third_party beside the repository", () => {
    expect(thirdPartyDir({ THIRD_PARTY_DIR: "/src/third_party" })).toBe("/src/third_party");
    expect(thirdPartyDir({})).toBe(join(REPO_ROOT, "..", "shared", "third_party"));
  });

  it("names every missing source folder and what to do, before building anything", () => {
    const sources = mkdtempSync(join(tmpdir(), "anchor-sources-"));
    const target = mkdtempSync(join(tmpdir(), "anchor-target-"));
    try {
      mkdirSync(join(sources, "pulumi-digitalocean", "provider"), { recursive: true });
      writeFileSync(join(sources, "pulumi-digitalocean", "provider", "go.mod"), "module m\n");
      expect(missingSources(sources)).toEqual(["pulumi-digitalocean/patches", "terraform-provider-digitalocean/go.mod"]);
      expect(() => installAnchor(target, () => undefined, { THIRD_PARTY_DIR: sources })).toThrow(
        `--anchor builds ${ANCHOR_PLUGIN} v4.76.0 from the pulumi-digitalocean and terraform-provider-digitalocean sources, but ${sources} lacks pulumi-digitalocean/patches, terraform-provider-digitalocean/go.mod: get the shared third_party folder (its README names the commits) or set THIRD_PARTY_DIR to it`,
      );
    } finally {
      rmSync(sources, { recursive: true, force: true });
      rmSync(target, { recursive: true, force: true });
    }
  });
});
