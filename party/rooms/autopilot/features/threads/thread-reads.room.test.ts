// A thread read through the domain (getThread) is the stored record as it is now: the
// decoded record a room keeps for its next reads is the one its stored text was decoded
// into, never one its text has since left, and nobody can change it in place; what a turn
// read is kept for that turn only until it writes. The same for an idempotency key's answer.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Principal } from "../../../../../shared/protocol/principal";
import { createOpContext } from "../../kernel/commit";
import { recall, remember } from "../../kernel/dispatch";
import { sqlFromStorage } from "../../../../domain/sql";
import { getThread, updateThread } from "./threads";
import { idem, ownWorkspace } from "../../../../test/harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;

describe("thread reads", () => {
  it("read again after the stored record changed, by any writer, a thread is the changed one; a thread read is frozen", async () => {
    const { owner, sock } = await ownWorkspace();
    const { thread } = await sock.ok("threads.create", { title: "before", idempotencyKey: idem() });
    const stub = rooms.get(rooms.idFromName(owner.workspaceId));
    await runInDurableObject(stub, async (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      const read = getThread(sql, thread.id)!;
      expect(read.title).toBe("before");
      expect(Object.isFrozen(read)).toBe(true);
      expect(() => {
        (read as { title: string }).title = "in place";
      }).toThrow(TypeError);
      const { doc } = state.storage.sql.exec<{ doc: string }>(`select doc from threads where id = ?`, thread.id).one();
      state.storage.sql.exec(
        `update threads set doc = ? where id = ?`,
        JSON.stringify({ ...JSON.parse(doc), title: "changed" }),
        thread.id,
      );
      // A turn keeps what it read (only the domain writes threads); the next turn reads again.
      await Promise.resolve();
      expect(getThread(sql, thread.id)!.title).toBe("changed");
    });
    await sock.ok("threads.rename", { threadId: thread.id, title: "renamed", idempotencyKey: idem() });
    await runInDurableObject(stub, (_room, state) => {
      expect(getThread(sqlFromStorage(state.storage), thread.id)!.title).toBe("renamed");
    });
    sock.close();
  });

  it("within one turn, a thread written is read back as written, and as it was when its transaction rolled back", async () => {
    const { owner, sock } = await ownWorkspace();
    const { thread } = await sock.ok("threads.create", { title: "first", idempotencyKey: idem() });
    await runInDurableObject(rooms.get(rooms.idFromName(owner.workspaceId)), (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      const as: Principal = { id: owner.userId, kind: "user", name: owner.name, role: "owner", scopes: ["admin"] };
      const write = (title: string) => {
        const { ctx } = createOpContext(sql, as, Date.now());
        updateThread(ctx, { ...getThread(sql, thread.id)!, title });
      };
      expect(getThread(sql, thread.id)!.title).toBe("first");
      sql.transaction(() => write("second"));
      expect(getThread(sql, thread.id)!.title).toBe("second");
      expect(() =>
        sql.transaction(() => {
          write("rolled back");
          expect(getThread(sql, thread.id)!.title).toBe("rolled back");
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      expect(getThread(sql, thread.id)!.title).toBe("second");
      // An idempotency key unanswered, answered in a transaction that rolled back, then answered.
      expect(recall(sql, as.id, "k1", "threads.rename")).toBeUndefined();
      expect(() =>
        sql.transaction(() => {
          remember(sql, as.id, "k1", "threads.rename", { thread }, Date.now());
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      expect(recall(sql, as.id, "k1", "threads.rename")).toBeUndefined();
      sql.transaction(() => remember(sql, as.id, "k1", "threads.rename", { thread }, Date.now()));
      expect(recall(sql, as.id, "k1", "threads.rename")).toEqual({ thread });
    });
    sock.close();
  });

  it("threads.list pages newest first from its cursor, archived threads only when asked", async () => {
    const { sock } = await ownWorkspace();
    const made: string[] = [];
    for (const title of ["one", "two", "three", "four"]) {
      const { thread } = await sock.ok("threads.create", { title, idempotencyKey: idem() });
      made.push(thread.id);
    }
    await sock.ok("threads.archive", { threadId: made[1]!, idempotencyKey: idem() });
    const walk = async (includeArchived: boolean) => {
      const seen: { id: string; updatedAt: number }[] = [];
      let before: { at: number; id: string } | undefined;
      for (let page = 0; page < 10; page++) {
        const { threads, next } = await sock.ok("threads.list", {
          limit: 1,
          includeArchived,
          ...(before ? { before } : {}),
        });
        seen.push(...threads);
        if (!next) break;
        before = next;
      }
      const ours = seen.filter((t) => made.includes(t.id));
      // Newest first (ties by id), each thread once.
      const sorted = [...ours].sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      expect(ours.map((t) => t.id)).toEqual(sorted.map((t) => t.id));
      return ours.map((t) => t.id).sort();
    };
    expect(await walk(false)).toEqual([made[0], made[2], made[3]].sort());
    expect(await walk(true)).toEqual([...made].sort());
    sock.close();
  });
});
