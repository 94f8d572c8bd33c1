// WhatsApp linked by QR through the gateway's own login flow (decision 71): once a person
// approved the link, `web.login.start` gives a QR, and `web.login.wait` is asked again and
// again until the phone scanned it (the gateway then starts the channel), each wait answering
// with the QR the gateway has now. Where the flow stands is live state of the room's link to
// that gateway (it is about a login the gateway holds open), pushed to the room's sockets each
// time it changes (`instance.whatsAppLogin`) and read by `instances.whatsAppLogin` when the app
// opens it. The QR goes only to people who may link WhatsApp (`write`: whoever scans puts
// their WhatsApp behind the instance); every other reader is told the state without it. Every
// answer is a remote value: a QR is passed on only as a bounded base64 PNG data URL, the
// gateway's words only cut and without token shapes.
import { z } from "zod";
import { isQrDataUrl, type WhatsAppLogin } from "../../../../../shared/protocol/channels";
import type { Principal } from "../../../../../shared/protocol/principal";
import { type Audience, mayBeTold } from "../../../../rooms/shared/reading";
import type { RoomServices } from "../../kernel/services";
import type { GatewayCaller } from "./gateway";
import { redactedText } from "./token-shapes";

/** How long one `web.login.wait` may hold (the gateway answers sooner with a new QR or the link). */
const WAIT_MS = 20_000;
/** How long a person has to scan before the link is given up (a new link can be asked for). */
export const LOGIN_WINDOW_MS = 3 * 60_000;
/** At most this many waits, however fast a gateway answers them. */
const MAX_WAITS = 2 * Math.ceil(LOGIN_WINDOW_MS / WAIT_MS);
/** The gateway's answer when it has no channel with a QR login (WhatsApp's plugin is not installed). */
const NO_PROVIDER = /web login provider is not available|not supported by provider/i;

const Answer = z.looseObject({
  connected: z.boolean().catch(false).default(false),
  message: z.string().catch("").default(""),
  qrDataUrl: z.unknown().optional(),
  sessionKey: z.string().max(500).optional().catch(undefined),
});

/** Where each gateway's WhatsApp link stands, by the room's link to it (gone with it). */
const logins = new WeakMap<object, WhatsAppLogin>();

/** A link under way: whom it tells, and how it is stopped (the app's dialog closed). */
interface Run {
  tell: (login: WhatsAppLogin) => void;
  cancel: () => void;
}
const runs = new WeakMap<object, Run>();

/** Who is sent a link's QR: people who may link WhatsApp (instances.linkWhatsApp is theirs). */
export const QR_AUDIENCE: Audience = { scope: "write", people: true };
/** Every other reader: the link's state, never its QR. */
const STATE_AUDIENCE: Audience = { scope: "read", exceptPeopleWith: "write" };

/** The link as `principal` may see it: without its QR unless they may link WhatsApp. */
export function loginFor(principal: Principal, login: WhatsAppLogin): WhatsAppLogin {
  return login.qrDataUrl === null || mayBeTold(principal, QR_AUDIENCE) ? login : { ...login, qrDataUrl: null };
}

/** Pushes where an instance's link stands: the QR to those who may link, the state to every other reader. */
export function tellLogin(to: RoomServices["toScope"], instanceId: string, login: WhatsAppLogin): void {
  to(QR_AUDIENCE, "instance.whatsAppLogin", { instanceId, login });
  to(STATE_AUDIENCE, "instance.whatsAppLogin", { instanceId, login: { ...login, qrDataUrl: null } });
}

/** What a cancelled link's job says. */
const CANCELLED = "The WhatsApp link was cancelled before a phone scanned its QR code.";

/** How a cancelled link ends: its job is cancelled, not failed. */
export class LinkCancelled extends Error {}

export const idleLogin = (accountId = "default"): WhatsAppLogin => ({
  accountId,
  state: "idle",
  qrDataUrl: null,
  message: null,
  updatedAt: null,
});

/** Where the WhatsApp link of the gateway behind `link` stands. */
export function whatsAppLogin(link: object | undefined): WhatsAppLogin {
  return (link && logins.get(link)) ?? idleLogin();
}

/** Whether a link is under way on that gateway (a second would take over the first one's QR). */
export function loginUnderway(link: object | undefined): boolean {
  const state = whatsAppLogin(link).state;
  return state === "starting" || state === "scan";
}

/** The gateway's error in plain words: WhatsApp is not there, or it could not be reached. */
export function whatsAppProblem(error: unknown): string {
  const text = redactedText(error instanceof Error ? error.message : String(error), 300);
  if (NO_PROVIDER.test(text))
    return "This gateway has no WhatsApp channel: WhatsApp's plugin (@openclaw/whatsapp) is not installed on it, so it cannot show a QR code.";
  return `The gateway could not reach WhatsApp (${text}). Check that it can reach the internet, then link again.`;
}

/**
 * Runs an approved link to its end: linked, failed (in words), or given up after the
 * window. `now` is the room's clock; resolves with the job's closing words, throws with the
 * failure's (the state says the same).
 */
export async function linkWhatsApp(
  link: object,
  gateway: GatewayCaller,
  accountId: string,
  now: () => number,
  tell: (login: WhatsAppLogin) => void = () => {},
): Promise<string> {
  let cancelled = false;
  let stop = () => {};
  const stopped = new Promise<never>((_resolve, reject) => {
    stop = () => reject(new LinkCancelled(CANCELLED));
  });
  // Never left unhandled: a run that ends without a cancel never rejects it.
  stopped.catch(() => {});
  const run: Run = {
    tell,
    cancel: () => {
      cancelled = true;
      stop();
    },
  };
  runs.set(link, run);
  /** A gateway call the cancel cuts short (the gateway's own login then times out by itself). */
  const ask = (method: string, params: Record<string, unknown>) =>
    Promise.race([gateway.request(method, params, WAIT_MS + 10_000), stopped]);
  const set = (state: WhatsAppLogin["state"], message: string | null, qrDataUrl: string | null = null) => {
    if (cancelled) return;
    const login = {
      accountId,
      state,
      qrDataUrl,
      message: message === null ? null : redactedText(message, 500),
      updatedAt: now(),
    };
    logins.set(link, login);
    tell(login);
  };
  const fail = (message: string, state: "failed" | "expired" = "failed"): never => {
    set(state, message);
    throw new Error(message);
  };
  const failed = (error: unknown): never => {
    if (cancelled) throw new LinkCancelled(CANCELLED);
    return fail(whatsAppProblem(error));
  };
  try {
    return await runLink();
  } finally {
    if (runs.get(link) === run) runs.delete(link);
  }

  async function runLink(): Promise<string> {
    set("starting", null);
    const params = { channel: "whatsapp", accountId };
    let started: z.output<typeof Answer>;
    try {
      started = Answer.parse(await ask("web.login.start", { ...params, force: true, timeoutMs: WAIT_MS }));
    } catch (error) {
      return failed(error);
    }
    if (started.connected) {
      set("linked", started.message || "WhatsApp is linked");
      return "WhatsApp linked";
    }
    if (!isQrDataUrl(started.qrDataUrl))
      return fail(`The gateway gave no QR code to scan${started.message ? `: ${started.message}` : ""}`);
    let qr = started.qrDataUrl;
    set("scan", started.message || "Scan the QR code with WhatsApp on your phone", qr);
    const deadline = now() + LOGIN_WINDOW_MS;
    for (let waits = 0; waits < MAX_WAITS && now() < deadline; waits++) {
      let answer: z.output<typeof Answer>;
      try {
        answer = Answer.parse(
          await ask("web.login.wait", {
            ...params,
            timeoutMs: WAIT_MS,
            currentQrDataUrl: qr,
            ...(started.sessionKey ? { sessionKey: started.sessionKey } : {}),
          }),
        );
      } catch (error) {
        return failed(error);
      }
      if (answer.connected) {
        set("linked", answer.message || "WhatsApp is linked");
        return "WhatsApp linked";
      }
      if (isQrDataUrl(answer.qrDataUrl) && answer.qrDataUrl !== qr) {
        qr = answer.qrDataUrl;
        set("scan", answer.message || "Scan the new QR code with WhatsApp on your phone", qr);
      }
    }
    return fail("The QR code was not scanned in time: show a new code to try again.", "expired");
  }
}

/**
 * Stops the link under way on the gateway behind `link`, if any: its QR is gone at once (the
 * state reads `idle`, told to everyone), and its job ends. Returns where the link stands now.
 */
export function cancelLogin(link: object | undefined, now: number): WhatsAppLogin {
  const run = link && runs.get(link);
  if (!link || !run || !loginUnderway(link)) return whatsAppLogin(link);
  const login = { ...idleLogin(whatsAppLogin(link).accountId), message: CANCELLED, updatedAt: now };
  logins.set(link, login);
  run.cancel();
  run.tell(login);
  return login;
}

/** After an approved unlink: the link's state says so. */
export function markUnlinked(link: object, accountId: string, now: number, tell: (login: WhatsAppLogin) => void): void {
  const login = { ...idleLogin(accountId), message: "WhatsApp was unlinked", updatedAt: now };
  logins.set(link, login);
  tell(login);
}
