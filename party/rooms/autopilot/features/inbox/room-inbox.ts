import type { Scheduler } from "agents/schedules";
import type { RoomServices } from "../../kernel/services";
import { appOrigins, linkOrigin, requireLinkOrigin } from "../../../../auth/origin";
import { sendMail } from "../../../../auth/mail";
import type { Env } from "../../../../env";
import { principalTag } from "../../../shared/connection-cap";
import { type ClientSocket, connState } from "../../../shared/connection-state";
import type { EventName, EventPayload } from "../../../../../shared/protocol/events";
import { InboxHub } from "./hub";
import { addressFromD1, InboxMail, type InboxMailDeps } from "./mail";
import { InboxPush, pushConfig, sendPush } from "./push";
import { remindApproval, type RemindDeps } from "./remind";
import { markerOf } from "../threads/index";
import type { InboxPerson } from "./store";
import type { MintedLink } from "../decision-links";

export interface RoomInboxDeps {
  env: Env;
  /** The workspace the room serves. */
  name(): string;
  /** The room's scheduler: mail wakes it with the callback `mailInbox`. */
  scheduler: Pick<Scheduler, "set">;
  sockets: RoomServices["sockets"];
  /** The room's SQL, who is connected, current access. */
  room: Pick<RoomServices, "sql" | "currentAccess"> &
    Pick<RoomServices["clients"], "presence" | "connected" | "connectedOf">;
  /** To one socket, in order with its other frames (kernel/fanout.ts ReplayPump). */
  send(conn: ClientSocket, text: string): void;
  /** An event to one principal's own sockets (the kernel's). */
  toPrincipal<E extends EventName>(principalId: string, event: E, payload: EventPayload<E>): void;
  /** A mail's link that decides an approval as its person (features/decision-links/). */
  decisionLink(approvalId: string, person: InboxPerson): Promise<MintedLink | null>;
}

/** The Autopilot room's inbox parts, wired to the room: the live hub, the mail schedule and Web Push. */
export function roomInbox(d: RoomInboxDeps) {
  // Mail and push carry a decision link for an approval, and for nothing else.
  const decisionLink: InboxMailDeps["decisionLink"] = (item, person) =>
    item.target.kind === "approval" ? d.decisionLink(item.target.approvalId, person) : Promise.resolve(null);
  const mail = new InboxMail({
    sql: d.room.sql,
    currentAccess: (principal) => d.room.currentAccess(principal),
    workspaceId: d.name,
    // One row per wake time, however often it is asked for (at start too, on every restart).
    wakeAt: (at) => d.scheduler.set(new Date(Math.max(at, Date.now())), "mailInbox", { at }, { idempotent: true }),
    addressOf: addressFromD1(d.env.DB),
    linkOrigin: (stored) => requireLinkOrigin(d.env, stored),
    send: (message) => sendMail(d.env, message),
    decisionLink,
  });
  const config = pushConfig(d.env);
  // Only this person's sockets are read (by their tag), not everyone's.
  const socketsOf = (id: string) =>
    [...d.sockets.getConnections(principalTag(id))].flatMap((conn) => {
      const state = connState(conn);
      return state ? [{ conn, principal: state.principal }] : [];
    });
  const push = new InboxPush({
    sql: d.room.sql,
    config,
    workspaceId: d.name,
    // A socket whose close is still under way counts as gone.
    connected: (id) => socketsOf(id).some(({ conn }) => conn.readyState === WebSocket.OPEN),
    currentAccess: (principal) => d.room.currentAccess(principal),
    linkOrigin: (stored) => requireLinkOrigin(d.env, stored),
    send: (sub, payload) => sendPush(config!, sub, payload),
    decisionLink,
  });
  // An approval sent on purpose now (features/approval-reach/): the same addresses, links and push as above.
  const remindDeps: RemindDeps = {
    sql: d.room.sql,
    workspaceId: d.name,
    currentAccess: (principal) => d.room.currentAccess(principal),
    addressOf: addressFromD1(d.env.DB),
    linkOrigin: (stored) => requireLinkOrigin(d.env, stored),
    sendMail: (message) => sendMail(d.env, message),
    sendPush: config ? (sub, payload) => sendPush(config, sub, payload) : null,
    decisionLink,
  };
  const remind = (
    who: { principalId: string; name: string },
    approvalId: string,
    via: "mail" | "push",
    headline: string,
  ): Promise<boolean> => remindApproval(remindDeps, who, approvalId, via, headline);
  const hub = new InboxHub({
    sql: d.room.sql,
    present: () => d.room.presence(),
    socketsOf,
    connected: (id) => d.room.connected(id),
    connectedOf: (id) => d.room.connectedOf(id),
    send: d.send,
    itemsMayHaveChanged: () => {
      mail.soon();
      void push.sweep();
    },
    pushKey: config?.publicKey ?? null,
  });
  /**
   * Mail and push links lead back to the app's origin the person uses when it is a configured
   * one (linkOrigin: the request's own is whatever Host it named); read again when a link is built.
   */
  const originOf = (request: Request): string => {
    const origin = request.headers.get("origin");
    return linkOrigin(d.env, origin && appOrigins(d.env, request.url).includes(origin) ? origin : request.url) ?? "";
  };
  /** A read marker moved: to the reader's own sockets only (people and agent keys alike). */
  const readMoved = (principalId: string, payload: EventPayload<"thread.read">): void =>
    d.toPrincipal(principalId, "thread.read", payload);
  const ownMessageSent = (principalId: string, threadId: string): void => {
    const read = markerOf(d.room.sql, principalId, threadId);
    if (read) readMoved(principalId, { threadId, read });
  };
  return { hub, mail, push, pushConfig: config, originOf, readMoved, ownMessageSent, remind, socketsOf };
}
