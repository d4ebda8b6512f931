import { createRequire } from "node:module";
import { resolve } from "node:path";

/**
 * Runs a Pulumi program for the CLI's `--client <address>`: the Node.js language host
 * (pulumi-language-nodejs) cannot be built here, so this process plays it, with the SDK's own
 * Automation API language server, exactly as `LocalWorkspace` does for inline programs.
 *
 *   tsx tools/engine/program-server.ts <program folder> <entry file>
 *
 * Prints `{"address":"127.0.0.1:<port>"}` once listening. Every module, the SDK included, is
 * loaded from the program's folder, so the program and the server share one SDK runtime. One
 * process serves one CLI command: a program's module runs once per process. Ends when stdin closes.
 */

interface GrpcServer {
  addService(service: unknown, implementation: unknown): void;
  bindAsync(address: string, credentials: unknown, callback: (error: Error | null, port: number) => void): void;
  forceShutdown(): void;
}

async function main(): Promise<void> {
  const [programDir, entry] = process.argv.slice(2);
  if (!programDir || !entry) throw new Error("usage: program-server.ts <program folder> <entry file>");
  const fromProgram = createRequire(resolve(programDir, "package.json"));
  // The SDK's own copy of grpc-js: its generated service definitions only work with that one.
  const grpc = createRequire(fromProgram.resolve("@pulumi/pulumi"))("@grpc/grpc-js") as {
    Server: new (options: object) => GrpcServer;
    ServerCredentials: { createInsecure(): unknown };
  };
  const { LanguageServer } = fromProgram("@pulumi/pulumi/automation/server") as {
    LanguageServer: new (program: () => Promise<unknown>) => object;
  };
  const languageRpc = fromProgram("@pulumi/pulumi/proto/language_grpc_pb") as { LanguageRuntimeService: unknown };
  const { grpcChannelOptions } = fromProgram("@pulumi/pulumi/runtime") as { grpcChannelOptions: object };

  const entryPath = resolve(programDir, entry);
  const server = new grpc.Server({ ...grpcChannelOptions });
  server.addService(languageRpc.LanguageRuntimeService, new LanguageServer(async () => fromProgram(entryPath)));
  const port = await new Promise<number>((done, fail) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? fail(error) : done(bound))),
  );
  process.stdout.write(`${JSON.stringify({ address: `127.0.0.1:${port}` })}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => {
    server.forceShutdown();
    process.exit(0);
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`program-server: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
