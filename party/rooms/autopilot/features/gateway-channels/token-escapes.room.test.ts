// A channel's bot token quoted escaped (a URL's `…/bot123456789%3AAA…`) in what the gateway
// says about the channel: its status, its error when listing, the error of an approved
// change. Every reader of the workspace sees these, viewers included; no escaping of the
// token may get it past the redaction (party/rooms/autopilot/features/gateway-channels/token-shapes.ts).
import { describe, expect, it } from "vitest";
import type { DurableEvent } from "../../../../../shared/protocol/events";
import { readChannels } from "./gateway";
import { settleChannelApproval } from "./operations";
import { instanceChannels } from "./status";
import { redactedText, withoutTokenShapes } from "./token-shapes";
import { listJobs } from "../jobs/jobs";
import { RoomError } from "../../../../domain/errors";
import { connectTo, inRoom, linkAndGateway, ok, refuse, seedInstance } from "../../../../test/bridge-peer";
import { configure, TOKEN } from "./test/channel-requests";
import { decide, gatewayOver, operationDeps } from "../../../../test/instance-ops";

const SECRET = "secret-bot-token";

/** Every character percent-encoded, as an over-eager encoder would. */
const allEncoded = (value: string) =>
  [...value].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}`).join("");

/** The token as URLs and error texts may carry it. */
const ESCAPED: [string, string][] = [
  ["percent-encoded", encodeURIComponent(TOKEN)],
  ["percent-encoded in lower case", encodeURIComponent(TOKEN).replace("%3A", "%3a")],
  ["encoded twice", encodeURIComponent(encodeURIComponent(TOKEN))],
  ["encoded three times, lower case", encodeURIComponent(encodeURIComponent(encodeURIComponent(TOKEN))).toLowerCase()],
  ["every character encoded", allEncoded(TOKEN)],
  ["a JSON escape", TOKEN.replace(":", "\\u003a")],
  ["a JavaScript escape", TOKEN.replace(":", "\\x3A")],
  ["an HTML decimal reference", TOKEN.replace(":", "&#58;")],
  ["an HTML hex reference", TOKEN.replace(":", "&#x3a;")],
  ["an HTML named reference", TOKEN.replace(":", "&colon;")],
];

/** Whether `text` still gives the token away, read with every escape undone (as often as it was applied). */
function leaks(text: string): boolean {
  let read = text;
  for (let round = 0; round < 4; round++)
    read = read
      .replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
      .replace(/\\u00([0-9a-f]{2})|\\x([0-9a-f]{2})|&#x([0-9a-f]+);/gi, (_, a?: string, b?: string, c?: string) =>
        String.fromCharCode(Number.parseInt(a ?? b ?? c ?? "", 16)),
      )
      .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
      .replace(/&colon;/gi, ":");
  return read.toLowerCase().includes(SECRET);
}

describe("a channel token quoted escaped", () => {
  it.each(ESCAPED)("%s, in a URL of a channel's error, is hidden from every reader", async (_, escaped) => {
    const lastError = `fetch https://api.telegram.org/bot${escaped}/getMe failed`;
    expect(leaks(lastError)).toBe(true);
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("channels.status", () =>
        ok({
          channelOrder: ["telegram"],
          channelAccounts: {
            telegram: [
              { accountId: "default", configured: true, lastError, stateReason: escaped, tokenStatus: escaped },
            ],
          },
        }),
      );
      gw.on("config.get", () => ok({ hash: "h1", config: {} }));
      link.connection = await connectTo(gw);
      const [telegram] = await readChannels({ request: (m, p, t) => link.open().request(m, p, t) });
      const account = telegram!.accounts[0]!;
      for (const field of [account.lastError, account.stateReason, account.tokenStatus])
        expect(leaks(field ?? "")).toBe(false);
      expect(account.lastError).toMatch(/^fetch https:\/\/api\.telegram\.org\/bot\[hidden\]\/getMe failed$/);
    });
  });

  it("in the gateway's error when listing channels, is hidden from the caller", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      for (const [, escaped] of ESCAPED) {
        const failing = {
          request: async () => Promise.reject(new Error(`GET https://api.telegram.org/bot${escaped}/getMe: 401`)),
        };
        const refused = await instanceChannels({ sql, bridge: { connected: true, channels: failing } }, "inst").catch(
          (error: unknown) => error,
        );
        expect(refused).toBeInstanceOf(RoomError);
        expect((refused as RoomError).message).toContain("the gateway did not list its channels");
        expect(leaks((refused as RoomError).message)).toBe(false);
      }
    });
  });

  it("in the error of an approved change, is hidden from the job everyone reads", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      let attempt = 0;
      gw.on("config.get", () => ok({ hash: "h1", config: {} }));
      gw.on("config.patch", () =>
        refuse(
          "INVALID_REQUEST",
          `setWebhook https://api.telegram.org/bot${ESCAPED[attempt++ % ESCAPED.length]![1]}/setWebhook failed`,
        ),
      );
      link.connection = await connectTo(gw);
      const events: DurableEvent[] = [];
      const deps = operationDeps(sql, events, { gateway: gatewayOver(link) });
      for (let i = 0; i < ESCAPED.length; i++) {
        const { approval } = configure(sql);
        await settleChannelApproval(deps, decide(sql, approval.id, "approve"));
      }
      const failed = listJobs(sql, { active: false, limit: 50 }).items.filter((job) => job.status === "failed");
      expect(failed).toHaveLength(ESCAPED.length);
      for (const job of failed) {
        expect(job.error).toContain("[hidden]");
        expect(leaks(job.error ?? "")).toBe(false);
      }
      expect(leaks(JSON.stringify(events))).toBe(false);
    });
  });

  it("leaves escaped text without a token as it was, and bounds what it searches", () => {
    const url = "GET https://example.com/a%20b?q=%3Ax&x=\\u003a 12345%3Ashort";
    expect(withoutTokenShapes(url)).toBe(url);
    expect(withoutTokenShapes(`see bot${encodeURIComponent(TOKEN)} and bot${TOKEN}`)).toBe(
      "see bot[hidden] and bot[hidden]",
    );
    // A megabyte of word pieces: cut before the token patterns read it.
    expect(redactedText("a-".repeat(500_000), 500)).toBe("a-".repeat(250));
  });
});
