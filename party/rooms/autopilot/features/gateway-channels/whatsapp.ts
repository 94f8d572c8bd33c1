// WhatsApp linked by QR through the gateway's own login flow (decision 71): once a person
// approved the link, `web.login.start` gives a QR, and `web.login.wait` is asked again and
// again until the phone scanned it (the gateway then starts the channel), each wait answering
// with the QR the gateway has now, so the app shows the current one. Where the flow stands is
// live state of the room's link to that gateway (it is about a login the gateway holds open),
// read by `instances.whatsAppLogin`. Every answer is a remote value: a QR is passed on only as
// a bounded base64 PNG data URL, the gateway's words only cut and without token shapes.
import { z } from "zod";
import { isQrDataUrl, type WhatsAppLogin } from "../../../../../shared/protocol/channels";
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
): Promise<string> {
  const set = (state: WhatsAppLogin["state"], message: string | null, qrDataUrl: string | null = null) =>
    logins.set(link, {
      accountId,
      state,
      qrDataUrl,
      message: message === null ? null : redactedText(message, 500),
      updatedAt: now(),
    });
  const fail = (message: string): never => {
    set("failed", message);
    throw new Error(message);
  };
  set("starting", null);
  const params = { channel: "whatsapp", accountId };
  let started: z.output<typeof Answer>;
  try {
    started = Answer.parse(
      await gateway.request("web.login.start", { ...params, force: true, timeoutMs: WAIT_MS }, WAIT_MS + 10_000),
    );
  } catch (error) {
    return fail(whatsAppProblem(error));
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
        await gateway.request(
          "web.login.wait",
          {
            ...params,
            timeoutMs: WAIT_MS,
            currentQrDataUrl: qr,
            ...(started.sessionKey ? { sessionKey: started.sessionKey } : {}),
          },
          WAIT_MS + 10_000,
        ),
      );
    } catch (error) {
      return fail(whatsAppProblem(error));
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
  return fail("The QR code was not scanned in time: link WhatsApp again for a new one.");
}

/** After an approved unlink: the link's state says so. */
export function markUnlinked(link: object, accountId: string, now: number): void {
  logins.set(link, { ...idleLogin(accountId), message: "WhatsApp was unlinked", updatedAt: now });
}
