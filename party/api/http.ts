/** JSON responses of the auth/keys HTTP API (the only HTTP the product has besides assets). */
export function json(data: unknown, status = 200): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

export type HttpErrorCode = "bad_request" | "unauthenticated" | "forbidden" | "not_found" | "conflict" | "internal";

const STATUS: Record<HttpErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  internal: 500,
};

export function httpError(code: HttpErrorCode, message: string): Response {
  return json({ error: { code, message } }, STATUS[code]);
}

export async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}
