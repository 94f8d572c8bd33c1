import { AgentSignupResponse } from "../../shared/api/agent";
import { AutopilotError } from "./errors";

export type { AgentSignupResponse } from "../../shared/api/agent";

/**
 * Signs an agent up over HTTP (`POST /api/agent/signup`): with no invitation, an agent
 * account with a workspace of its own; with one, a key in the workspace it is for. The
 * answer holds the key, shown this once. `status: "waitlisted"`: the key works once an
 * operator approves the account.
 */
export async function signUpAgent(
  url: string,
  request: { name: string; invitation?: string },
  fetchImpl: typeof fetch = fetch,
): Promise<AgentSignupResponse> {
  let res: Response;
  try {
    res = await fetchImpl(new URL("/api/agent/signup", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
  } catch (error) {
    throw new AutopilotError(
      "unavailable",
      `cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}`,
      { retryable: true },
    );
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const message = (body as { error?: { message?: unknown } } | null)?.error?.message;
    const code =
      res.status === 429
        ? "rate_limited"
        : res.status === 400
          ? "bad_request"
          : res.status === 403
            ? "forbidden"
            : "internal";
    const retryAfterS = Number(res.headers.get("retry-after"));
    throw new AutopilotError(
      code,
      typeof message === "string" ? message.slice(0, 300) : `sign-up failed: HTTP ${res.status}`,
      {
        retryable: res.status === 429,
        ...(Number.isFinite(retryAfterS) && retryAfterS > 0 && { retryAfterMs: retryAfterS * 1000 }),
      },
    );
  }
  const parsed = AgentSignupResponse.safeParse(body);
  if (!parsed.success)
    throw new AutopilotError(
      "invalid_response",
      "the server's answer to the sign-up is not one this client understands",
    );
  return parsed.data;
}
