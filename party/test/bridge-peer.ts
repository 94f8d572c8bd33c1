// Test helpers for the bridge's parts inside workerd: a scripted gateway on the far end
// of a WebSocketPair, a room (real Durable Object SQLite, migrated) to write into, and the
// link the parts share, recording what they publish and broadcast.
import { env, runInDurableObject } from "cloudflare:test";
import { expect, vi } from "vitest";
import type { DurableEvent } from "../../shared/protocol/events";
import type { GatewaySession } from "../../shared/protocol/gateway";
import type { Instance } from "../../shared/protocol/instances";
import type { Thread } from "../../shared/protocol/threads";
import { readyInstance } from "../../shared/test/records";
import {
  BridgeLink,
  type BridgeDeps,
  type BridgeRuntime,
} from "../rooms/autopilot/features/gateway-bridge/bridge-link";
import { CatchUp } from "../rooms/autopilot/features/gateway-bridge/catch-up";
import { ChatRuns } from "../rooms/autopilot/features/gateway-bridge/chat-runs";
import { Decisions } from "../rooms/autopilot/features/gateway-bridge/decisions";
import { createDeviceIdentity } from "../rooms/autopilot/features/gateway-bridge/device-identity";
import { LiveEvents } from "../rooms/autopilot/features/gateway-bridge/live-events";
import { Outbox } from "../rooms/autopilot/features/gateway-bridge/outbox";
import { GatewayConnection } from "../rooms/autopilot/features/gateway-bridge/gateway-connection";
import { commitTo, createOpContext, type OpContext } from "../rooms/autopilot/kernel/commit";
import { bindThread } from "../rooms/autopilot/features/instance-store/gateway-bindings";
import { putInstance } from "../rooms/autopilot/features/instance-store/instances";
import { type Sql, sqlFromStorage } from "../domain/sql";
import { createThread } from "../rooms/autopilot/features/threads/threads";
import { uniq } from "./harness";

export interface Frame {
  type: string;
  id?: string;
  method?: string;
  params?: Record<string, unknown>;
}

/** What a scripted method answers: a payload, or a gateway error. */
export type Answer =
  | { ok: true; payload?: unknown }
  | { ok: false; error: { code: string; message: string; details?: unknown; retryable?: boolean } };
type Script = (params: Record<string, unknown>) => Answer | Promise<Answer> | undefined;

/** The far end of a socket pair, playing a gateway. */
export function fakeGateway() {
  const pair = new WebSocketPair();
  const [client, server] = [pair[0], pair[1]];
  server.accept();
  const frames: Frame[] = [];
  const waiters: ((f: Frame) => void)[] = [];
  /** Scripted answers by method; a request with no script waits for `next()` to take it. */
  const scripts = new Map<string, Script>();
  const send = (frame: unknown) => server.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  server.addEventListener("message", (e) => {
    const frame = JSON.parse(e.data as string) as Frame;
    frames.push(frame);
    const script = frame.type === "req" && frame.method ? scripts.get(frame.method) : undefined;
    if (script) {
      void Promise.resolve(script(frame.params ?? {})).then((answer) => {
        if (answer) send({ type: "res", id: frame.id, ...answer });
      });
      return;
    }
    waiters.shift()?.(frame);
  });
  return {
    client,
    send,
    next: () => new Promise<Frame>((resolve) => waiters.push(resolve)),
    close: (code: number, reason: string) => server.close(code, reason),
    /** Answers every later request for `method` this way. */
    on: (method: string, script: Script) => scripts.set(method, script),
    event: (event: string, payload: unknown) => send({ type: "event", event, payload }),
    requests: (method: string) => frames.filter((f) => f.type === "req" && f.method === method),
    frames,
  };
}
export type FakeGateway = ReturnType<typeof fakeGateway>;

export const ok = (payload?: unknown): Answer => ({ ok: true, payload });
export const refuse = (code: string, message: string, details?: unknown): Answer => ({
  ok: false,
  error: { code, message, ...(details ? { details } : {}) },
});

/**
 * Opens a connection to `gw` as the bridge does and challenges it: the connection still
 * opening and the connect frame it answered with, for the test to answer as it likes.
 * `as`: a device that connects with a device token of its own instead of the gateway's
 * token, in the mode it names.
 */
export async function challenged(
  gw: FakeGateway,
  onEvent: (event: string, payload: unknown) => void = () => {},
  as: { deviceToken?: string; mode?: "ui" | "backend" } = {},
) {
  const identity = await createDeviceIdentity();
  const { deviceToken } = as;
  const opening = GatewayConnection.open(gw.client, {
    device: deviceToken ? { ...identity, deviceToken } : identity,
    auth: deviceToken ? { deviceToken } : { token: "gateway-token" },
    scopes: ["operator.read"],
    caps: [],
    mode: as.mode ?? "ui",
    onEvent,
  });
  const connectFrame = gw.next();
  gw.send({ type: "event", event: "connect.challenge", payload: { nonce: "n", ts: 1 } });
  return { opening, connect: await connectFrame };
}

/** Completes the handshake as the gateway would; `onEvent` gets the gateway's events. */
export async function connectTo(
  gw: FakeGateway,
  onEvent: (event: string, payload: unknown) => void = () => {},
): Promise<GatewayConnection> {
  const { opening, connect } = await challenged(gw, onEvent);
  gw.send({
    type: "res",
    id: connect.id,
    ok: true,
    payload: { auth: { scopes: ["operator.read"] }, policy: { tickIntervalMs: 30_000 } },
  });
  return (await opening).connection;
}

/** Runs `fn` inside a fresh Autopilot object, over its own (migrated) SQLite. */
export function inRoom<R>(fn: (sql: Sql) => Promise<R>): Promise<R> {
  const ns = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
  return runInDurableObject(ns.get(ns.idFromName(uniq("bridge-"))), (_room, state) =>
    fn(sqlFromStorage(state.storage)),
  );
}

/** A runtime the part under test must not call. */
export const noRuntime: BridgeRuntime = {
  status: () => Promise.reject(new Error("runtime not used here")),
  provision: () => Promise.reject(new Error("runtime not used here")),
  credentials: () => Promise.reject(new Error("runtime not used here")),
  openGateway: () => Promise.reject(new Error("runtime not used here")),
};

/** The link of instance `inst` in this room, with what it published and broadcast. */
export function testLink(sql: Sql, runtime: BridgeRuntime = noRuntime, extra: Partial<BridgeDeps> = {}) {
  const events: DurableEvent[] = [];
  const broadcasts: { event: string; payload: unknown }[] = [];
  const link = new BridgeLink({
    workspaceId: "ws_test",
    instanceId: "inst",
    sql,
    commit: commitTo(sql, 1000, (effects) => events.push(...effects.events)),
    runtime,
    broadcast: (event, payload) => broadcasts.push({ event, payload }),
    ...extra,
  });
  return { link, events, broadcasts };
}

/** The bridge's parts over `link`, wired as InstanceBridge wires them. */
export function bridgeParts(link: BridgeLink) {
  const runs = new ChatRuns(link);
  const decisions = new Decisions(link, (id, command) => runs.rememberCommand(id, command));
  const catchUp = new CatchUp(link, runs, decisions);
  const live = new LiveEvents(link, runs, catchUp, decisions);
  return { runs, decisions, catchUp, live, outbox: new Outbox(link, catchUp) };
}

/**
 * The link of instance `inst` (seeded here) connected to a scripted gateway whose events
 * reach the parts' LiveEvents; `seen` lists the events handed on, in order.
 */
export async function liveBridge(sql: Sql) {
  seedInstance(sql);
  return connectLive(sql);
}

/** liveBridge, with a thread bound to the instance's session `main` seeded before it connects. */
export async function liveBridgeWithThread(sql: Sql) {
  seedInstance(sql);
  const thread = seedThread(sql, "main");
  return { thread, ...(await connectLive(sql)) };
}

async function connectLive(sql: Sql) {
  const t = testLink(sql);
  const parts = bridgeParts(t.link);
  const seen: string[] = [];
  const gw = fakeGateway();
  t.link.connection = await connectTo(gw, (event, payload) => {
    seen.push(event);
    parts.live.onEvent(event, payload);
  });
  return { ...t, ...parts, gw, seen };
}

/** One transaction as the room itself. */
export function asRoom<T>(sql: Sql, fn: (ctx: OpContext) => T): T {
  const { ctx } = createOpContext(sql, null, Date.now());
  return sql.transaction(() => fn(ctx));
}

/** A person, acting in the room. */
export function asPerson<T>(sql: Sql, fn: (ctx: OpContext) => T): T {
  const { ctx } = createOpContext(
    sql,
    { id: "user_1", kind: "user", name: "Ada", scopes: ["read", "write", "approve"] },
    Date.now(),
  );
  return sql.transaction(() => fn(ctx));
}

export function seedInstance(sql: Sql, patch: Partial<Instance> = {}): Instance {
  return asRoom(sql, (ctx) =>
    putInstance(
      ctx,
      readyInstance("inst", { name: "Work", createdBy: ctx.actor, createdAt: ctx.now, updatedAt: ctx.now, ...patch }),
    ),
  );
}

/** Instance `inst` seeded, its link (testLink) and a scripted gateway: script the gateway, then connect the link to it. */
export function linkAndGateway(sql: Sql) {
  seedInstance(sql);
  return { ...testLink(sql), gw: fakeGateway() };
}

/** Instance `inst` with a thread bound to its session `main`, and the instance's link (`extra` as for testLink). */
export function linkWithThread(sql: Sql, extra: Partial<BridgeDeps> = {}) {
  seedInstance(sql);
  const thread = seedThread(sql, "main");
  return { thread, ...testLink(sql, noRuntime, extra) };
}

/**
 * A thread of instance `inst` (linkWithThread), the bridge's parts over its link, and a
 * scripted gateway not yet connected: what a test of one part starts from.
 */
export function threadBridge(sql: Sql, extra: Partial<BridgeDeps> = {}) {
  const { thread, link, events, broadcasts } = linkWithThread(sql, extra);
  return { thread, link, events, broadcasts, gw: fakeGateway(), ...bridgeParts(link) };
}

/** A thread bound to a session of instance `inst`. */
export function seedThread(sql: Sql, sessionKey = "main"): Thread {
  return asRoom(sql, (ctx) => {
    const gateway = { instanceId: "inst", sessionKey };
    const { thread } = createThread(ctx, { title: `session ${sessionKey}`, idempotencyKey: uniq("k") }, gateway);
    bindThread(ctx.sql, thread.id, gateway);
    return thread;
  });
}

/** Waits until `check` holds. Not under fake timers: vi.waitFor advances them (untilReal does not). */
export const until = (check: () => boolean, timeoutMs = 5000): Promise<void> =>
  vi.waitFor(() => expect(check(), "condition not met in time").toBe(true), { timeout: timeoutMs, interval: 10 });

/** A gateway session (not yet open as a thread) as the bridge lists it. */
export const gatewaySession = (key: string, updatedAt: number): Omit<GatewaySession, "threadId"> => ({
  key,
  label: `Label ${key}`,
  preview: null,
  status: "idle",
  running: false,
  updatedAt,
});

/**
 * A gateway a room's bridge dials: it takes the connect when `accept` says so (else refuses
 * the device token), answers the catch-up's reads with nothing and `scripts` as they say,
 * and has sent its challenge.
 */
export function gatewayForBridge(
  accept: (auth: Record<string, unknown>) => boolean,
  scripts: Record<string, Script> = {},
): FakeGateway {
  const gw = fakeGateway();
  gw.on("connect", (params) =>
    accept(params.auth as Record<string, unknown>)
      ? ok({
          auth: {
            method: "token",
            scopes: ["operator.read", "operator.write", "operator.approvals", "operator.pairing", "operator.admin"],
            deviceToken: "dev-token",
          },
          policy: { tickIntervalMs: 30_000 },
          server: { version: "2026.9.6", connId: "c1" },
        })
      : refuse("INVALID_REQUEST", "unauthorized: device token mismatch", { code: "AUTH_DEVICE_TOKEN_MISMATCH" }),
  );
  for (const m of ["sessions.subscribe", "device.pair.list", "node.pair.list", "channels.pairing.list"])
    gw.on(m, () => ok({}));
  gw.on("exec.approval.list", () => ok([]));
  gw.on("sessions.list", () => ok({ sessions: [] }));
  gw.on("chat.history", () => ok({ messages: [] }));
  for (const [method, script] of Object.entries(scripts)) gw.on(method, script);
  gw.send({ type: "event", event: "connect.challenge", payload: { nonce: "n", ts: 1 } });
  return gw;
}
