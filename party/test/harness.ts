import { SELF } from "cloudflare:test";
import type { EventFrame, ResponseFrame } from "../../shared/protocol/frames";
import type { HelloPayload } from "../../shared/protocol/hello";
import type { MethodName, MethodParams, MethodResult } from "../../shared/protocol/methods";
import type { Role, Scope } from "../../shared/protocol/principal";
import { PROTOCOL_VERSION } from "../../shared/protocol/version";

export const ORIGIN = "http://autopilot.test";

let counter = 0;
export const uniq = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
export const idem = () => `idem-${crypto.randomUUID()}`;

async function api<T>(path: string, init: RequestInit & { cookie?: string } = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const headers = new Headers(init.headers);
  headers.set("origin", ORIGIN);
  if (init.body) headers.set("content-type", "application/json");
  if (init.cookie) headers.set("cookie", init.cookie);
  const res = await SELF.fetch(`${ORIGIN}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

export interface Person {
  cookie: string;
  userId: string;
  email: string;
  name: string;
  workspaceId: string;
}

export async function signUp(name = uniq("user")): Promise<Person> {
  const email = `${name}@example.test`;
  const res = await api<{ user: { id: string } }>("/api/auth/sign-up/email", {
    method: "POST",
    body: JSON.stringify({ email, password: "correct horse battery", name }),
  });
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const me = await api<{ workspaces: { id: string }[] }>("/api/me", { cookie });
  return { cookie, userId: res.body.user.id, email, name, workspaceId: me.body.workspaces[0]!.id };
}

export async function addMember(owner: Person, workspaceId: string, who: Person, role: Role) {
  return api<unknown>(`/api/workspaces/${workspaceId}/members`, {
    method: "POST",
    cookie: owner.cookie,
    body: JSON.stringify({ email: who.email, role }),
  });
}

export async function createKey(owner: Person, workspaceId: string, scopes?: Scope[], name = "agent") {
  const res = await api<{ id: string; key: string }>(`/api/workspaces/${workspaceId}/keys`, {
    method: "POST",
    cookie: owner.cookie,
    body: JSON.stringify({ name, ...(scopes ? { scopes } : {}) }),
  });
  if (res.status !== 201) throw new Error(`key create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export { api };

export type Credentials = { cookie: string } | { key: string } | { ticket: string } | Record<string, never>;

export interface Frame {
  type: "event" | "res";
  [k: string]: unknown;
}

/** A test client speaking the raw protocol over a real socket into the Worker. */
export class RawSocket {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: Array<() => void> = [];
  #nextId = 1;

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      this.frames.push(JSON.parse(e.data as string) as Frame);
      this.#wake();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.#wake();
    });
  }

  #wake() {
    for (const w of this.#waiters.splice(0)) w();
  }

  static async open(workspaceId: string, creds: Credentials, query: Record<string, string | number> = {}): Promise<RawSocket> {
    const headers = new Headers({ upgrade: "websocket" });
    if ("cookie" in creds) headers.set("cookie", creds.cookie);
    if ("key" in creds) headers.set("x-api-key", creds.key);
    const params = new URLSearchParams({ protocol: String(PROTOCOL_VERSION), device: "test", ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) });
    if ("ticket" in creds) params.set("ticket", creds.ticket);
    const res = await SELF.fetch(`${ORIGIN}/agents/autopilot/${workspaceId}?${params}`, { headers });
    if (!res.webSocket) throw new Error(`upgrade refused with HTTP ${res.status}`);
    res.webSocket.accept();
    return new RawSocket(res.webSocket);
  }

  /** Waits until a frame matching `pick` arrives (looking at frames not yet consumed). */
  async waitFor<T = Frame>(pick: (f: Frame) => boolean, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(pick);
      if (found) return found as T;
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting`);
      if (Date.now() > deadline) throw new Error(`timed out; frames so far: ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.closed;
  }

  hello(): Promise<HelloPayload> {
    return this.waitFor<EventFrame>((f) => f.type === "event" && f.event === "hello").then((f) => f.payload as HelloPayload);
  }

  events(name?: string): EventFrame[] {
    return this.frames.filter((f) => f.type === "event" && (!name || f.event === name)) as unknown as EventFrame[];
  }

  send(data: string | ArrayBuffer) {
    this.ws.send(data);
  }

  async call(method: string, params?: unknown): Promise<ResponseFrame> {
    const id = `r${this.#nextId++}`;
    this.ws.send(JSON.stringify({ type: "req", id, method, params }));
    return this.waitFor<ResponseFrame>((f) => f.type === "res" && f.id === id);
  }

  /** A typed call that must succeed. */
  async ok<M extends MethodName>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
    const res = await this.call(method, params);
    if (!res.ok) throw new Error(`${method} failed: ${JSON.stringify(res.error)}`);
    return res.payload as MethodResult<M>;
  }

  close() {
    try {
      this.ws.close(1000, "bye");
    } catch {
      // already closed
    }
  }
}

/** Deterministic PRNG (mulberry32) so seeded fuzz and chaos runs can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
