// Small helpers the end-to-end tests share: JSON over HTTP to the server, and waiting for
// a client-side condition. (The runtime itself starts through party/dev/runtime.mjs.)

/** JSON over HTTP to the server, as a browser on its origin would send it. */
export async function httpJson<T>(baseUrl: string, path: string, init: RequestInit & { cookie?: string } = {}) {
  const res = await fetch(`${baseUrl}${path}`, {
    ...init,
    headers: { "content-type": "application/json", origin: baseUrl, ...(init.cookie ? { cookie: init.cookie } : {}) },
  });
  return { status: res.status, body: (await res.json()) as T, headers: res.headers };
}

/** Polls a local condition (client state), returning its first truthy value. */
export async function until<T>(check: () => T | undefined | null | false, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
