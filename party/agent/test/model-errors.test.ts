// Model failures → one readable, secret-free line, from the SDK's real error classes.
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, generateText, JSONParseError, NoOutputGeneratedError, RetryError, TypeValidationError } from "ai";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { describeModelError, errorLogFields, scrubMessage } from "../model-errors";

const PROMPT = "Alice (user): the secret plan is PINEAPPLE";
const KEY = "sk-live-abcdefghijklmnop";
const apiError = (statusCode: number | undefined, message: string) =>
  new APICallError({
    message,
    url: "https://models.example/v1/chat/completions?key=QUERYSECRET",
    requestBodyValues: { messages: [{ role: "user", content: PROMPT }] },
    ...(statusCode === undefined ? {} : { statusCode }),
    responseBody: `{"error":{"message":"${message}"}}`,
    isRetryable: statusCode === undefined || statusCode >= 500,
  });

/** No line may leak the prompt, the URL query or the key. */
const clean = (line: string) => {
  expect(line).not.toContain("PINEAPPLE");
  expect(line).not.toContain("QUERYSECRET");
  expect(line).not.toContain(KEY);
  expect(line).not.toContain("\n");
  return line;
};

describe("describeModelError", () => {
  it("401/403 → check the key; 404 → check the model id and URL", () => {
    expect(clean(describeModelError(apiError(401, `Incorrect API key provided: ${KEY}`), { apiKey: KEY }))).toBe("the model endpoint refused the key (HTTP 401): check AUTOPILOT_MODEL_API_KEY");
    expect(describeModelError(apiError(403, "Forbidden"))).toBe("the model endpoint refused the key (HTTP 403): check AUTOPILOT_MODEL_API_KEY");
    expect(describeModelError(apiError(404, "The model `gpt-nope` does not exist"))).toBe("the model endpoint answered HTTP 404: check AUTOPILOT_MODEL_ID and AUTOPILOT_MODEL_BASE_URL");
  });

  it("5xx → the status and the provider's message, clipped and scrubbed", () => {
    expect(clean(describeModelError(apiError(500, "scripted upstream failure")))).toBe("model request failed: HTTP 500: scripted upstream failure");
    const long = describeModelError(apiError(502, `bad gateway ${"x".repeat(1000)} at https://proxy.example/p?token=QUERYSECRET`));
    expect(long.length).toBeLessThan(360);
    clean(describeModelError(apiError(503, `overloaded, see https://status.example/x?token=QUERYSECRET for ${KEY}`), { apiKey: KEY }));
  });

  it("RetryError → its last error", () => {
    const retry = new RetryError({ message: `Failed after 3 attempts. Last error: ${PROMPT}`, reason: "maxRetriesExceeded", errors: [apiError(500, "first"), apiError(503, "still down")] });
    expect(clean(describeModelError(retry))).toBe("model request failed: HTTP 503: still down");
  });

  it("a timeout (DOMException or the SDK's abort reason) → did not answer within N s", () => {
    expect(describeModelError(new DOMException("Step timeout of 120000ms exceeded", "TimeoutError"))).toBe("the model did not answer within 120 s");
    expect(describeModelError("TimeoutError: Chunk timeout of 800ms exceeded")).toBe("the model stopped sending within 0.8 s");
    expect(describeModelError(new DOMException("The operation timed out.", "TimeoutError"), { timeoutMs: 3000 })).toBe("the model did not answer within 3 s");
  });

  it("a malformed stream, a bad answer, no output", () => {
    expect(describeModelError(new JSONParseError({ text: `{not json ${PROMPT}`, cause: new SyntaxError("Unexpected token") }))).toBe("the model's stream was malformed");
    expect(describeModelError(new TypeValidationError({ value: { prompt: PROMPT }, cause: new Error("bad") }))).toBe("the model's answer was not in the expected format");
    expect(describeModelError(new NoOutputGeneratedError())).toBe("the model produced no output");
    expect(describeModelError(new NoOutputGeneratedError({ cause: apiError(500, "down") }))).toBe("model request failed: HTTP 500: down");
  });

  it("connection refused (a real request to a closed port) → could not reach the endpoint", async () => {
    // A port that was just free: nothing listens there (port 1 is refused by fetch itself as a "bad port").
    const server = createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
    await new Promise((resolve) => server.close(resolve));
    const model = createOpenAICompatible({ name: "autopilot", baseURL: `http://127.0.0.1:${port}/v1?key=QUERYSECRET`, apiKey: KEY }).chatModel("m");
    const error = await generateText({ model, prompt: PROMPT, maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    expect(clean(describeModelError(error, { apiKey: KEY }))).toMatch(/^could not reach the model endpoint: .*ECONNREFUSED/);
  });

  it("anything else → its name and a scrubbed message", () => {
    expect(clean(describeModelError(new Error(`boom: Bearer ${KEY}`)))).toBe("model request failed: Error: boom: Bearer [key]");
    expect(describeModelError(42)).toBe("model request failed: 42");
  });
});

describe("errorLogFields and scrubMessage", () => {
  it("logs name, status and a scrubbed message only", () => {
    const fields = errorLogFields(new RetryError({ message: "x", reason: "maxRetriesExceeded", errors: [apiError(500, `down for ${KEY}`)] }), KEY);
    expect(fields).toEqual({ name: "AI_APICallError", statusCode: 500, message: "down for [key]" });
    expect(JSON.stringify(fields)).not.toContain("PINEAPPLE");
  });

  it("scrubs keys, URL queries and line breaks", () => {
    expect(scrubMessage("a\nb https://h.example/p?x=1#y token_abcdefghijkl", undefined)).toBe("a b https://h.example/p [key]");
  });
});
