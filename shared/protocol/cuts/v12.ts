import type { HelloPayload } from "../hello";
import type { Inbox } from "../inbox";
import type { Schedule } from "../schedules";
import type { Message } from "../threads";
import type { Cut } from "./cut";

/**
 * Protocol 12 → 11. Added in 12: a schedule's edits, its runs now, its run history and its
 * webhook (`schedules.update`, `schedules.run`, `schedules.runs`, `schedules.hook`); a
 * schedule's newest run and webhook on it (`lastRun`, `hook`); times of `kind: "hook"`; the
 * schedule a message was posted by (`scheduleId`); an inbox item for a schedule whose run
 * failed (a `schedule` target, which 11 cannot open: its items are left out); and the
 * ephemeral `access.changed` (not sent to 11). Every cut converts the hello: it names the
 * version the socket speaks, and a client refuses a hello of another version than its own.
 */
type Obj = Record<string, unknown>;

const hello = (h: HelloPayload): Obj => ({ ...h, protocol: 11 });
const helloUp = (h: Obj): Obj => ({ ...h, protocol: 12 });

// A schedule that runs only from its webhook has no times 11 can say: it shows as a one-off
// at its creation, with no next run.
const schedule11 = ({ lastRun: _, hook: __, ...rest }: Schedule): Obj =>
  rest.when.kind === "hook" ? { ...rest, when: { kind: "once", at: rest.createdAt } } : rest;
const schedule12 = (s: Obj): Obj => ({ lastRun: null, hook: null, ...s });
const message11 = ({ scheduleId: _, ...rest }: Message): Obj => rest;
const inbox11 = (inbox: Inbox): Obj => {
  const items = inbox.items.filter((item) => item.target.kind !== "schedule");
  return { ...inbox, items, unread: items.filter((item) => !item.read).length };
};

const withSchedule = (p: { schedule: Schedule }): Obj => ({ ...p, schedule: schedule11(p.schedule) });
const withScheduleUp = (p: { schedule: Obj }): Obj => ({ ...p, schedule: schedule12(p.schedule) });
const withMessage = (p: { message: Message }): Obj => ({ ...p, message: message11(p.message) });
const withInbox = (p: { inbox: Inbox }): Obj => ({ ...p, inbox: inbox11(p.inbox) });

export const cut12: Cut = {
  from: 12,
  methods: ["schedules.update", "schedules.run", "schedules.runs", "schedules.hook"],
  events: {
    hello,
    "schedule.changed": withSchedule,
    "message.created": withMessage,
    "inbox.updated": withInbox,
    "access.changed": () => null,
  },
  results: {
    "schedules.create": withSchedule,
    "schedules.pause": withSchedule,
    "schedules.resume": withSchedule,
    "schedules.list": (p: { schedules: Schedule[] }) => ({ schedules: p.schedules.map(schedule11) }),
    "chat.send": withMessage,
    "sessions.send": withMessage,
    "instances.startChat": withMessage,
    "messages.list": (p: { messages: Message[]; hasMore: boolean }) => ({ ...p, messages: p.messages.map(message11) }),
    "inbox.get": withInbox,
  },
  up: {
    events: { hello: helloUp, "schedule.changed": withScheduleUp },
    results: {
      "schedules.create": withScheduleUp,
      "schedules.pause": withScheduleUp,
      "schedules.resume": withScheduleUp,
      "schedules.list": (p: { schedules: Obj[] }) => ({ schedules: p.schedules.map(schedule12) }),
    },
  },
};
