/**
 * Calls `onLine` with every line added to `logs` from now on, until the returned function is called.
 * The provider host collects its output in a plain array (ProviderHost.logs); watching its `push`
 * shows an import's progress the moment the host prints it, with no polling.
 */
export function followLogs(logs: string[], onLine: (line: string) => void): () => void {
  const push = logs.push;
  logs.push = (...lines: string[]) => {
    const length = push.apply(logs, lines);
    for (const line of lines) onLine(line);
    return length;
  };
  return () => {
    logs.push = push;
  };
}
