// An instance's channels (party/rooms/autopilot/features/gateway-channels/) against the scripted gateway: what the room reads
// of hostile answers (status and three config keys, never a token), what an approved change
// sends, and that a bot token reaches the gateway and nothing else: not the approval, not an
// event, not the job, not an error, and its stored row goes whatever the outcome.
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  channelRequestProblem,
  InstancesConfigureChannelParams,
  InstancesSetChannelAccessParams,
  type ChannelStatus,
} from "../../../../../shared/protocol/channels";
import { configureChannel, readChannels, setChannelAccess } from "./gateway";
import { settleChannelApproval } from "./operations";
import { channelRequest, requestChannelAccess, requestDisconnectChannel } from "./requests";
import { getApproval } from "../approvals/approvals";
import { sweepRoomTables } from "../retention/retention";
import { listJobs } from "../jobs/jobs";
import type { DurableEvent } from "../../../../../shared/protocol/events";
import { removeInstance } from "../instances/operations";
import { TOOL_POLICY } from "../../../../../shared/protocol/tool-policy";
import type { Sql } from "../../../../domain/sql";
import { asPerson, connectTo, inRoom, linkAndGateway, ok, refuse, seedInstance } from "../../../../test/bridge-peer";
import { idem } from "../../../../test/harness";
import { configure, SECRETS, TOKEN } from "./test/channel-requests";
import { channelRequests } from "./tables";
import { decide, linkDeps } from "../../../../test/instance-ops";
import { commitTo } from "../../kernel/commit";
import { getInstance } from "../instance-store";
import { mirrorChannels, refreshChannels, startRead } from "./summary";

/** Telegram set up, as the room reads it from the gateway. */
const TELEGRAM_STATUS: ChannelStatus = {
  channel: "telegram",
  label: "Telegram",
  configurable: true,
  accounts: [
    {
      accountId: "default",
      configured: true,
      enabled: true,
      running: true,
      connected: false,
      tokenStatus: null,
      stateReason: null,
      lastError: null,
    },
  ],
  dmPolicy: null,
  allowFrom: [],
};

const requestAccess = (sql: Sql) =>
  asPerson(sql, (ctx) =>
    requestChannelAccess(
      ctx,
      InstancesSetChannelAccessParams.parse({
        instanceId: "inst",
        channel: "discord",
        dmPolicy: "allowlist",
        allowFrom: ["1"],
        idempotencyKey: idem(),
      }),
    ),
  );

describe("channels through the scripted gateway", () => {
  it("reads status and DM access only: tokens and the rest of the config never come back, bad rows are left out", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("channels.status", () =>
        ok({
          channelOrder: ["telegram", "discord", "../evil", "whatsapp"],
          channelLabels: { telegram: "Telegram", discord: 42 },
          channelAccounts: {
            telegram: [
              {
                accountId: "default",
                configured: true,
                running: true,
                connected: false,
                tokenStatus: "available",
                botToken: TOKEN,
                lastError: "x".repeat(5000),
              },
              { nonsense: true },
            ],
            // A plugin's error quoting its API URL, token and all.
            discord: [
              {
                accountId: "ops",
                configured: true,
                lastError: `fetch https://api.telegram.org/bot${TOKEN}/getMe failed; slack xoxb-1234567890-abcdefghij also`,
              },
            ],
            whatsapp: "not a list",
          },
        }),
      );
      gw.on("config.get", () =>
        ok({
          hash: "h1",
          raw: `{"botToken":"${TOKEN}"}`,
          config: {
            channels: {
              telegram: { botToken: TOKEN, dmPolicy: "allowlist", allowFrom: ["111", 222, { x: 1 }] },
              discord: { dmPolicy: "whatever" },
            },
            gateway: { auth: { token: "gw" } },
          },
        }),
      );
      link.connection = await connectTo(gw);
      const channels = await readChannels({ request: (m, p, t) => link.open().request(m, p, t) });
      expect(JSON.stringify(channels)).not.toContain(TOKEN);
      expect(channels.map((c) => [c.channel, c.label, c.configurable])).toEqual([
        ["telegram", "Telegram", true],
        ["discord", "Discord", true],
        ["whatsapp", "whatsapp", false],
      ]);
      const telegram = channels[0]!;
      expect(telegram).toMatchObject({ dmPolicy: "allowlist", allowFrom: ["111", "222"] });
      expect(telegram.accounts).toHaveLength(1);
      expect(telegram.accounts[0]).toMatchObject({
        accountId: "default",
        configured: true,
        running: true,
        connected: false,
        tokenStatus: "available",
      });
      expect(telegram.accounts[0]!.lastError!.length).toBeLessThanOrEqual(500);
      expect(channels[1]).toMatchObject({ dmPolicy: null, allowFrom: [] });
      expect(channels[1]!.accounts[0]!.lastError).toBe(
        "fetch https://api.telegram.org/bot[hidden]/getMe failed; slack [hidden] also",
      );
    });
  });

  it("keeps which channels are set up, and whether each is connected, on the instance's record; told only when that changes", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      let connected = false;
      gw.on("channels.status", () =>
        ok({
          channelOrder: ["telegram", "slack"],
          channelAccounts: {
            telegram: [{ accountId: "default", configured: true, enabled: true, running: true, connected }],
            slack: [{ accountId: "default", configured: false }],
          },
        }),
      );
      gw.on("config.get", () => ok({ hash: "h", config: {} }));
      link.connection = await connectTo(gw);
      const events: DurableEvent[] = [];
      const commit = commitTo(sql, 1000, (effects) => events.push(...effects.events));
      const gateway = { request: (m: string, p?: Record<string, unknown>, t?: number) => link.open().request(m, p, t) };
      const updates = () => events.filter((e) => e.event === "instance.updated").length;

      // Telegram set up but offline: it needs attention; Slack, not set up, is left out.
      await refreshChannels(commit, "inst", gateway);
      expect(getInstance(sql, "inst")?.channels).toEqual([
        { channel: "telegram", label: "Telegram", state: "attention" },
      ]);
      expect(updates()).toBe(1);
      await refreshChannels(commit, "inst", gateway);
      expect(updates()).toBe(1);
      connected = true;
      await refreshChannels(commit, "inst", gateway);
      expect(getInstance(sql, "inst")?.channels).toEqual([
        { channel: "telegram", label: "Telegram", state: "connected" },
      ]);
      expect(updates()).toBe(2);
      // A gateway that cannot say leaves the record as it was.
      gw.on("channels.status", () => refuse("UNAVAILABLE", "busy"));
      await refreshChannels(commit, "inst", gateway);
      expect(getInstance(sql, "inst")?.channels?.[0]?.state).toBe("connected");
      expect(updates()).toBe(2);

      // Reads overlap: one that started earlier never writes over a later one's answer.
      const earlier = startRead(commit, "inst");
      const later = startRead(commit, "inst");
      mirrorChannels(commit, "inst", [], later);
      expect(getInstance(sql, "inst")?.channels).toEqual([]);
      const stale = [{ ...TELEGRAM_STATUS, accounts: [{ ...TELEGRAM_STATUS.accounts[0]!, connected: true }] }];
      mirrorChannels(commit, "inst", stale, earlier);
      expect(getInstance(sql, "inst")?.channels).toEqual([]);

      // After a change the gateway may still report the old state for a moment: read again until it shows the change.
      let statusReads = 0;
      gw.on("channels.status", () => {
        statusReads++;
        return ok({
          channelOrder: ["telegram"],
          channelAccounts: { telegram: [{ accountId: "default", configured: statusReads >= 3, connected: false }] },
        });
      });
      await refreshChannels(commit, "inst", gateway, { channel: "telegram", accountId: "default", configured: true });
      expect(statusReads).toBe(3);
      expect(getInstance(sql, "inst")?.channels).toEqual([
        { channel: "telegram", label: "Telegram", state: "attention" },
      ]);
    });
  });

  it("connects with the token, the owner binding appended to the bindings there, then starts; refuses a channel the gateway lacks", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("channels.status", () => ok({ channelOrder: [] }));
      gw.on("config.get", () =>
        ok({
          hash: "h7",
          config: { bindings: [{ agentId: "ops", match: { channel: "discord", accountId: "default" } }] },
        }),
      );
      gw.on("config.patch", () => ok({ ok: true }));
      gw.on("channels.start", () => ok({ started: true }));
      link.connection = await connectTo(gw);
      const gateway = { request: (m: string, p?: Record<string, unknown>, t?: number) => link.open().request(m, p, t) };
      await configureChannel(gateway, "telegram", "default", { botToken: TOKEN });
      const sent = gw.requests("config.patch")[0]!.params as { raw: string; baseHash: string };
      expect(sent.baseHash).toBe("h7");
      expect(JSON.parse(sent.raw)).toEqual({
        channels: { telegram: { enabled: true, botToken: TOKEN } },
        bindings: [
          { agentId: "ops", match: { channel: "discord", accountId: "default" } },
          { agentId: "main", match: { channel: "telegram", accountId: "default" } },
        ],
      });
      expect(gw.requests("channels.start").map((f) => f.params)).toEqual([
        { channel: "telegram", accountId: "default" },
      ]);
      await expect(configureChannel(gateway, "discord", "default", { botToken: TOKEN })).rejects.toThrow(
        /@openclaw\/discord plugin/,
      );
      await setChannelAccess(gateway, "telegram", { dmPolicy: "allowlist", allowFrom: ["111"] });
      expect(gw.requests("config.patch")[1]!.params).toMatchObject({
        replacePaths: ["channels.telegram.allowFrom"],
        raw: JSON.stringify({ channels: { telegram: { dmPolicy: "allowlist", allowFrom: ["111"] } } }),
      });
    });
  });

  it("files a high-risk approval naming no token, keeps the token server-side until it is applied, and applies it once approved", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("config.get", () => ok({ hash: "h1", config: {} }));
      gw.on("config.patch", () => ok({ ok: true }));
      gw.on("channels.start", () => ok({ started: true }));
      link.connection = await connectTo(gw);
      const events: DurableEvent[] = [];
      const { approval } = configure(sql);
      expect(approval).toMatchObject({
        risk: "high",
        action: {
          kind: "instance",
          operation: "configureChannel",
          instanceId: "inst",
          channel: { channel: "telegram", accountId: "default" },
        },
      });
      expect(approval.details).toContain("a bot token (hidden)");
      expect(JSON.stringify(approval)).not.toContain(TOKEN);
      expect(channelRequest(sql, approval.id, SECRETS)?.secret).toEqual({ botToken: TOKEN });
      // One change per channel account at a time.
      expect(() => configure(sql)).toThrow(/already waiting/);
      const approved = decide(sql, approval.id, "approve");
      await settleChannelApproval(linkDeps(sql, link, events), approved);
      expect(
        JSON.parse((gw.requests("config.patch")[0]!.params as { raw: string }).raw).channels.telegram.botToken,
      ).toBe(TOKEN);
      expect(channelRequest(sql, approval.id, SECRETS)).toBeNull();
      const job = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === approval.title);
      expect(job).toMatchObject({ status: "succeeded" });
      expect(JSON.stringify(events)).not.toContain(TOKEN);
      expect(JSON.stringify(job)).not.toContain(TOKEN);
    });
  });

  it("drops the token on a denial, and on a failed apply whose error quotes it", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("config.get", () => ok({ hash: "h1", config: {} }));
      gw.on("config.patch", (params) => refuse("INVALID_REQUEST", `invalid config: ${String(params.raw)}`));
      link.connection = await connectTo(gw);
      const events: DurableEvent[] = [];
      const denied = configure(sql).approval;
      await settleChannelApproval(linkDeps(sql, link, events), decide(sql, denied.id, "deny"));
      expect(channelRequest(sql, denied.id, SECRETS)).toBeNull();
      expect(gw.requests("config.patch")).toHaveLength(0);

      const failing = configure(sql).approval;
      await settleChannelApproval(linkDeps(sql, link, events), decide(sql, failing.id, "approve"));
      expect(channelRequest(sql, failing.id, SECRETS)).toBeNull();
      const job = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.status === "failed");
      expect(job?.error).toContain("[hidden]");
      expect(JSON.stringify(events)).not.toContain(TOKEN);

      // The gateway gone by the time it is approved: the job fails, the token still goes.
      const offline = configure(sql).approval;
      await settleChannelApproval(linkDeps(sql, null, events), decide(sql, offline.id, "approve"));
      expect(channelRequest(sql, offline.id, SECRETS)).toBeNull();
      expect(JSON.stringify(events)).not.toContain(TOKEN);
    });
  });

  it("a held row not of its shape (a token that is not text) reads as gone: nothing is sent, the job says so, the row goes", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("config.get", () => ok({ hash: "h1", config: {} }));
      gw.on("config.patch", () => ok({ ok: true }));
      link.connection = await connectTo(gw);
      const { approval } = configure(sql);
      sql.db
        .update(channelRequests)
        .set({ secret: JSON.stringify({ botToken: 5 }) })
        .where(eq(channelRequests.approvalId, approval.id))
        .run();
      expect(channelRequest(sql, approval.id, SECRETS)).toBeNull();
      await settleChannelApproval(linkDeps(sql, link, []), decide(sql, approval.id, "approve"));
      expect(gw.requests("config.patch")).toHaveLength(0);
      const job = listJobs(sql, { active: false, limit: 10 }).items.find((j) => j.title === approval.title);
      expect(job).toMatchObject({ status: "failed", error: expect.stringMatching(/the channel request is gone/) });
      expect(sql.db.select().from(channelRequests).where(eq(channelRequests.approvalId, approval.id)).get()).toBe(
        undefined,
      );
    });
  });

  it("an instance deleted or unlinked takes its waiting channel changes with it: expired, the token gone", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      const { approval } = configure(sql);
      asPerson(sql, (ctx) => removeInstance(ctx, "inst"));
      expect(getApproval(sql, approval.id)).toMatchObject({
        status: "expired",
        note: expect.stringMatching(/was deleted/),
      });
      expect(channelRequest(sql, approval.id, SECRETS)).toBeNull();
    });
  });

  it("a decided change's row the room did not drop (evicted first) is swept an hour on; a waiting one stays", async () => {
    await inRoom(async (sql) => {
      seedInstance(sql);
      const decided = configure(sql).approval;
      decide(sql, decided.id, "deny"); // decided, but no reaction ran to drop its row
      const waiting = requestAccess(sql).approval;
      const later = Date.now() + 2 * 60 * 60 * 1000;
      sweepRoomTables(sql, Date.now(), 1000);
      expect(channelRequest(sql, decided.id, SECRETS)).not.toBeNull();
      sweepRoomTables(sql, later, 1000);
      expect(channelRequest(sql, decided.id, SECRETS)).toBeNull();
      expect(channelRequest(sql, waiting.id, SECRETS)).not.toBeNull();
    });
  });

  it("disconnects (logout, then stop; a stop that times out is fine) and sets access, each after its approval", async () => {
    await inRoom(async (sql) => {
      const { link, gw } = linkAndGateway(sql);
      gw.on("channels.logout", () => ok({ cleared: true }));
      gw.on("channels.stop", () => refuse("UNAVAILABLE", "channel stop timed out after 5000ms"));
      gw.on("config.get", () => ok({ hash: "h2", config: {} }));
      gw.on("config.patch", () => ok({ ok: true }));
      link.connection = await connectTo(gw);
      const events: DurableEvent[] = [];
      const off = asPerson(sql, (ctx) =>
        requestDisconnectChannel(ctx, {
          instanceId: "inst",
          channel: "telegram",
          accountId: "default",
          idempotencyKey: idem(),
        }),
      ).approval;
      await settleChannelApproval(linkDeps(sql, link, events), decide(sql, off.id, "approve"));
      expect(gw.requests("channels.logout").map((f) => f.params)).toEqual([
        { channel: "telegram", accountId: "default" },
      ]);
      const access = asPerson(sql, (ctx) =>
        requestChannelAccess(
          ctx,
          InstancesSetChannelAccessParams.parse({
            instanceId: "inst",
            channel: "telegram",
            dmPolicy: "allowlist",
            allowFrom: ["111", "@ada"],
            idempotencyKey: idem(),
          }),
        ),
      ).approval;
      expect(access.details).toContain("111, @ada");
      await settleChannelApproval(linkDeps(sql, link, events), decide(sql, access.id, "approve"));
      expect(JSON.parse((gw.requests("config.patch")[0]!.params as { raw: string }).raw)).toEqual({
        channels: { telegram: { dmPolicy: "allowlist", allowFrom: ["111", "@ada"] } },
      });
      expect(listJobs(sql, { active: false, limit: 10 }).items.filter((j) => j.status === "succeeded")).toHaveLength(2);
    });
  });
});

describe("channel requests: what is accepted", () => {
  it("validates the access it would set, and the tokens", () => {
    const access = (dmPolicy: string, allowFrom: string[]) => {
      const parsed = InstancesSetChannelAccessParams.safeParse({
        instanceId: "inst",
        channel: "telegram",
        dmPolicy,
        allowFrom,
        idempotencyKey: "idem-123456",
      });
      return parsed.success && channelRequestProblem(parsed.data) === null;
    };
    expect(access("open", ["111"])).toBe(false);
    expect(access("open", ["*"])).toBe(true);
    expect(access("allowlist", [])).toBe(false);
    expect(access("allowlist", ["111", "111"])).toBe(false);
    expect(access("allowlist", ["has space"])).toBe(false);
    expect(access("allowlist", ["111", "@ada"])).toBe(true);
    expect(
      access(
        "pairing",
        Array.from({ length: 201 }, (_, i) => String(i)),
      ),
    ).toBe(false);
    const token = (channel: string, extra: Record<string, unknown>) => {
      const parsed = InstancesConfigureChannelParams.safeParse({
        instanceId: "inst",
        channel,
        idempotencyKey: "idem-123456",
        ...extra,
      });
      return parsed.success && channelRequestProblem(parsed.data) === null;
    };
    expect(token("telegram", { botToken: TOKEN })).toBe(true);
    expect(token("telegram", { botToken: "short" })).toBe(false);
    expect(token("telegram", { botToken: `${TOKEN}\nx` })).toBe(false);
    expect(token("telegram", { botToken: TOKEN, appToken: "xapp-1234567890" })).toBe(false);
    expect(token("slack", { botToken: "xoxb-1234567890" })).toBe(false);
    expect(token("slack", { botToken: "xoxb-1234567890", appToken: "xapp-1234567890" })).toBe(true);
    expect(token("whatsapp", { botToken: TOKEN })).toBe(false);
  });

  it("keeps a token away from the Autopilot's model; disconnect and access are approval methods", () => {
    expect(TOOL_POLICY["instances.configureChannel"].kind).toBe("never");
    expect(TOOL_POLICY["instances.disconnectChannel"].kind).toBe("approval-method");
    expect(TOOL_POLICY["instances.setChannelAccess"].kind).toBe("approval-method");
    expect(TOOL_POLICY["instances.channels"].kind).toBe("auto");
  });
});
