import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const CLIENT = join(__dirname, "..", "..", "src", "client");

/** Every module specifier a file imports or re-exports. */
function imports(file: string): string[] {
  const text = readFileSync(join(CLIENT, file), "utf8");
  return [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gms)].map((match) => match[1]!);
}

test("the client imports nothing from the provider or the resource: the layers point one way", () => {
  const files = readdirSync(CLIENT).filter((file) => file.endsWith(".ts"));
  expect(files).toContain("digitalocean-client.ts");
  const upward = files.flatMap((file) =>
    imports(file)
      .filter((from) => from.startsWith(".."))
      .map((from) => `${file} imports ${from}`),
  );
  expect(upward).toEqual([]);
});
