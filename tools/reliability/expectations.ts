/**
 * Every expectation a suite checks, kept (not thrown) so that a run reports all of them, and the
 * script exits non-zero when any failed.
 */
export interface Expectation {
  suite: string;
  what: string;
  ok: boolean;
  /** Why it failed: the observed value, the error. */
  detail?: string;
}

export class Expectations {
  readonly all: Expectation[] = [];

  constructor(private readonly suite: string) {}

  /** Records the expectation; returns `ok` so a caller can branch on it. */
  expect(what: string, ok: boolean, detail?: string): boolean {
    this.all.push({ suite: this.suite, what, ok, ...(ok || detail === undefined ? {} : { detail }) });
    return ok;
  }

  /** An expectation that a list of problems is empty. */
  none(what: string, problems: readonly string[]): boolean {
    return this.expect(what, problems.length === 0, problems.join("; "));
  }

  get failed(): Expectation[] {
    return this.all.filter((expectation) => !expectation.ok);
  }
}

/** Runs `body` over `items`, at most `limit` at a time, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, body: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await body(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
