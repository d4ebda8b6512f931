import { backoffDelay, defaultRetryPolicy, retryDelay, retryLimit, type RetryAttempt } from "../../src/client/retry-policy";

const now = Date.UTC(2026, 10, 23, 12, 0, 0);
const attempt = (overrides: Partial<RetryAttempt>): RetryAttempt => ({ attempt: 1, method: "GET", now, random: 0.5, ...overrides });

describe("retryDelay", () => {
  test.each([
    ["GET", 429],
    ["GET", 500],
    ["GET", 502],
    ["GET", 503],
    ["GET", 504],
    ["PUT", 503],
    ["DELETE", 502],
  ])("retries a %s on %i", (method, statusCode) => {
    expect(retryDelay(defaultRetryPolicy, attempt({ method, statusCode }))).toBeGreaterThan(0);
  });

  test.each([
    ["GET", 400],
    ["GET", 401],
    ["GET", 403],
    ["GET", 404],
    ["PUT", 422],
    ["DELETE", 501],
  ])("does not retry a %s on %i", (method, statusCode) => {
    expect(retryDelay(defaultRetryPolicy, attempt({ method, statusCode }))).toBe(0);
  });

  test.each([[300], [301], [302], [307], [308], [399]])(
    "never retries a %i, not even when its body is not JSON: a redirect is refused",
    (statusCode) => {
      expect(retryDelay(defaultRetryPolicy, attempt({ statusCode }))).toBe(0);
      expect(retryDelay(defaultRetryPolicy, attempt({ statusCode, errorCode: "ERR_BODY_PARSE_FAILURE" }))).toBe(0);
    },
  );

  test.each([
    "ECONNRESET",
    "ETIMEDOUT",
    "ECONNREFUSED",
    "EPIPE",
    "ENOTFOUND",
    "ENETUNREACH",
    "EAI_AGAIN",
    "EADDRINUSE",
    "ERR_BODY_PARSE_FAILURE",
  ])("retries a GET after %s", (errorCode) => {
    expect(retryDelay(defaultRetryPolicy, attempt({ errorCode }))).toBeGreaterThan(0);
  });

  test.each(["ERR_TLS_CERT_ALTNAME_INVALID", "DEPTH_ZERO_SELF_SIGNED_CERT", "ERR_INVALID_URL"])(
    "does not retry a GET after %s, which repeating cannot cure",
    (errorCode) => {
      expect(retryDelay(defaultRetryPolicy, attempt({ errorCode }))).toBe(0);
    },
  );

  test.each(["HEAD", "OPTIONS", "get", "Delete"])("retries a %s on 503, whatever the case of the method's name", (method) => {
    expect(retryDelay(defaultRetryPolicy, attempt({ method, statusCode: 503 }))).toBeGreaterThan(0);
  });

  test.each([[500], [502], [503], [504]])("never retries a POST blindly on %i: the server may have acted", (statusCode) => {
    expect(retryDelay(defaultRetryPolicy, attempt({ method: "POST", statusCode }))).toBe(0);
  });

  test.each(["ECONNRESET", "ETIMEDOUT", "EPIPE", "ERR_BODY_PARSE_FAILURE"])("never retries a POST blindly after %s", (errorCode) => {
    expect(retryDelay(defaultRetryPolicy, attempt({ method: "POST", errorCode }))).toBe(0);
  });

  test.each([[200], [400], [503]])(
    "retries a GET whose %i answer has a body that is not JSON (a proxy's page): only a redirect is refused whatever its body",
    (statusCode) => {
      expect(retryDelay(defaultRetryPolicy, attempt({ statusCode, errorCode: "ERR_BODY_PARSE_FAILURE" }))).toBeGreaterThan(0);
    },
  );

  test("retries a POST on 429, which DigitalOcean answers before acting", () => {
    expect(retryDelay(defaultRetryPolicy, attempt({ method: "POST", statusCode: 429 }))).toBeGreaterThan(0);
  });

  test.each(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EADDRINUSE"])(
    "retries a POST after %s, raised before anything was sent",
    (errorCode) => {
      expect(retryDelay(defaultRetryPolicy, attempt({ method: "POST", errorCode }))).toBeGreaterThan(0);
    },
  );

  test("retries a POST marked idempotent like a GET", () => {
    expect(retryDelay(defaultRetryPolicy, attempt({ method: "POST", statusCode: 503, idempotent: true }))).toBeGreaterThan(0);
  });

  test("stops after the policy's limit", () => {
    expect(retryDelay(defaultRetryPolicy, attempt({ attempt: defaultRetryPolicy.limit, statusCode: 503 }))).toBeGreaterThan(0);
    expect(retryDelay(defaultRetryPolicy, attempt({ attempt: defaultRetryPolicy.limit + 1, statusCode: 503 }))).toBe(0);
  });

  test.each(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH"])(
    "retries an unreachable endpoint (%s) fewer times than a 503",
    (errorCode) => {
      const limit = defaultRetryPolicy.limitByErrorCode[errorCode]!;
      expect(limit).toBeLessThan(defaultRetryPolicy.limit);
      expect(retryDelay(defaultRetryPolicy, attempt({ attempt: limit, errorCode }))).toBeGreaterThan(0);
      expect(retryDelay(defaultRetryPolicy, attempt({ attempt: limit + 1, errorCode }))).toBe(0);
      expect(retryDelay(defaultRetryPolicy, attempt({ attempt: limit + 1, statusCode: 503 }))).toBeGreaterThan(0);
    },
  );

  test("retries a request that got no answer twice, so an endpoint that never answers fails after three request timeouts", () => {
    expect(retryLimit(defaultRetryPolicy, "ETIMEDOUT")).toBe(2);
    expect(retryDelay(defaultRetryPolicy, attempt({ attempt: 2, errorCode: "ETIMEDOUT" }))).toBeGreaterThan(0);
    expect(retryDelay(defaultRetryPolicy, attempt({ attempt: 3, errorCode: "ETIMEDOUT" }))).toBe(0);
  });

  test("counts only failures of the same kind against a lower limit: a second timeout after two resets is retried", () => {
    expect(retryDelay(defaultRetryPolicy, attempt({ attempt: 4, errorCode: "ETIMEDOUT", sameFailures: 2 }))).toBeGreaterThan(0);
    expect(retryDelay(defaultRetryPolicy, attempt({ attempt: 4, errorCode: "ETIMEDOUT", sameFailures: 3 }))).toBe(0);
  });

  test("never retries a request more than the policy's limit in all, however its failures differ in kind", () => {
    expect(
      retryDelay(defaultRetryPolicy, attempt({ attempt: defaultRetryPolicy.limit + 1, errorCode: "ETIMEDOUT", sameFailures: 1 })),
    ).toBe(0);
  });

  test("never retries more than the policy's limit, even for a kind with a higher one", () => {
    const policy = { ...defaultRetryPolicy, limit: 0 };
    expect(retryDelay(policy, attempt({ attempt: 1, errorCode: "ETIMEDOUT", sameFailures: 1 }))).toBe(0);
    expect(retryLimit(policy, "ECONNREFUSED")).toBe(0);
  });

  test("keeps the policy's limit for codes it has no lower limit for, whatever their name", () => {
    expect(retryLimit(defaultRetryPolicy, "ECONNRESET")).toBe(defaultRetryPolicy.limit);
    expect(retryLimit(defaultRetryPolicy, "constructor")).toBe(defaultRetryPolicy.limit);
    expect(retryLimit(defaultRetryPolicy, undefined)).toBe(defaultRetryPolicy.limit);
  });

  test("honours Retry-After in seconds", () => {
    expect(retryDelay(defaultRetryPolicy, attempt({ statusCode: 429, headers: { "retry-after": "7" } }))).toBe(7000);
  });

  test("honours Retry-After as an HTTP date", () => {
    const date = new Date(now + 12_000).toUTCString();
    expect(retryDelay(defaultRetryPolicy, attempt({ statusCode: 503, headers: { "retry-after": date } }))).toBe(12_000);
  });

  test("uses ratelimit-reset on a 429 that has no Retry-After", () => {
    const reset = String(Math.floor(now / 1000) + 20);
    expect(retryDelay(defaultRetryPolicy, attempt({ statusCode: 429, headers: { "ratelimit-reset": reset } }))).toBe(20_000);
  });

  test("caps a server hint at maxRetryAfterMs instead of giving up like got does", () => {
    expect(retryDelay(defaultRetryPolicy, attempt({ statusCode: 429, headers: { "retry-after": "3600" } }))).toBe(
      defaultRetryPolicy.maxRetryAfterMs,
    );
  });

  test.each([
    // DigitalOcean's "Sample Rate Limit Headers When Burst Limit is Reached", spelled as documented.
    [
      "a burst-limit 429 waits its retry-after, not the hour's ratelimit-reset",
      {
        "ratelimit-limit": "5000",
        "ratelimit-remaining": "0",
        "rateLimit-reset": String(Math.floor(now / 1000) + 3000),
        "retry-after": "29",
      },
      29_000,
    ],
    [
      "an hourly 429 waits until ratelimit-reset, capped",
      { "ratelimit-limit": "5000", "ratelimit-remaining": "0", "rateLimit-reset": String(Math.floor(now / 1000) + 3000) },
      defaultRetryPolicy.maxRetryAfterMs,
    ],
    [
      "an hourly 429 whose reset is near waits just that long",
      { "ratelimit-limit": "5000", "ratelimit-remaining": "0", "rateLimit-reset": String(Math.floor(now / 1000) + 45) },
      45_000,
    ],
  ])("%s", (_what, headers, delay) => {
    expect(retryDelay(defaultRetryPolicy, attempt({ statusCode: 429, headers }))).toBe(delay);
  });

  test.each([
    [
      "a 503's ratelimit-reset, which says when the hour's budget frees up, not when the server recovers",
      { statusCode: 503, headers: { "ratelimit-reset": String(Math.floor(now / 1000) + 20) } },
    ],
    ["a blank Retry-After", { statusCode: 503, headers: { "retry-after": " " } }],
    ["a Retry-After that is neither seconds nor a date", { statusCode: 503, headers: { "retry-after": "soon" } }],
    ["a 429 whose ratelimit-reset is 0", { statusCode: 429, headers: { "ratelimit-reset": "0" } }],
    ["a 429 whose ratelimit-reset is not a number", { statusCode: 429, headers: { "ratelimit-reset": "later" } }],
  ])("backs off as without a hint on %s", (_case, overrides) => {
    expect(retryDelay(defaultRetryPolicy, attempt(overrides))).toBe(backoffDelay(defaultRetryPolicy, 1, 0.5));
  });

  test("takes ratelimit-reset on a 429 whose Retry-After cannot be read", () => {
    const reset = String(Math.floor(now / 1000) + 20);
    expect(retryDelay(defaultRetryPolicy, attempt({ statusCode: 429, headers: { "retry-after": "soon", "ratelimit-reset": reset } }))).toBe(
      20_000,
    );
  });

  describe("an hourly 429 whose ratelimit-reset is already past by the local clock (clock skew, whole-second rounding)", () => {
    const pastReset = { "ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": String(Math.floor(now / 1000) - 5) };

    test.each([
      [1, 0, 1_000],
      [2, 0.5, 1_000],
      [3, 0.5, 1_500],
      [4, 0.5, 3_000],
      [5, 0.999, 7_996],
    ])("retry %i (jitter %d) waits %i ms: at least a second, and the backoff when that is longer", (retry, random, delay) => {
      expect(retryDelay(defaultRetryPolicy, attempt({ attempt: retry, random, statusCode: 429, headers: pastReset }))).toBe(delay);
    });

    test("spreads the policy's five retries over more than ten seconds instead of a few milliseconds", () => {
      const delays = [1, 2, 3, 4, 5].map((retry) =>
        retryDelay(defaultRetryPolicy, attempt({ attempt: retry, statusCode: 429, headers: pastReset })),
      );
      expect(delays.reduce((sum, delay) => sum + delay, 0)).toBeGreaterThan(10_000);
    });

    test("a reset in this very second still waits a second: it names the second the oldest request leaves, not the instant", () => {
      const headers = { ...pastReset, "ratelimit-reset": String(Math.floor(now / 1000)) };
      expect(retryDelay(defaultRetryPolicy, attempt({ statusCode: 429, headers }))).toBe(defaultRetryPolicy.minResetWaitMs);
    });

    test("measures the reset from the response's Date: a local clock 90 minutes behind DigitalOcean's waits a second, not 90 minutes", () => {
      const server = now + 90 * 60_000;
      const headers = { ...pastReset, "ratelimit-reset": String(Math.floor(server / 1000) - 5), date: new Date(server).toUTCString() };
      expect(retryDelay(defaultRetryPolicy, attempt({ statusCode: 429, headers }))).toBe(defaultRetryPolicy.minResetWaitMs);
    });

    test("measures the reset from the response's Date: a local clock 90 minutes ahead waits the 30 s left by DigitalOcean's", () => {
      const server = Math.floor(now / 1000) * 1000 - 90 * 60_000;
      const headers = { ...pastReset, "ratelimit-reset": String(server / 1000 + 30), date: new Date(server).toUTCString() };
      expect(retryDelay(defaultRetryPolicy, attempt({ statusCode: 429, headers }))).toBe(30_000);
    });

    test("a later retry whose reset is near waits the backoff when that is longer than the reset", () => {
      const headers = { ...pastReset, "ratelimit-reset": String(Math.floor(now / 1000) + 2) };
      expect(retryDelay(defaultRetryPolicy, attempt({ attempt: 5, random: 0.5, statusCode: 429, headers }))).toBe(
        backoffDelay(defaultRetryPolicy, 5, 0.5),
      );
    });
  });
});

describe("backoffDelay", () => {
  test("doubles each attempt up to the ceiling, with jitter in the upper half", () => {
    const policy = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, 0))).toEqual([50, 100, 200, 400, 500]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, 0.999))).toEqual([100, 200, 400, 800, 1000]);
  });
});
