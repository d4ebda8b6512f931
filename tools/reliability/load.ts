import { peakInWindow, percentile } from "../bench/request-phases";
import { windowOf } from "./crashes";
import type { Expectations } from "./expectations";
import { accounting, accountingProblems, stateDisagreements } from "./invariants";
import { programInputs, withStack } from "./stack";

/**
 * Suite 5: 100 images created at once through one host (one `pulumi up` whose engine runs every
 * create concurrently), each imported and then transferred to a second region, against an emulator
 * enforcing DigitalOcean's limits (250 requests a minute, 5,000 an hour, per token), then destroyed
 * at once. The transfers are polled one GET per image per tick, so the provider must pace itself
 * to stay within the limit. No create or delete may fail, and no 429 may reach the user; 429s the
 * emulator sends and the provider absorbs are counted apart.
 */

export interface LoadFigures {
  images: number;
  scale: number;
  limits: { perMinute: number; perHour: number };
  create: PhaseFigures;
  destroy: PhaseFigures;
  /** Requests over the whole run. */
  requests: number;
  /** Most requests in any 60 simulated seconds, and in any hour, over the whole run. */
  peakPerMinute: number;
  peakPerHour: number;
  /** 429s the emulator sent because the token exceeded a limit. */
  rateLimitedAtEmulator: number;
  /** Retries the provider logged after a 429. */
  retriedAfter429: number;
  /** Failures shown to the user that are a 429. */
  rateLimitedReachingUser: number;
  orphans: number;
  duplicates: number;
  /** The window the import marker does not cover, per create, under this load (see the crash suite). */
  unprotectedRealMs: { p50: number; p95: number; max: number };
  realSeconds: number;
}

export interface PhaseFigures {
  failures: number;
  /** Simulated seconds from the first step sent to the last answered. */
  wallSeconds: number;
  realSeconds: number;
  requests: number;
  /** Requests by method and path shape. */
  byRoute: Record<string, number>;
}

const LIMITS = { perMinute: 250, perHour: 5000 };
const IMAGES = 100;
const MINUTE = 60_000;

export async function load(checks: Expectations): Promise<LoadFigures> {
  const started = performance.now();
  const names = Array.from({ length: IMAGES }, (_, index) => `load-${String(index).padStart(3, "0")}`);
  const urls = names.map((name) => `https://images.example.com/load/${name}.qcow2.gz`);
  // Imports of 1 to 3 simulated minutes, spread evenly.
  const durations = new Map(urls.map((url, index) => [url, MINUTE + (2 * MINUTE * index) / (IMAGES - 1)]));
  const scale = 0.02;
  return withStack(
    { scale, emulator: { rateLimit: LIMITS, importDurationMs: (url) => durations.get(url) ?? MINUTE, transferDurationMs: MINUTE } },
    async (stack) => {
      const { engine, emulator, clock } = stack;
      const programs = await Promise.all(
        names.map((name, index) => programInputs(name, { url: urls[index], regions: ["nyc3", "ams3"], tags: ["load"] })),
      );

      const phase = async (
        body: () => Promise<{ ok: boolean; message?: string; returnedAt: number }[]>,
      ): Promise<{ figures: PhaseFigures; results: { ok: boolean; message?: string; returnedAt: number }[] }> => {
        const before = emulator.requests.length;
        const simStart = clock.now();
        const realStart = performance.now();
        const results = await body();
        const requests = emulator.requests.slice(before);
        const byRoute: Record<string, number> = {};
        for (const request of requests) {
          const route = `${request.method} ${request.path.replace(/pulumi-import(:|%3A)[0-9a-f]+/i, "{marker}").replace(/\d{6,}/g, "{id}")}`;
          byRoute[route] = (byRoute[route] ?? 0) + 1;
        }
        return {
          results,
          figures: {
            failures: results.filter((result) => !result.ok).length,
            wallSeconds: (Math.max(...results.map((result) => result.returnedAt)) - simStart) / 1000,
            realSeconds: (performance.now() - realStart) / 1000,
            requests: requests.length,
            byRoute,
          },
        };
      };

      const created = await phase(() =>
        Promise.all(
          names.map(async (name, index) => {
            const outcome = await engine.up(name, programs[index]!);
            return { ok: outcome.ok, ...(outcome.ok ? {} : { message: outcome.message }), returnedAt: clock.now() };
          }),
        ),
      );
      const creationLog = emulator.requests.slice();
      const disagreements = names.flatMap((name) => {
        const state = engine.state(name);
        return state ? stateDisagreements(emulator, state).map((problem) => `${name}: ${problem}`) : [`${name}: not in the state`];
      });
      const account = accounting(emulator, engine.ids());
      const unprotected = names.flatMap((name, index) => {
        const state = engine.state(name);
        if (!state) return [];
        return [windowOf(creationLog, name, created.results[index]!.returnedAt).unprotectedMs * scale];
      });

      const destroyed = await phase(() =>
        Promise.all(
          names.map(async (name) => {
            const outcome = await engine.destroy(name);
            return { ok: outcome.ok, ...(outcome.ok ? {} : { message: outcome.message }), returnedAt: clock.now() };
          }),
        ),
      );
      const afterDestroy = accounting(emulator, engine.ids());

      const times = emulator.requests.map((request) => request.at);
      const failures = [...created.results, ...destroyed.results].filter((result) => !result.ok);
      const rateLimitedReachingUser = failures.filter((failure) =>
        /\b429\b|too_many_requests|rate limit/i.test(failure.message ?? ""),
      ).length;
      const retriedAfter429 = stack.logs().filter((line) => /after 429/.test(line)).length;
      const figures: LoadFigures = {
        images: IMAGES,
        scale,
        limits: LIMITS,
        create: created.figures,
        destroy: destroyed.figures,
        requests: emulator.requests.length,
        peakPerMinute: peakInWindow(times, MINUTE),
        peakPerHour: peakInWindow(times, 60 * MINUTE),
        rateLimitedAtEmulator: emulator.rateLimited,
        retriedAfter429,
        rateLimitedReachingUser,
        orphans: afterDestroy.orphans.length + account.orphans.length,
        duplicates: afterDestroy.duplicates.length,
        unprotectedRealMs: { p50: percentile(unprotected, 50), p95: percentile(unprotected, 95), max: Math.max(...unprotected) },
        realSeconds: (performance.now() - started) / 1000,
      };

      checks.expect(
        `${IMAGES} concurrent creates: none fails`,
        created.figures.failures === 0,
        created.results
          .filter((result) => !result.ok)
          .map((result) => result.message)
          .slice(0, 3)
          .join(" | "),
      );
      checks.expect(
        `${IMAGES} concurrent destroys: none fails`,
        destroyed.figures.failures === 0,
        destroyed.results
          .filter((result) => !result.ok)
          .map((result) => result.message)
          .slice(0, 3)
          .join(" | "),
      );
      checks.expect("no 429 reaches the user", rateLimitedReachingUser === 0, `${rateLimitedReachingUser}`);
      checks.expect(
        `the busiest minute stays within DigitalOcean's ${LIMITS.perMinute} requests`,
        figures.peakPerMinute <= LIMITS.perMinute,
        `${figures.peakPerMinute}`,
      );
      checks.expect(
        `the busiest hour stays within DigitalOcean's ${LIMITS.perHour} requests`,
        figures.peakPerHour <= LIMITS.perHour,
        `${figures.peakPerHour}`,
      );
      checks.none("after the creates: every image in the state, none orphaned or imported twice", accountingProblems(account));
      checks.none("after the creates: the state equals every image", disagreements);
      checks.none("after the destroys: nothing left", accountingProblems(afterDestroy));
      checks.none(
        "load: every request was one DigitalOcean accepts (spec violations)",
        emulator.violations.map((violation) => `${violation.method} ${violation.path}: ${violation.errors.join(", ")}`),
      );
      return figures;
    },
  );
}
