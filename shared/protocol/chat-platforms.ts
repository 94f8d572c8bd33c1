/**
 * The chat platforms of the protocol (docs/chats.md), one entry each: the only place their
 * names are listed (`ChatPlatform` in chats.ts is made from it). A platform added after a
 * protocol version opened is a new enum value an older client cannot parse, so its entry
 * names the version it came in and the room offers it as the capability `chats.<name>`
 * (capabilities.ts, decision 68): a socket that did not ask gets the chats without that
 * platform's connection, link and bindings, and its messages without `fromChat`.
 */
interface PlatformEntry {
  /** As people call it ("Telegram"). */
  readonly label: string;
  /** The protocol version current when the platform was added; null: one of that version's own shapes. */
  readonly since: number | null;
  /** What its capability adds, in a sentence (none for a platform of the version's own shapes). */
  readonly summary?: string;
}

export const CHAT_PLATFORMS = {
  telegram: { label: "Telegram", since: null },
  slack: { label: "Slack", since: null },
  discord: {
    label: "Discord",
    since: 19,
    summary: "Discord among the chat platforms: its connection, links, bound channels and what was said there",
  },
} as const satisfies Record<string, PlatformEntry>;

export type ChatPlatformName = keyof typeof CHAT_PLATFORMS;

/** The names, in their entries' order. */
export const CHAT_PLATFORM_NAMES = Object.keys(CHAT_PLATFORMS) as [ChatPlatformName, ...ChatPlatformName[]];

/** The events and results that carry the chats view (`chats`) or a message, by their kind and name. */
const WITH_CHATS = [
  ["events", "chats.changed"],
  ...["get", "connect", "disconnect", "unlink", "unbind", "bindingAccess"].map((m) => ["results", `chats.${m}`]),
] as const;
const WITH_MESSAGES = [
  // The whole message, the first of message.created's (a folded tool message is the second, steps.folded).
  ["events", "message.created", "message|object"],
  ["results", "chat.send", "message"],
  ["results", "instances.startChat", "message"],
  ["results", "sessions.send", "message"],
  ["results", "messages.list", "messages[]"],
] as const;

/** The events and results that carry an approval (its `decidedIn`, its `action`), by their kind, name and where in them. */
export const WITH_APPROVALS = [
  ["events", "approval.requested", "approval"],
  ["events", "approval.resolved", "approval"],
  ["events", "approval.updated", "approval"],
  ["events", "hello", "snapshot.approvals[]"],
  ["results", "approvals.get", "approval"],
  ["results", "approvals.list", "approvals[]"],
  ["results", "approvals.request", "approval"],
  ["results", "approvals.resolve", "approval"],
  ["results", "chat.goAhead", "withdrawn[]"],
  ["results", "instances.backup", "approval"],
  ["results", "instances.configureChannel", "approval"],
  ["results", "instances.delete", "approval"],
  ["results", "instances.disconnectChannel", "approval"],
  ["results", "instances.link", "approval"],
  ["results", "instances.provision", "approval"],
  ["results", "instances.restart", "approval"],
  ["results", "instances.restore", "approval"],
  ["results", "instances.setChannelAccess", "approval"],
  ["results", "instances.startChat", "approval"],
  ["results", "instances.unpair", "approval"],
] as const;

/**
 * Where a platform's name travels in what the room sends, as the schema lock names the paths
 * (shared/test/schema-diff.ts): what a platform's capability claims.
 */
const ON_THE_WIRE: readonly string[] = [
  ...WITH_CHATS.flatMap(([kind, name]) =>
    ["connections", "links", "bindings"].map((list) => `${kind}.${name}.chats.${list}[].platform`),
  ),
  ...WITH_MESSAGES.map(([kind, name, at]) => `${kind}.${name}.${at}.fromChat`),
  ...WITH_APPROVALS.map(([kind, name, at]) => `${kind}.${name}.${at}.decidedIn`),
];

type Obj = Record<string, unknown>;
/** The chats view is the one object with both of these; a message the one with all three of those (as cuts/v14.ts). */
const isChatsView = (value: Obj): boolean => "connections" in value && "links" in value;
const isMessage = (value: Obj): boolean => "author" in value && "threadId" in value && "n" in value;
/** An approval: the one object with a `decidedIn` (where it was decided) beside its `status` and `risk`. */
const isApproval = (value: Obj): boolean => "status" in value && "risk" in value && "decidedIn" in value;
const PLATFORM_LISTS = new Set(["connections", "links", "bindings"]);

/**
 * `value` without platform `name`, however deep: its entries in the chats view, where a message
 * was said, and where an approval was decided (absent: the place is not told).
 */
export function withoutPlatform(name: string): (value: unknown) => unknown {
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Obj;
    const view = isChatsView(obj);
    const message = isMessage(obj);
    const approval = isApproval(obj);
    const out: Obj = {};
    for (const [key, inner] of Object.entries(obj)) {
      if (message && key === "fromChat" && inner === name) continue;
      if (approval && key === "decidedIn" && inner === name) continue;
      out[key] =
        view && PLATFORM_LISTS.has(key) && Array.isArray(inner)
          ? inner.filter((entry) => (entry as Obj | null)?.platform !== name).map(walk)
          : walk(inner);
    }
    return out;
  };
  return walk;
}

/**
 * The capabilities of the platforms added after a version opened, in the shape of
 * capabilities.ts's `Capability` (which lists them): `chats.<name>`, with the conversions
 * that leave the platform out for a socket that did not ask.
 */
export function chatPlatformCapabilities() {
  return Object.entries(CHAT_PLATFORMS as Record<string, PlatformEntry>).flatMap(([name, entry]) => {
    if (entry.since === null) return [];
    const convert = withoutPlatform(name);
    const table = (kind: "events" | "results") =>
      Object.fromEntries(
        [...WITH_CHATS, ...WITH_MESSAGES, ...WITH_APPROVALS]
          .filter((entry) => entry[0] === kind)
          .map((entry) => [entry[1], convert as (payload: never) => unknown]),
      );
    return [
      {
        name: `chats.${name}`,
        since: entry.since,
        summary: entry.summary ?? `${name} among the chat platforms`,
        adds: ON_THE_WIRE,
        events: table("events"),
        results: table("results"),
      },
    ];
  });
}
