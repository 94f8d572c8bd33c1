// The log's seq as the domain reads it (currentSeq): read once and kept between turns until an
// append, and always what storage holds, an append and its rollback included.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../../../shared/protocol/settings";
import { appendEvent, commitTo, createOpContext, currentSeq } from "./commit";
import { sqlFromStorage } from "../../../domain/sql";
import { signUp } from "../../../test/harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;
const settings = { settings: DEFAULT_SETTINGS };

describe("the log's seq", () => {
  it("follows an append in the same turn and is back where it was after a rolled-back one, in later turns too", async () => {
    const owner = await signUp();
    const room = rooms.get(rooms.idFromName(owner.workspaceId));
    let before = 0;
    await runInDurableObject(room, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      before = currentSeq(sql);
      sql.transaction(() => appendEvent(sql, "settings.changed", settings, Date.now(), 100));
      expect(currentSeq(sql)).toBe(before + 1);
      expect(() =>
        sql.transaction(() => {
          appendEvent(sql, "settings.changed", settings, Date.now(), 100);
          expect(currentSeq(sql)).toBe(before + 2);
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      expect(currentSeq(sql)).toBe(before + 1);
    });
    // A later turn: what is kept is the committed seq, and the next append follows it.
    await runInDurableObject(room, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      expect(currentSeq(sql)).toBe(before + 1);
      expect(sql.transaction(() => appendEvent(sql, "settings.changed", settings, Date.now(), 100)).seq).toBe(
        before + 2,
      );
    });
    await runInDurableObject(room, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      expect(currentSeq(sql)).toBe(before + 2);
      expect(sql.one<{ value: string }>("select value from room_meta where key = 'seq'")?.value).toBe(
        String(before + 2),
      );
    });
  });

  it("an event emitted through a context in a bare transaction leaves the log's end written: the next commit follows it", async () => {
    // The gateway tests' harness writes as the room this way (party/test/bridge-peer.ts asRoom),
    // not through commitTo: each emit must keep the log's end itself, or the next commit reuses a seq.
    const owner = await signUp();
    const room = rooms.get(rooms.idFromName(owner.workspaceId));
    await runInDurableObject(room, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      const before = currentSeq(sql);
      const { ctx } = createOpContext(sql, null, Date.now());
      sql.transaction(() => {
        ctx.emit("settings.changed", settings);
        ctx.emit("settings.changed", settings);
      });
      expect(sql.one<{ value: string }>("select value from room_meta where key = 'seq'")?.value).toBe(
        String(before + 2),
      );
      const commit = commitTo(sql, 100, () => {});
      const next = commit(null, (c) => {
        c.emit("settings.changed", settings);
        return currentSeq(sql);
      });
      expect(next).toBe(before + 3);
      expect(currentSeq(sql)).toBe(before + 3);
    });
  });
});
