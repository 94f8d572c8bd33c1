// Model failures → one readable, secret-free line, from the SDK's real error classes.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import {
  APICallError,
  generateText,
  JSONParseError,
  NoOutputGeneratedError,
  RetryError,
  TypeValidationError,
} from "ai";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { describeModelError, errorLogFields, scrubMessage, transientModelError } from "../model-errors";

const PROMPT = "Alice (user): the secret plan is PINEAPPLE";
const KEY = "sk-live-abcdefghijklmnop";
const apiError = (statusCode: number | undefined, message: string, responseHeaders?: Record<string, string>) =>
  new APICallError({
    message,
    ...(responseHeaders ? { responseHeaders } : {}),
    url: "https://models.example/v1/chat/completions?key=QUERYSECRET",
    requestBodyValues: { messages: [{ role: "user", content: PROMPT }] },
    ...(statusCode === undefined ? {} : { statusCode }),
    responseBody: `{"error":{"message":"${message}"}}`,
    isRetryable: statusCode === undefined || statusCode >= 500,
  });

/** No line may leak the prompt, the URL (any part of it) or the key. */
const clean = (line: string) => {
  expect(line).not.toContain("PINEAPPLE");
  expect(line).not.toContain("QUERYSECRET");
  expect(line).not.toContain(KEY);
  expect(line).not.toMatch(/https?:|models\.example|proxy\.example|status\.example|llm\.example|127\.0\.0\.1/);
  expect(line).not.toContain("\n");
  return line;
};

describe("transientModelError: whether asking again may succeed", () => {
  it("429, 408 and 5xx are, with the endpoint's retry-after in ms; a refused key, an unknown model or a bad request are not", () => {
    expect(transientModelError(apiError(429, "slow down", { "retry-after": "7" }))).toEqual({ retryAfterMs: 7000 });
    expect(transientModelError(apiError(503, "overloaded"))).toEqual({ retryAfterMs: null });
    expect(transientModelError(apiError(408, "timeout"))).toEqual({ retryAfterMs: null });
    expect(
      transientModelError(
        new RetryError({ message: "x", reason: "maxRetriesExceeded", errors: [apiError(502, "bad gateway")] }),
      ),
    ).toEqual({
      retryAfterMs: null,
    });
    for (const status of [400, 401, 403, 404, 422]) expect(transientModelError(apiError(status, "no"))).toBeNull();
    // A retry-after that is not a sane number of seconds is not honoured (backoff instead).
    expect(transientModelError(apiError(429, "x", { "retry-after": "soon" }))).toEqual({ retryAfterMs: null });
  });

  it("a timeout and a lost connection are; a malformed answer or a stop are not", () => {
    expect(transientModelError(new DOMException("Step timeout of 700ms exceeded", "TimeoutError"))).toEqual({
      retryAfterMs: null,
    });
    expect(transientModelError(new Error("Network connection lost."))).toEqual({ retryAfterMs: null });
    expect(transientModelError(new JSONParseError({ text: "{", cause: new Error("x") }))).toBeNull();
    const stop = new Error("stopped");
    stop.name = "AbortError";
    expect(transientModelError(stop)).toBeNull();
  });
});

describe("describeModelError", () => {
  it("401/403 → check the key; 404 → check the model id and URL", () => {
    expect(clean(describeModelError(apiError(401, `Incorrect API key provided: ${KEY}`), { apiKey: KEY }))).toBe(
      "the model endpoint refused the key (HTTP 401): check AUTOPILOT_MODEL_API_KEY",
    );
    expect(describeModelError(apiError(403, "Forbidden"))).toBe(
      "the model endpoint refused the key (HTTP 403): check AUTOPILOT_MODEL_API_KEY",
    );
    expect(describeModelError(apiError(404, "The model `gpt-nope` does not exist"))).toBe(
      "the model endpoint does not know this model (HTTP 404): check AUTOPILOT_MODEL_ID and AUTOPILOT_MODEL_BASE_URL",
    );
  });

  it("429 → rate limited, with the endpoint's retry-after when it is a sane number, naming the key's quota", () => {
    expect(
      clean(
        describeModelError(apiError(429, `Rate limit reached for ${KEY} at https://models.example/v1`), {
          apiKey: KEY,
        }),
      ),
    ).toBe("the model endpoint is rate limiting (HTTP 429): check the plan or quota of AUTOPILOT_MODEL_API_KEY");
    expect(describeModelError(apiError(429, "slow down", { "retry-after": "20" }))).toBe(
      "the model endpoint is rate limiting (HTTP 429), try again in 20 s: check the plan or quota of AUTOPILOT_MODEL_API_KEY",
    );
    // A hostile header is not echoed.
    expect(describeModelError(apiError(429, "slow down", { "retry-after": "soon <script>" }))).toBe(
      "the model endpoint is rate limiting (HTTP 429): check the plan or quota of AUTOPILOT_MODEL_API_KEY",
    );
  });

  it("5xx → the status and the provider's message, clipped and scrubbed of URLs entirely", () => {
    expect(clean(describeModelError(apiError(500, "scripted upstream failure")))).toBe(
      "model request failed: HTTP 500: scripted upstream failure",
    );
    const long = describeModelError(
      apiError(502, `bad gateway ${"x".repeat(1000)} at https://proxy.example/p?token=QUERYSECRET`),
    );
    expect(long.length).toBeLessThan(360);
    expect(
      clean(
        describeModelError(apiError(503, `overloaded, see https://status.example/tenant/QUERYSECRET for ${KEY}`), {
          apiKey: KEY,
        }),
      ),
    ).toBe("model request failed: HTTP 503: overloaded, see [url] for [key]");
    // The endpoint's host is the operator's config: scrubbed wherever it appears bare.
    expect(
      clean(
        describeModelError(apiError(502, "upstream llm.example.com:443 answered garbage"), {
          baseURL: "https://llm.example.com/v1",
        }),
      ),
    ).toBe("model request failed: HTTP 502: upstream [endpoint]:443 answered garbage");
  });

  it("RetryError → its last error", () => {
    const retry = new RetryError({
      message: `Failed after 3 attempts. Last error: ${PROMPT}`,
      reason: "maxRetriesExceeded",
      errors: [apiError(500, "first"), apiError(503, "still down")],
    });
    expect(clean(describeModelError(retry))).toBe("model request failed: HTTP 503: still down");
  });

  it("a timeout (DOMException or the SDK's abort reason) → did not answer within N s, naming the URL and the timeout settings", () => {
    const check = ": check AUTOPILOT_MODEL_BASE_URL, or raise AUTOPILOT_MODEL_TIMEOUT_MS";
    expect(describeModelError(new DOMException("Step timeout of 120000ms exceeded", "TimeoutError"))).toBe(
      `the model did not answer within 120 s${check}`,
    );
    expect(describeModelError("TimeoutError: Chunk timeout of 800ms exceeded")).toBe(
      `the model stopped sending within 0.8 s${check}`,
    );
    expect(describeModelError(new DOMException("The operation timed out.", "TimeoutError"), { timeoutMs: 3000 })).toBe(
      `the model did not answer within 3 s${check}`,
    );
  });

  it("a malformed stream, a bad answer, no output", () => {
    expect(
      describeModelError(
        new JSONParseError({ text: `{not json ${PROMPT} fetch failed`, cause: new SyntaxError("Unexpected token") }),
      ),
    ).toBe("the model's stream was malformed");
    expect(describeModelError(new TypeValidationError({ value: { prompt: PROMPT }, cause: new Error("bad") }))).toBe(
      "the model's answer was not in the expected format",
    );
    expect(describeModelError(new NoOutputGeneratedError())).toBe("the model produced no output");
    expect(describeModelError(new NoOutputGeneratedError({ cause: apiError(500, "down") }))).toBe(
      "model request failed: HTTP 500: down",
    );
  });

  describe("an endpoint that cannot be reached → one line naming AUTOPILOT_MODEL_BASE_URL", () => {
    const line = (reason: string) => `cannot reach the model endpoint (${reason}): check AUTOPILOT_MODEL_BASE_URL`;

    it("workerd's fetch error, exactly as it throws it (a plain Error, which the SDK passes through)", () => {
      expect(describeModelError(new Error("Network connection lost."))).toBe(line("connection lost"));
      expect(describeModelError(new NoOutputGeneratedError({ cause: new Error("Network connection lost.") }))).toBe(
        line("connection lost"),
      );
    });

    it("Node's and browsers' fetch failures, with or without a cause", () => {
      const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
      expect(clean(describeModelError(new TypeError("fetch failed", { cause: refused })))).toBe(
        line("connection refused"),
      );
      expect(describeModelError(new TypeError("fetch failed"))).toBe(line("connection failed"));
      expect(describeModelError(new TypeError("Failed to fetch"))).toBe(line("connection failed"));
    });

    it("DNS: the host does not resolve", () => {
      const dns = Object.assign(new Error("getaddrinfo ENOTFOUND llm.example.com"), { code: "ENOTFOUND" });
      const wrapped = new APICallError({
        message: `Cannot connect to API: ${dns.message}`,
        cause: dns,
        url: "https://llm.example.com/v1/chat/completions",
        requestBodyValues: { prompt: PROMPT },
        isRetryable: true,
      });
      expect(clean(describeModelError(wrapped))).toBe(line("host not found"));
      expect(
        clean(describeModelError(new RetryError({ message: "x", reason: "maxRetriesExceeded", errors: [wrapped] }))),
      ).toBe(line("host not found"));
    });

    it("a real request to a closed port (the SDK's APICallError over undici)", async () => {
      // A port that was just free: nothing listens there (port 1 is refused by fetch itself as a "bad port").
      const server = createServer();
      const port = await new Promise<number>((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)),
      );
      await new Promise((resolve) => server.close(resolve));
      const model = createOpenAICompatible({
        name: "autopilot",
        baseURL: `http://127.0.0.1:${port}/v1?key=QUERYSECRET`,
        apiKey: KEY,
      }).chatModel("m");
      const error = await generateText({ model, prompt: PROMPT, maxRetries: 0 }).catch((e: unknown) => e);
      expect(APICallError.isInstance(error)).toBe(true);
      expect(clean(describeModelError(error, { apiKey: KEY }))).toBe(line("connection refused"));
    });
  });

  it("anything else → its name and a scrubbed message", () => {
    expect(clean(describeModelError(new Error(`boom: Bearer ${KEY}`)))).toBe(
      "model request failed: Error: boom: Bearer [key]",
    );
    expect(describeModelError(42)).toBe("model request failed: 42");
  });
});

describe("errorLogFields and scrubMessage", () => {
  it("logs name, status and a scrubbed message only", () => {
    const fields = errorLogFields(
      new RetryError({ message: "x", reason: "maxRetriesExceeded", errors: [apiError(500, `down for ${KEY}`)] }),
      KEY,
    );
    expect(fields).toEqual({ name: "AI_APICallError", statusCode: 500, message: "down for [key]" });
    expect(JSON.stringify(fields)).not.toContain("PINEAPPLE");
  });

  it("scrubs keys, whole URLs and line breaks", () => {
    expect(scrubMessage("a\nb https://h.example/p/tenant?x=1#y token_abcdefghijkl", undefined)).toBe("a b [url] [key]");
  });
});
