import type { HelloPayload } from "../hello";
import type { Cut } from "./cut";

/**
 * Protocol 14 → 13. Added in 14: threads bound to chats (`chats.bindCode`, `chats.unbind`,
 * the chats' `bindings`), where a message was said (`fromChat` on a message said in a bound
 * chat) and the inbox preference for approvals in chats (`chat`), all left out for 13
 * wherever a message, the chats or the inbox travel.
 */
type Obj = Record<string, unknown>;

/** A message is the one object with both of these; the chats view the one with both of those. */
const isMessage = (value: Obj): boolean => "author" in value && "threadId" in value && "n" in value;
const isChatsView = (value: Obj): boolean => "connections" in value && "links" in value;
/** Where an inbox item reaches a person (inbox preferences' channels). */
const isChannels = (value: Obj): boolean => "browser" in value && "email" in value && "push" in value;

/** `value` without what 13 lacks, however deep. */
function for13(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(for13);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Obj;
  const entries = Object.entries(obj).filter(
    ([key]) =>
      !(key === "fromChat" && isMessage(obj)) &&
      !(key === "bindings" && isChatsView(obj)) &&
      !(key === "chat" && isChannels(obj)),
  );
  return Object.fromEntries(entries.map(([key, inner]) => [key, for13(inner)]));
}

const cut = (payload: Obj): unknown => for13(payload);

const CHANGED_IN_14 = [
  "chat.send",
  "messages.list",
  "instances.startChat",
  "sessions.send",
  "chats.get",
  "chats.connect",
  "chats.disconnect",
  "chats.unlink",
  "inbox.get",
  "inbox.configure",
] as const;

export const cut14: Cut = {
  from: 14,
  methods: ["chats.bindCode", "chats.unbind"],
  events: {
    hello: (h: HelloPayload) => ({ ...(for13(h) as Obj), protocol: 13 }),
    "message.created": cut,
    "chats.changed": cut,
    "inbox.updated": cut,
  },
  results: Object.fromEntries(CHANGED_IN_14.map((method) => [method, cut])),
  up: { events: { hello: (h: Obj): Obj => ({ ...h, protocol: 14 }) }, results: {} },
};
