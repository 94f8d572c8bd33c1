import { runInDurableObject, SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { z } from "zod";
import { DurableEvents, Events } from "../../shared/protocol/events";
import { type EventFrame, type ResponseFrame, ServerFrame } from "../../shared/protocol/frames";
import type { Approval } from "../../shared/protocol/approvals";
import type { HelloPayload } from "../../shared/protocol/hello";
import type { Instance } from "../../shared/protocol/instances";
import {
  isMethodName,
  type MethodName,
  type MethodParams,
  type MethodResult,
  Methods,
} from "../../shared/protocol/methods";
import type { Role, Scope } from "../../shared/protocol/principal";
import { OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION } from "../../shared/protocol/version";
import { type Sql, sqlFromStorage } from "../domain/sql";
import type { Autopilot } from "../rooms/autopilot/room";
import { skillSecrets } from "../rooms/autopilot/features/gateway-skills/requests";
import { olderFrameViolations } from "./older-protocol";

export const ORIGIN = "http://autopilot.test";

let counter = 0;
export const uniq = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;
export const idem = () => `idem-${crypto.randomUUID()}`;

export { untilReal } from "../../shared/test/real-clock";

async function api<T>(
  path: string,
  init: RequestInit & { cookie?: string } = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const headers = new Headers(init.headers);
  if (!headers.has("origin")) headers.set("origin", ORIGIN);
  // Each call comes from its own client address unless a test pins one: the sign-in and
  // sign-up limits count per address, and tests sign up many people.
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", randomIp());
  if (init.body) headers.set("content-type", "application/json");
  if (init.cookie) headers.set("cookie", init.cookie);
  const res = await SELF.fetch(`${ORIGIN}${path}`, { ...init, headers });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

const randomIp = () => `10.${[...crypto.getRandomValues(new Uint8Array(3))].join(".")}`;

export interface Person {
  cookie: string;
  userId: string;
  email: string;
  name: string;
  workspaceId: string;
}

/** Follows the newest link the dev mail outbox holds for this person (DEV_MAIL_OUTBOX=1). */
export async function followMailLink(cookie: string, subject: RegExp): Promise<Response> {
  const outbox = await api<{ mails: { subject: string; link: string }[] }>("/api/dev/mail", { cookie });
  const mail = outbox.body.mails.find((m) => subject.test(m.subject));
  if (!mail) throw new Error(`no mail matching ${subject} in the outbox: ${JSON.stringify(outbox.body)}`);
  // Its own client address, like every harness request: better-auth limits per address.
  return SELF.fetch(mail.link, { headers: { cookie, "cf-connecting-ip": randomIp() }, redirect: "manual" });
}

/** A new account with its personal workspace; its address verified unless `verified: false`. */
export async function signUp(name = uniq("user"), { verified = true } = {}): Promise<Person> {
  const email = `${name}@example.test`;
  const res = await api<{ user: { id: string } }>("/api/auth/sign-up/email", {
    method: "POST",
    body: JSON.stringify({ email, password: "correct horse battery", name }),
  });
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${JSON.stringify(res.body)}`);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  if (verified) {
    const verify = await followMailLink(cookie, /^Verify your e-mail/);
    if (verify.status !== 302) throw new Error(`verification failed: ${verify.status} ${await verify.text()}`);
  }
  const me = await api<{ workspaces: { id: string }[] }>("/api/me", { cookie });
  return { cookie, userId: res.body.user.id, email, name, workspaceId: me.body.workspaces[0]!.id };
}

/** A new person's own workspace, with a socket of theirs that has its hello. */
export async function ownerWithSocket(): Promise<{ owner: Person; sock: RawSocket }> {
  const owner = await signUp();
  const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
  await sock.hello();
  return { owner, sock };
}

export async function addMember(
  owner: Pick<Person, "cookie">,
  workspaceId: string,
  who: Pick<Person, "email">,
  role: Role,
) {
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

/** A connect ticket for `workspaceId` asked for with an API key: the answer, for its status and ticket. */
export const keyTicket = (key: string, workspaceId: string) =>
  api<{ ticket: string }>("/api/connect-ticket", {
    method: "POST",
    headers: { "x-api-key": key },
    body: JSON.stringify({ workspaceId }),
  });

export { api };

export type Credentials = { cookie: string } | { key: string } | { ticket: string } | Record<string, never>;

export interface Frame {
  type: "event" | "res";
  [k: string]: unknown;
}

// Every frame a RawSocket receives is checked against the protocol schemas, and one that
// does not match fails the running test (setup.ts checks after each test), so every room
// test is also a check that the room only sends what the protocol says. The check runs
// after the test: inside it, the time it takes (the room runs on the same thread) slowed
// the room enough to change what the timing-sensitive tests (rate limits) saw.
const received: { text: string; method: string | undefined; protocol: number }[] = [];

/** What was wrong with the frames received since the last call (empty: nothing); starts afresh. */
export function takeSchemaViolations(): string[] {
  return received
    .splice(0)
    .flatMap(({ text, method, protocol }) =>
      frameViolations(text, method, protocol).map((v) => `${v}\n  in ${text.slice(0, 500)}`),
    );
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Fields the frame had but the schema does not declare (zod drops them silently). */
function undeclared(input: unknown, output: unknown, path: string): string[] {
  if (Array.isArray(input) && Array.isArray(output))
    return input.flatMap((v, i) => undeclared(v, output[i], `${path}[${i}]`));
  if (!isObject(input) || !isObject(output)) return [];
  return Object.keys(input).flatMap((k) => {
    const at = path ? `${path}.${k}` : k;
    return k in output ? undeclared(input[k], output[k], at) : [at];
  });
}

function checkAgainst(schema: z.ZodType, value: unknown, what: string): string[] {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    return [
      `${what}: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ")}`,
    ];
  return undeclared(value, parsed.data, "").map((path) => `${what}: field ${path} is not in the schema`);
}

/** What is wrong with a frame from the room (empty: nothing). `method` is the request's, when known. */
export function frameViolations(text: string, method: string | undefined, protocol = PROTOCOL_VERSION): string[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [`not JSON: ${text.slice(0, 200)}`];
  }
  const envelope = checkAgainst(ServerFrame, json, "frame");
  if (envelope.length > 0) return envelope;
  if (protocol !== PROTOCOL_VERSION) return olderFrameViolations(protocol, json, method);
  const f = ServerFrame.parse(json);
  if (f.type === "res") {
    if (!f.ok || method === undefined || !isMethodName(method)) return [];
    return checkAgainst(Methods[method].result, f.payload, `result of ${method}`);
  }
  if (!Object.hasOwn(Events, f.event)) return [`unknown event ${f.event}`];
  const durable = Object.hasOwn(DurableEvents, f.event);
  const seq =
    durable === (f.seq !== undefined)
      ? []
      : [`event ${f.event}: ${durable ? "durable event without" : "ephemeral event with"} a seq`];
  return [...seq, ...checkAgainst(Events[f.event as keyof typeof Events], f.payload, `event ${f.event}`)];
}

/** A test client speaking the raw protocol over a real socket into the Worker. */
export class RawSocket {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: Array<() => void> = [];
  #nextId = 1;
  /** Request id → method, so a response can be checked against the method's result schema. */
  readonly #methods = new Map<string, string>();

  private constructor(
    readonly ws: WebSocket,
    readonly protocol: number,
  ) {
    ws.addEventListener("message", (e) => {
      const text = e.data as string;
      const frame = JSON.parse(text) as Frame;
      received.push({ text, method: typeof frame.id === "string" ? this.#methods.get(frame.id) : undefined, protocol });
      this.frames.push(frame);
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

  /** `origin`: the origin the upgrade is addressed to (its Host), the tests' own unless a test names another. */
  static async open(
    workspaceId: string,
    creds: Credentials,
    query: Record<string, string | number> = {},
    extraHeaders: Record<string, string> = {},
    origin = ORIGIN,
  ): Promise<RawSocket> {
    const headers = new Headers({ upgrade: "websocket", ...extraHeaders });
    if ("cookie" in creds) headers.set("cookie", creds.cookie);
    if ("key" in creds) headers.set("x-api-key", creds.key);
    const params = new URLSearchParams({
      protocol: String(PROTOCOL_VERSION),
      device: "test",
      ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
    });
    if ("ticket" in creds) params.set("ticket", creds.ticket);
    const res = await SELF.fetch(`${origin}/agents/autopilot/${workspaceId}?${params}`, { headers });
    if (!res.webSocket) throw new Error(`upgrade refused with HTTP ${res.status}`);
    res.webSocket.accept();
    // A version this room does not speak is refused before any frame; check against the current one.
    const protocol = Number(params.get("protocol"));
    return new RawSocket(
      res.webSocket,
      Number.isInteger(protocol) && protocol >= OLDEST_PROTOCOL_VERSION && protocol < PROTOCOL_VERSION
        ? protocol
        : PROTOCOL_VERSION,
    );
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

  /** Waits until an `event` frame whose payload `pick` accepts arrives. */
  waitForEvent<P>(event: string, pick: (payload: P) => boolean, timeoutMs?: number): Promise<EventFrame> {
    return this.waitFor<EventFrame>((f) => f.type === "event" && f.event === event && pick(f.payload as P), timeoutMs);
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
    return this.waitFor<EventFrame>((f) => f.type === "event" && f.event === "hello").then(
      (f) => f.payload as HelloPayload,
    );
  }

  events(name?: string): EventFrame[] {
    return this.frames.filter((f) => f.type === "event" && (!name || f.event === name)) as unknown as EventFrame[];
  }

  send(data: string | ArrayBuffer) {
    this.ws.send(data);
  }

  async call(method: string, params?: unknown): Promise<ResponseFrame> {
    const id = `r${this.#nextId++}`;
    this.#methods.set(id, method);
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

export { seeded as rng } from "../../shared/test/seeded";

/**
 * A workspace's owner, a second person with `role` and an agent key of the owner's, each
 * with a socket open past its hello: who asks and who decides in the approval tests.
 */
export async function openTeam(role: Role) {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const second = await signUp();
  await addMember(owner, ws, second, role);
  const agent = await createKey(owner, ws);
  const [ownerSocket, secondSocket, agentSocket] = await Promise.all([
    RawSocket.open(ws, { cookie: owner.cookie }),
    RawSocket.open(ws, { cookie: second.cookie }),
    RawSocket.open(ws, { key: agent.key }),
  ]);
  await Promise.all([ownerSocket.hello(), secondSocket.hello(), agentSocket.hello()]);
  return { ws, owner, second, ownerSocket, secondSocket, agentSocket };
}

/** A new thread with `count` short messages (m0, m1, …), each posted once the one before is answered. */
export async function threadWithMessages(sock: RawSocket, count: number): Promise<{ id: string }> {
  const { thread } = await sock.ok("threads.create", { title: "t", idempotencyKey: idem() });
  for (let i = 0; i < count; i++)
    await sock.ok("chat.send", { threadId: thread.id, text: `m${i}`, idempotencyKey: idem() });
  return thread;
}

/** An approval as the room announced `event` of it to this socket. */
const approvalAnnounced =
  (event: "approval.requested" | "approval.resolved") =>
  (sock: RawSocket, approvalId: string, timeoutMs = 10_000): Promise<Approval> =>
    sock
      .waitForEvent<{ approval: Approval }>(event, (p) => p.approval.id === approvalId, timeoutMs)
      .then((f) => (f.payload as { approval: Approval }).approval);

/** An approval's request as the room announced it to this socket (its action only if the socket may read it). */
export const approvalRequested = approvalAnnounced("approval.requested");

/** An approval's resolution as the room announced it to this socket. */
export const approvalResolved = approvalAnnounced("approval.resolved");

/**
 * An approval's action, as the room announced it to `asking` (a socket that asked for the
 * action's capability); `plain`, which did not ask, and `older`, of a protocol version before
 * actions, are told a plain approval (`plain` with the same summary) that they can decide.
 */
export async function actionOnlyToAsking(
  approval: Approval,
  sockets: { asking: RawSocket; plain: RawSocket; older: RawSocket },
): Promise<Approval["action"]> {
  const { action } = await approvalRequested(sockets.asking, approval.id);
  const plain = await approvalRequested(sockets.plain, approval.id);
  expect(plain).not.toHaveProperty("action");
  expect(plain.summary).toBe(approval.summary);
  expect(await approvalRequested(sockets.older, approval.id)).not.toHaveProperty("action");
  return action;
}

/** The error code of an answer, or null when it succeeded. */
export const codeOf = (res: { ok: true } | { ok: false; error: { code: string } }): string | null =>
  res.ok ? null : res.error.code;

/** The params of a person's decision on an approval, with a fresh idempotency key; `more`: confirmOwn, a note. */
export const decisionOn = (
  approvalId: string,
  decision: "approve" | "deny",
  more: { confirmOwn?: true; note?: string } = {},
) => ({ approvalId, decision, ...more, idempotencyKey: idem() });

/** The next instance.updated frame whose instance `pick` accepts. */
export const instanceUpdated = (sock: RawSocket, pick: (instance: Instance) => boolean, timeoutMs?: number) =>
  sock.waitFor<{ payload: { instance: Instance } }>(
    (f) => f.event === "instance.updated" && pick((f.payload as { instance: Instance }).instance),
    timeoutMs,
  );

/** An instance that exists (no runtime in this pool: an approved provision ends in `error`). */
export async function provisioned(sock: RawSocket, instanceId: string): Promise<void> {
  const { approval } = await sock.ok("instances.provision", { instanceId, idempotencyKey: idem() });
  await sock.ok("approvals.resolve", decisionOn(approval.id, "approve", { confirmOwn: true }));
  await instanceUpdated(sock, (i) => i.id === instanceId && i.status === "error", 10_000);
}

/** Sockets into one workspace, one for each credential, opened in turn and each past its hello. */
export async function connected<C extends Credentials[]>(
  workspaceId: string,
  ...creds: C
): Promise<{ [K in keyof C]: RawSocket }> {
  const sockets: RawSocket[] = [];
  for (const c of creds) sockets.push(await RawSocket.open(workspaceId, c));
  await Promise.all(sockets.map((s) => s.hello()));
  return sockets as { [K in keyof C]: RawSocket };
}

/** A workspace's Autopilot room, to run code in or evict. */
export function autopilotStub(workspaceId: string): DurableObjectStub<Autopilot> {
  const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;
  return rooms.get(rooms.idFromName(workspaceId));
}

/** Runs `fn` over a workspace's Autopilot storage, as the room's own code (the bridge, a feature) would. */
export const inAutopilot = <R>(workspaceId: string, fn: (sql: Sql, room: Autopilot) => R | Promise<R>): Promise<R> =>
  runInDurableObject(autopilotStub(workspaceId), (room: Autopilot, state) => fn(sqlFromStorage(state.storage), room));

/** A new person's own workspace with a second person added to it as `role` (no sockets opened). */
export async function workspaceWithMember(role: Role = "member") {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const member = await signUp();
  await addMember(owner, ws, member, role);
  return { owner, ws, member };
}

/** A new person's own workspace, and a socket of theirs into it past its hello. */
export async function ownWorkspace() {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const sock = await RawSocket.open(ws, { cookie: owner.cookie });
  const hello = await sock.hello();
  return { owner, ws, sock, hello };
}

/** How workspace `ws`'s room seals a skill change's key (under its BETTER_AUTH_SECRET: vitest.worker.config.ts). */
export const roomSkillSecrets = (ws: string) =>
  skillSecrets((env as unknown as { BETTER_AUTH_SECRET: string }).BETTER_AUTH_SECRET, ws);
