import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  installLanguageHost,
  LANGUAGE_HOST_SOURCE_ENV,
  languageHostSource,
  sourceDigest,
} from "../../../tools/engine/install-language-host";

describe("the language host's source folder", () => {
  it.each([
    ["--language-host <folder>", ["--language-host", "../src"], {}, resolve("../src")],
    ["--language-host=<folder>", ["--anchor", "--language-host=../src"], {}, resolve("../src")],
    ["the environment", [], { [LANGUAGE_HOST_SOURCE_ENV]: "/opt/src" }, "/opt/src"],
    ["the flag over the environment", ["--language-host", "/a"], { [LANGUAGE_HOST_SOURCE_ENV]: "/b" }, "/a"],
    ["neither", ["--anchor"], {}, undefined],
  ])("comes from %s", (_, argv, env, expected) => {
    expect(languageHostSource(argv, env)).toBe(expected);
  });
});

describe("installLanguageHost", () => {
  let scratch: string;
  beforeEach(() => (scratch = mkdtempSync(join(tmpdir(), "language-host-test-"))));
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it("without a source and without a build says what to get and how to name it", () => {
    expect(() => installLanguageHost(scratch, undefined, () => undefined)).toThrow(
      /pulumi-language-nodejs is not built in .*\. It needs a copy of github\.com\/pulumi\/pulumi's folder sdk\/nodejs\/cmd\/pulumi-language-nodejs at tag v3\.259\.0 .* named by --language-host <folder> or PULUMI_LANGUAGE_NODEJS_SOURCE: the Go module proxy does not serve that module/,
    );
  });

  it("refuses a folder that holds no go.mod and main.go, before running Go", () => {
    const empty = join(scratch, "empty");
    mkdirSync(empty);
    expect(() => installLanguageHost(scratch, empty, () => undefined)).toThrow(
      `${empty} holds no go.mod and main.go of pulumi-language-nodejs. Get a copy of github.com/pulumi/pulumi's folder`,
    );
  });
});

describe("sourceDigest", () => {
  it("changes with a file's contents or name, and with nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), "language-host-digest-"));
    try {
      writeFileSync(join(dir, "main.go"), "package main\n");
      const first = sourceDigest(dir);
      expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(sourceDigest(dir)).toBe(first);
      writeFileSync(join(dir, "main.go"), "package main // changed\n");
      expect(sourceDigest(dir)).not.toBe(first);
      rmSync(join(dir, "main.go"));
      writeFileSync(join(dir, "other.go"), "package main\n");
      expect(sourceDigest(dir)).not.toBe(first);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
