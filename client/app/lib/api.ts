/**
 * The auth HTTP API: the only HTTP the app uses besides static files (DESIGN.md: no REST
 * for app data). Errors come back as `{error:{code,message}}` (ours) or `{message}`
 * (better-auth); both become an ApiError with a sentence a person can read.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface Me {
  user: { id: string; name: string; email: string };
  workspaces: WorkspaceInfo[];
}
export interface WorkspaceInfo {
  id: string;
  name: string;
  slug: string;
  role: "owner" | "admin" | "member" | "viewer";
}
export interface Member {
  userId: string;
  name: string;
  email: string;
  role: WorkspaceInfo["role"];
}
export interface AgentKey {
  id: string;
  name: string;
  start: string | null;
  scopes: string[];
  createdAt: string;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? "GET",
      headers: { "content-type": "application/json" },
      credentials: "same-origin",
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });
  } catch {
    throw new ApiError(0, "network", "Cannot reach the server. Check your connection and try again.");
  }
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string }; message?: string; code?: string } | null;
  if (!res.ok) {
    const message = body?.error?.message ?? body?.message ?? `${res.status} ${res.statusText}`;
    const code = body?.error?.code ?? body?.code ?? String(res.status);
    throw new ApiError(res.status, code, readable(message));
  }
  return body as T;
}

/** Server messages are lower-case fragments ("sign in first"); show them as sentences. */
function readable(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return "Something went wrong.";
  const sentence = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(sentence) ? sentence : `${sentence}.`;
}

export const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
