import { SELF } from "cloudflare:test";
import { afterEach } from "vitest";
import { finalizeEvent, generateSecretKey, getPublicKey, type NostrEvent } from "nostr-tools/pure";
import { makeAuthEvent } from "nostr-tools/nip42";
import { getToken } from "nostr-tools/nip98";
import { api, ORIGIN, untilReal } from "../harness";

/**
 * A Nostr client for the workerd tests: a raw WebSocket to the relay (party/rooms/relay/)
 * that keeps every frame and waits for the one a test expects. Events are made and signed
 * with nostr-tools, as any client would.
 */

export type RelayFrame = [string, ...unknown[]];

export interface Keys {
  secret: Uint8Array;
  pubkey: string;
}

export function keys(): Keys {
  const secret = generateSecretKey();
  return { secret, pubkey: getPublicKey(secret) };
}

export const now = () => Math.floor(Date.now() / 1000);

/** A signed event of `keys` (kind 1 unless said), created now. */
export function signed(
  who: Keys,
  template: Partial<Pick<NostrEvent, "kind" | "content" | "tags" | "created_at">> = {},
): NostrEvent {
  return finalizeEvent({ kind: 1, content: "hello", tags: [], created_at: now(), ...template }, who.secret);
}

const randomIp = () => `10.${[...crypto.getRandomValues(new Uint8Array(3))].join(".")}`;

export class NostrSocket {
  readonly frames: RelayFrame[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly challenge: Promise<string>;

  private constructor(
    readonly ws: WebSocket,
    readonly url: string,
  ) {
    let gotChallenge: (challenge: string) => void = () => {};
    this.challenge = new Promise((resolve) => {
      gotChallenge = resolve;
    });
    ws.addEventListener("message", (e) => {
      const frame = JSON.parse(e.data as string) as RelayFrame;
      this.frames.push(frame);
      if (frame[0] === "AUTH") gotChallenge(frame[1] as string);
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
    });
  }

  /**
   * `path`: `/relay` or `/relay/w/<workspaceId>`; `address`: the client address (each socket its own unless given);
   * `origin`: the one the upgrade is sent to (its Host), which the socket's `url` (and so an AUTH's relay tag) names.
   */
  static async open(path = "/relay", address = randomIp(), origin = ORIGIN): Promise<NostrSocket> {
    const res = await SELF.fetch(`${origin}${path}`, {
      headers: { upgrade: "websocket", "cf-connecting-ip": address },
    });
    if (!res.webSocket) throw new Error(`upgrade refused with HTTP ${res.status}`);
    res.webSocket.accept();
    return new NostrSocket(res.webSocket, `${origin.replace(/^http/, "ws")}${path}`);
  }

  send(message: unknown[]): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The first frame from index `from` on that `match` accepts, waiting for it. */
  async next(match: (frame: RelayFrame) => boolean, from = 0, timeoutMs = 10_000): Promise<RelayFrame> {
    let found: RelayFrame | undefined;
    await untilReal(() => {
      found = this.frames.slice(from).find(match);
      if (!found) throw new Error(`no such frame yet; have ${JSON.stringify(this.frames.slice(from)).slice(0, 600)}`);
    }, timeoutMs);
    return found!;
  }

  /** Publishes (a raw value may be any hostile shape) and returns the OK it got: [accepted, reason]. */
  async publish(event: unknown, id = (event as { id?: string }).id ?? ""): Promise<[boolean, string]> {
    const from = this.frames.length;
    this.send(["EVENT", event]);
    const ok = await this.next((f) => f[0] === "OK" && f[1] === id, from);
    return [ok[2] as boolean, ok[3] as string];
  }

  /** A REQ: the events stored before EOSE, or the CLOSED reason. */
  async req(subId: string, ...filters: unknown[]): Promise<{ events: NostrEvent[]; closed: string | null }> {
    const from = this.frames.length;
    this.send(["REQ", subId, ...filters]);
    const end = await this.next((f) => (f[0] === "EOSE" || f[0] === "CLOSED") && f[1] === subId, from);
    const events = this.frames
      .slice(from)
      .filter((f) => f[0] === "EVENT" && f[1] === subId)
      .map((f) => f[2] as NostrEvent);
    return { events, closed: end[0] === "CLOSED" ? (end[2] as string) : null };
  }

  /** Live events of a subscription received since index `from`. */
  liveEvents(subId: string, from = 0): NostrEvent[] {
    return this.frames
      .slice(from)
      .filter((f) => f[0] === "EVENT" && f[1] === subId)
      .map((f) => f[2] as NostrEvent);
  }

  /** NIP-42: answers the relay's challenge as `who` (a relay URL and challenge may be overridden to test refusals). */
  async auth(who: Keys, override: { relay?: string; challenge?: string; created_at?: number } = {}) {
    const challenge = override.challenge ?? (await this.challenge);
    const template = makeAuthEvent(override.relay ?? this.url, challenge);
    const event = finalizeEvent({ ...template, created_at: override.created_at ?? template.created_at }, who.secret);
    const from = this.frames.length;
    this.send(["AUTH", event]);
    const ok = await this.next((f) => f[0] === "OK" && f[1] === event.id, from);
    return { accepted: ok[2] as boolean, reason: ok[3] as string };
  }

  close(): void {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }
}

/** Registers `who`'s pubkey for a principal (a person's cookie or an agent's key) in a workspace, with a NIP-98 proof. */
export async function registerPubkey(
  who: Keys,
  workspaceId: string,
  caller: { cookie: string } | { key: string },
  { url = `${ORIGIN}/api/nostr/identities`, body = { workspaceId } }: { url?: string; body?: unknown } = {},
) {
  const authorization = await getToken(url, "post", (e) => finalizeEvent(e, who.secret), true, body as object);
  return api<{
    identity?: { pubkey: string; kind: string };
    bannedIn?: string[];
    error?: { code: string; message: string };
  }>("/api/nostr/identities", {
    method: "POST",
    body: JSON.stringify({ workspaceId }),
    headers: { authorization, ...("key" in caller ? { "x-api-key": caller.key } : {}) },
    ...("cookie" in caller ? { cookie: caller.cookie } : {}),
  });
}

/** NostrSocket.open for a test file: every socket it opened is closed after each test. */
export function closedAfterEach(): typeof NostrSocket.open {
  const sockets: NostrSocket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  return async (...args) => {
    const socket = await NostrSocket.open(...args);
    sockets.push(socket);
    return socket;
  };
}
