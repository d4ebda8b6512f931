/**
 * got (an ES module graph) and re2js take a tenth of a second to load on an idle machine and up to
 * a second under load (tools/anchor/README.md): a program that declares a CustomImage, and a host
 * that only checks and diffs (a preview), load neither.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- each load goes through jest.isolateModules' fresh registry, which a static import cannot */

const loaded = new Set<string>();

function watchLoads(): void {
  loaded.clear();
  jest.doMock("got", () => {
    loaded.add("got");
    return jest.requireActual("got");
  });
  jest.doMock("re2js", () => {
    loaded.add("re2js");
    return jest.requireActual("re2js");
  });
}

afterEach(() => {
  jest.dontMock("got");
  jest.dontMock("re2js");
});

describe("what loading the package costs", () => {
  test("importing the package loads neither got nor re2js; the first lookup's client loads got", () => {
    jest.isolateModules(() => {
      watchLoads();
      require("../../src/index");
      expect([...loaded]).toEqual([]);
      (require("../../src/client/load-client") as typeof import("../../src/client/load-client")).loadClient();
      expect([...loaded]).toEqual(["got"]);
    });
  });

  test("the provider's check and diff (a preview) load no got; an operation that calls the API does", async () => {
    let provider!: typeof import("../../src/provider/index");
    jest.isolateModules(() => {
      watchLoads();
      provider = require("../../src/provider/index") as typeof import("../../src/provider/index");
    });
    await provider.configure({ config: { get: (key: string) => ({ "digitalocean:token": "t" })[key] } });
    const inputs = { url: "https://example.com/a.qcow2.gz", regions: ["nyc3"] };
    const checked = await provider.check({}, inputs);
    await provider.diff("1", checked.inputs, checked.inputs);
    expect([...loaded]).toEqual([]);
    provider.getRuntime();
    expect([...loaded]).toEqual(["got"]);
  });
});
