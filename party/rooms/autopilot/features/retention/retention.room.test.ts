import { createScheduledController, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appendAudit } from "../../kernel/commit";
import { sqlFromStorage } from "../../../../domain/sql";
import worker from "../../../../index";
import type { Autopilot } from "../../room";
import { idem, ownWorkspace } from "../../../../test/harness";

const testEnv = env as unknown as {
  Autopilot: DurableObjectNamespace<Autopilot>;
  Hatchery: DurableObjectNamespace;
  DB: D1Database;
};
const autopilot = (ws: string) => testEnv.Autopilot.get(testEnv.Autopilot.idFromName(ws));
const hatchery = (ws: string) => testEnv.Hatchery.get(testEnv.Hatchery.idFromName(ws));
const count = (storage: DurableObjectStorage, table: string) =>
  storage.sql.exec<{ n: number }>(`select count(*) as n from ${table}`).one().n;

// The test config keeps 50 audit entries (AUDIT_RETAIN).
const AUDIT_RETAIN = 50;
const LONG_AGO = 1000;

describe("retention by alarm", () => {
  it("the room schedules its sweep, and the sweep (run by the alarm) trims every table it owns and the canvas's", async () => {
    const { ws, sock } = await ownWorkspace();
    // A request that leaves an idempotency record; the canvas exists from here on.
    await sock.ok("threads.create", { title: "kept", idempotencyKey: idem() });
    await sock.ok("graph.apply", { commands: [{ op: "note.add", text: "hi" }], idempotencyKey: idem() });

    await runInDurableObject(autopilot(ws), async (room: Autopilot, state) => {
      expect((await room.scheduler.list()).map((s) => s.callback)).toContain("sweepRetention");
      const sql = state.storage.sql;
      sql.exec(
        `insert into idempotency (principal_id, key, method, result, at) values ('p', 'expired', 'threads.create', '{}', ?)`,
        LONG_AGO,
      );
      sql.exec(`insert into gateway_imports (instance_id, key, at) values ('i', 'expired', ?)`, LONG_AGO);
      for (let i = 0; i < AUDIT_RETAIN + 20; i++)
        appendAudit(sqlFromStorage(state.storage), null, "test.entry", `t${i}`, {}, Date.now());
      // Due now: the alarm runs it through the room's scheduler like the hourly one.
      await room.scheduler.set(new Date(), "sweepRetention");
    });
    await runInDurableObject(hatchery(ws), async (_canvas, state) => {
      state.storage.sql.exec(
        `insert into graph_idempotency (principal_id, key, result, at) values ('p', 'expired', '{}', ?)`,
        LONG_AGO,
      );
    });

    expect(await runDurableObjectAlarm(autopilot(ws))).toBe(true);

    await runInDurableObject(autopilot(ws), async (_room, state) => {
      const sql = state.storage.sql;
      expect(sql.exec(`select key from idempotency where key = 'expired'`).toArray()).toEqual([]);
      expect(count(state.storage, "idempotency")).toBeGreaterThan(0); // today's stay
      expect(count(state.storage, "gateway_imports")).toBe(0);
      expect(count(state.storage, "audit")).toBe(AUDIT_RETAIN);
    });
    await runInDurableObject(hatchery(ws), async (_canvas, state) => {
      expect(state.storage.sql.exec(`select key from graph_idempotency where key = 'expired'`).toArray()).toEqual([]);
    });
    // Paged and capped: the newest entries, newest first.
    const page = await sock.ok("audit.list", { limit: 10 });
    expect(page.entries.map((e) => e.targetId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `t${AUDIT_RETAIN + 19 - i}`),
    );
    expect(page.hasMore).toBe(true);
    sock.close();
  });

  it("a room with nothing left to forget drops its sweep, so an idle room is not woken for nothing", async () => {
    const { ws, sock } = await ownWorkspace();
    // A read: no idempotency record, but the sweep is scheduled like after any request.
    await sock.ok("threads.list", {});
    const callbacks = () =>
      runInDurableObject(autopilot(ws), async (room: Autopilot) =>
        (await room.scheduler.list()).map((s) => s.callback),
      );
    expect(await callbacks()).toContain("sweepRetention");
    await runInDurableObject(autopilot(ws), (room: Autopilot) => room.scheduler.set(new Date(), "sweepRetention"));
    expect(await runDurableObjectAlarm(autopilot(ws))).toBe(true);
    expect(await callbacks()).not.toContain("sweepRetention");
    // The next write schedules it again.
    await sock.ok("threads.create", { title: "again", idempotencyKey: idem() });
    expect(await callbacks()).toContain("sweepRetention");
    sock.close();
  });

  it("the Worker's cron deletes expired connect tickets, unused ones included", async () => {
    const insert = (hash: string, expiresAt: number) =>
      testEnv.DB.prepare(
        `insert into "connect_ticket" ("hash", "workspaceId", "principal", "expiresAt") values (?, 'w', '{}', ?)`,
      )
        .bind(hash, expiresAt)
        .run();
    const stale = `stale-${crypto.randomUUID()}`;
    const live = `live-${crypto.randomUUID()}`;
    await insert(stale, Date.now() - 1000);
    await insert(live, Date.now() + 60_000);
    await worker.scheduled(createScheduledController({ cron: "*/15 * * * *" }), testEnv as never);
    const left = await testEnv.DB.prepare(`select "hash" from "connect_ticket" where "hash" in (?, ?)`)
      .bind(stale, live)
      .all<{ hash: string }>();
    expect(left.results.map((r) => r.hash)).toEqual([live]);
  });
});
