// A thread read through the domain (getThread) is the stored record as it is now: the
// decoded record a room keeps for its next reads is the one its stored text was decoded
// into, never one its text has since left, and nobody can change it in place.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sqlFromStorage } from "../domain/sql";
import { getThread } from "../domain/threads";
import { idem, RawSocket, signUp } from "./harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace }).Autopilot;

describe("thread reads", () => {
  it("read again after the stored record changed, by any writer, a thread is the changed one; a thread read is frozen", async () => {
    const owner = await signUp();
    const sock = await RawSocket.open(owner.workspaceId, { cookie: owner.cookie });
    await sock.hello();
    const { thread } = await sock.ok("threads.create", { title: "before", idempotencyKey: idem() });
    const stub = rooms.get(rooms.idFromName(owner.workspaceId));
    await runInDurableObject(stub, (_room, state) => {
      const sql = sqlFromStorage(state.storage);
      const read = getThread(sql, thread.id)!;
      expect(read.title).toBe("before");
      expect(Object.isFrozen(read)).toBe(true);
      expect(() => {
        (read as { title: string }).title = "in place";
      }).toThrow(TypeError);
      const { doc } = state.storage.sql.exec<{ doc: string }>(`select doc from threads where id = ?`, thread.id).one();
      state.storage.sql.exec(`update threads set doc = ? where id = ?`, JSON.stringify({ ...JSON.parse(doc), title: "changed" }), thread.id);
      expect(getThread(sql, thread.id)!.title).toBe("changed");
    });
    await sock.ok("threads.rename", { threadId: thread.id, title: "renamed", idempotencyKey: idem() });
    await runInDurableObject(stub, (_room, state) => {
      expect(getThread(sqlFromStorage(state.storage), thread.id)!.title).toBe("renamed");
    });
    sock.close();
  });
});
