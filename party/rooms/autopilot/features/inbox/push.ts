import webpush from "web-push";
import { channelsFor, type InboxItem, type InboxPreferences } from "../../../../../shared/protocol/inbox";
import type { CurrentAccess } from "../../kernel/services";
import type { Sql } from "../../../../domain/sql";
import type { Env } from "../../../../env";
import { within } from "../../../../domain/deadline";
import { RoomError } from "../../../../domain/errors";
import { deriveItems } from "./derive";
import { type InboxMailDeps, itemLink, WHAT, widest } from "./mail";
import { type StoredSubscription, subscriptionsOf, unsubscribe } from "./push-store";
import { markPushed, people, pushedKeys, readKeys } from "./store";

// Web Push (docs/inbox.md): an item reaches the browsers a person subscribed while no tab
// of theirs is open. web-push's generateRequestDetails does the VAPID JWT (RFC 8292) and
// the aes128gcm payload (RFC 8291); the request itself goes through `fetch`, since its
// sendNotification uses node:https, which workerd does not run.

export interface PushConfig {
  publicKey: string;
  privateKey: string;
  subject: string;
  /** `host:port` a test's stand-in push service listens on (PUSH_TEST_ENDPOINT_HOST); never set in production. */
  testHost: string | null;
}

/** The VAPID keys and subject from the environment; null (push off, the app says so) unless all three are set. */
export function pushConfig(
  env: Pick<Env, "VAPID_PUBLIC_KEY" | "VAPID_PRIVATE_KEY" | "VAPID_SUBJECT" | "PUSH_TEST_ENDPOINT_HOST">,
): PushConfig | null {
  const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey, VAPID_SUBJECT: subject } = env;
  if (!publicKey || !privateKey || !subject) return null;
  return { publicKey, privateKey, subject, testHost: env.PUSH_TEST_ENDPOINT_HOST || null };
}

/** The browser vendors' push services: the only hosts the room posts to (else a subscription could aim the room at any URL). */
const PUSH_HOSTS = ["fcm.googleapis.com", "updates.push.services.mozilla.com"];
const PUSH_HOST_SUFFIXES = [".push.apple.com", ".notify.windows.com"];

/** Why the room refuses this endpoint, or null when it may post to it. */
export function endpointRefusal(endpoint: string, testHost: string | null): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "endpoint_invalid";
  }
  if (url.username || url.password) return "endpoint_invalid";
  if (testHost && url.host === testHost && (url.protocol === "http:" || url.protocol === "https:")) return null;
  if (url.protocol !== "https:") return "endpoint_not_https";
  if (url.port !== "") return "endpoint_host_not_allowed";
  const host = url.hostname.toLowerCase();
  return PUSH_HOSTS.includes(host) ||
    PUSH_HOST_SUFFIXES.some((suffix) => host.endsWith(suffix) && host.length > suffix.length)
    ? null
    : "endpoint_host_not_allowed";
}

/** Bytes of a base64url string; null when it is not one. */
function base64urlBytes(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Why the room refuses these keys, or null: p256dh must be an uncompressed P-256 point, auth 16 bytes. */
export function keysRefusal(keys: { p256dh: string; auth: string }): string | null {
  const point = base64urlBytes(keys.p256dh);
  if (point?.length !== 65 || point[0] !== 4) return "p256dh_invalid";
  const auth = base64urlBytes(keys.auth);
  if (auth?.length !== 16) return "auth_invalid";
  return null;
}

/** Refuses a subscription the room would not post to, as a typed `bad_request` naming the reason. */
export function checkSubscription(
  sub: { endpoint: string; keys: { p256dh: string; auth: string } },
  config: PushConfig | null,
): void {
  if (!config)
    throw new RoomError("conflict", "Web Push is not configured in this deployment", { reason: "push_not_configured" });
  const reason = endpointRefusal(sub.endpoint, config.testHost) ?? keysRefusal(sub.keys);
  if (reason) throw new RoomError("bad_request", `push subscription refused: ${reason.replace(/_/g, " ")}`, { reason });
}

/**
 * What a push carries: plain text for the notification and the app's link to the item; for an
 * approval, the path of a decision link (features/decision-links/) its Approve and Deny
 * actions press.
 */
export interface PushPayload {
  title: string;
  body: string;
  url: string;
  decide?: string;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function payloadFor(
  item: Pick<InboxItem, "kind" | "title" | "detail" | "target">,
  origin: string,
  workspaceId: string,
  decide: string | null = null,
): PushPayload {
  return {
    title: WHAT[item.kind],
    body: clip(`${item.title}\n${item.detail}`, 800),
    url: itemLink(origin, workspaceId, item),
    ...(decide ? { decide } : {}),
  };
}

/** How long a push service keeps a push for a browser that is offline. */
const PUSH_TTL_SECONDS = 24 * 60 * 60;
const PUSH_TIMEOUT_MS = 10_000;

/** Encrypts and signs one push and posts it; returns the push service's status. */
export async function sendPush(config: PushConfig, sub: StoredSubscription, payload: PushPayload): Promise<number> {
  // Checked again at send time: a test host set once does not let old rows through later.
  const refusal = endpointRefusal(sub.endpoint, config.testHost);
  if (refusal) throw new Error(`push endpoint refused: ${refusal}`);
  const details = webpush.generateRequestDetails(
    { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
    JSON.stringify(payload),
    {
      vapidDetails: { subject: config.subject, publicKey: config.publicKey, privateKey: config.privateKey },
      TTL: PUSH_TTL_SECONDS,
      contentEncoding: "aes128gcm",
    },
  );
  return await within(PUSH_TIMEOUT_MS, async (signal) => {
    const res = await fetch(details.endpoint, {
      method: details.method,
      headers: details.headers as Record<string, string>,
      body: details.body,
      redirect: "manual",
      signal,
    });
    await res.body?.cancel();
    return res.status;
  });
}

/** Items one sweep pushes to a person at most; more at once are left to the inbox and e-mail. */
const PUSHES_PER_SWEEP = 5;

const wantsPush = (item: Pick<InboxItem, "kind">, prefs: InboxPreferences) => channelsFor(prefs, item.kind).push;

export interface InboxPushDeps {
  sql: Sql;
  config: PushConfig | null;
  workspaceId(): string;
  /** Whether the person has a socket open now: then the live inbox reaches them, not a push. */
  connected(principalId: string): boolean;
  currentAccess: CurrentAccess;
  /** Where the links of someone who last used `stored` lead (as for mail, mail.ts); throws when there is none. */
  linkOrigin(stored: string): string;
  send(sub: StoredSubscription, payload: PushPayload): Promise<number>;
  /** For an approval, a link that decides it as `person` (as for mail, mail.ts); null for any other item. */
  decisionLink: InboxMailDeps["decisionLink"];
}

/**
 * Pushes each new item to the subscribed browsers of people who have no tab open. Runs
 * after a commit that may have made items (the hub's window), one sweep at a time. Each
 * item is pushed at most once per person: its key is marked before the push goes, and an
 * item an open tab showed is marked too (the hub does), so closing the tab does not bring
 * it back as a push.
 */
export class InboxPush {
  #running: Promise<void> = Promise.resolve();

  constructor(private readonly d: InboxPushDeps) {}

  /** Looks for items to push; resolves when this sweep (and any before it) is done. */
  sweep(now = Date.now()): Promise<void> {
    if (!this.d.config) return this.#running;
    // A sweep that fails is logged; the chain goes on, so the next one still runs.
    this.#running = this.#running
      .then(() => this.#sweepAll(now))
      .catch((error: unknown) =>
        console.error(
          JSON.stringify({ msg: "inbox push sweep failed", workspace: this.d.workspaceId(), error: String(error) }),
        ),
      );
    return this.#running;
  }

  async #sweepAll(now: number): Promise<void> {
    for (const person of people(this.d.sql)) {
      await this.#sweep(person, now).catch((error: unknown) => {
        console.error(
          JSON.stringify({
            msg: "inbox push failed",
            workspace: this.d.workspaceId(),
            principal: person.principalId,
            error: String(error),
          }),
        );
      });
    }
  }

  async #sweep(person: ReturnType<typeof people>[number], now: number): Promise<void> {
    const id = person.principalId;
    if (this.d.connected(id)) return;
    const subs = subscriptionsOf(this.d.sql, id);
    if (subs.length === 0) return;
    const prefs = person.preferences;
    const waiting = (items: ReturnType<typeof deriveItems>) => {
      const read = readKeys(this.d.sql, id);
      const pushed = pushedKeys(this.d.sql, id);
      return items.filter((item) => wantsPush(item, prefs) && !read.has(item.key) && !pushed.has(item.key));
    };
    // Plan with the widest scopes (no D1 read when nothing waits), then push with the real ones.
    if (waiting(deriveItems(this.d.sql, widest(person), now)).length === 0) return;
    const verdict = await this.d.currentAccess(widest(person));
    if (!verdict.ok || this.d.connected(id)) return;
    const items = deriveItems(this.d.sql, verdict.principal, now);
    const due = waiting(items);
    if (due.length === 0) return;
    const origin = this.d.linkOrigin(person.origin);
    markPushed(
      this.d.sql,
      id,
      due.map((item) => item.key),
      items.map((item) => item.key),
      now,
    );
    const payloads: PushPayload[] = [];
    for (const item of due.slice(0, PUSHES_PER_SWEEP)) {
      // Its Approve and Deny actions only where the link decides alone: above the workspace's
      // risk, the notification opens the approval in the app, where the person decides signed in.
      const link = await this.d.decisionLink(item, person);
      payloads.push(payloadFor(item, origin, this.d.workspaceId(), link?.alone ? link.path : null));
    }
    for (const sub of subs) {
      for (const payload of payloads) {
        const status = await this.d.send(sub, payload);
        // The browser unsubscribed or the subscription expired: it never comes back.
        if (status === 404 || status === 410) {
          unsubscribe(this.d.sql, id, sub.endpoint);
          break;
        }
        if (status < 200 || status >= 300)
          console.error(
            JSON.stringify({ msg: "push refused", workspace: this.d.workspaceId(), principal: id, status }),
          );
      }
    }
  }
}
