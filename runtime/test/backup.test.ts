// Backups without a gateway: a live WAL-mode SQLite database is snapshotted consistently,
// caches and logs are left out, and a restore puts everything back.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { BackupStore } from "../src/backup";

const tmp = mkdtempSync(join(tmpdir(), "runtime-backup-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("backup store", () => {
  const ref = { workspaceId: "ws1", instanceId: "alpha" };
  const store = new BackupStore(join(tmp, "data"));
  const instanceDir = join(tmp, "data", "instances", "ws1", "alpha");

  it("archives an instance with a live database and restores it", async () => {
    mkdirSync(join(instanceDir, "state", "state"), { recursive: true });
    mkdirSync(join(instanceDir, "state", "cache", "big"), { recursive: true });
    mkdirSync(join(instanceDir, "logs"), { recursive: true });
    writeFileSync(join(instanceDir, "openclaw.json"), "{}\n");
    writeFileSync(join(instanceDir, "state", "cache", "big", "asset.js"), "x".repeat(1000));
    writeFileSync(join(instanceDir, "logs", "gateway.log"), "log\n");
    // Held open in WAL mode, as the gateway holds it: the rows live in the -wal file.
    const live = new DatabaseSync(join(instanceDir, "state", "state", "openclaw.sqlite"));
    live.exec("PRAGMA journal_mode=WAL; CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('one'), ('two');");

    const created = await store.create(ref, instanceDir);
    live.close();
    expect(created.ok).toBe(true);
    if (!created.ok) return;
    expect(created.value.path).toMatch(/backups\/ws1\/alpha\/\d{4}-\d\d-\d\dT[\d-]+Z\.tar\.gz$/);
    expect(store.latest(ref)?.name).toBe(created.value.name);
    const listing = execFileSync("tar", ["-tzf", created.value.path], { encoding: "utf8" });
    expect(listing).toContain("./openclaw.json");
    expect(listing).toContain("./state/state/openclaw.sqlite");
    expect(listing).not.toContain("-wal");
    expect(listing).not.toContain("cache");
    expect(listing).not.toContain("logs");

    const target = join(tmp, "restored");
    const restored = await store.restore(created.value.path, target);
    expect(restored.ok).toBe(true);
    expect(readFileSync(join(target, "openclaw.json"), "utf8")).toBe("{}\n");
    const copy = new DatabaseSync(join(target, "state", "state", "openclaw.sqlite"), { readOnly: true });
    expect(copy.prepare("SELECT v FROM t ORDER BY v").all()).toEqual([{ v: "one" }, { v: "two" }]);
    copy.close();
  });

  it("archives on delete: a final snapshot and the earlier backups move aside", async () => {
    const archived = await store.archive(ref, instanceDir);
    expect(archived.ok).toBe(true);
    if (!archived.ok) return;
    expect(archived.value?.path).toContain(join("archive", "ws1", "alpha"));
    expect(existsSync(store.dirFor(ref))).toBe(false);
    expect(store.latest(ref)).toBeUndefined();
  });

  it("reports a missing instance as a value, not an exception", async () => {
    const result = await store.create({ workspaceId: "ws1", instanceId: "none" }, join(tmp, "nope"));
    expect(result).toMatchObject({ ok: false, error: { code: "not_found" } });
  });

  it("restores a chosen backup over existing state, and retention keeps the newest", async () => {
    const betaRef = { workspaceId: "ws1", instanceId: "beta" };
    const dir = join(tmp, "data", "instances", "ws1", "beta");
    mkdirSync(join(dir, "workspace"), { recursive: true });
    const names: string[] = [];
    // Names are millisecond timestamps: each backup is made a second after the one before.
    const base = Date.now();
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      for (const [i, content] of ["A", "B", "C"].entries()) {
        vi.setSystemTime(base + i * 1000);
        writeFileSync(join(dir, "workspace", "note.txt"), content);
        const made = await store.create(betaRef, dir);
        if (!made.ok) throw new Error(made.error.message);
        names.push(made.value.name);
      }
    } finally {
      vi.useRealTimers();
    }
    writeFileSync(join(dir, "workspace", "note.txt"), "after");
    writeFileSync(join(dir, "workspace", "later.txt"), "only after");

    const first = store.list(betaRef).find((b) => b.name === names[0]);
    if (!first) throw new Error("backup A missing");
    expect((await store.restore(first.path, dir)).ok).toBe(true);
    expect(readFileSync(join(dir, "workspace", "note.txt"), "utf8")).toBe("A");
    // Replaced, not merged: what was written after backup A is gone.
    expect(existsSync(join(dir, "workspace", "later.txt"))).toBe(false);

    // A broken archive leaves the state as it was.
    writeFileSync(join(tmp, "broken.tar.gz"), "not a tarball");
    expect(await store.restore(join(tmp, "broken.tar.gz"), dir)).toMatchObject({
      ok: false,
      error: { code: "backup_failed" },
    });
    expect(readFileSync(join(dir, "workspace", "note.txt"), "utf8")).toBe("A");

    expect(store.prune(betaRef, 2)).toEqual([names[0]]);
    expect(store.list(betaRef).map((b) => b.name)).toEqual(names.slice(1));
    expect(store.prune(betaRef, 2)).toEqual([]);
  });

  it("a backup made while the gateway writes through temporary files it renames succeeds every time", async () => {
    const gammaRef = { workspaceId: "ws1", instanceId: "gamma" };
    const dir = join(tmp, "data", "instances", "ws1", "gamma");
    mkdirSync(join(dir, "state"), { recursive: true });
    writeFileSync(join(dir, "openclaw.json"), "{}\n");
    // A writer like the gateway's own: each file written aside, then renamed into place.
    const writer = spawn(
      process.execPath,
      [
        "-e",
        `const fs = require("node:fs"), path = require("node:path");
         const dir = process.argv[1];
         process.stdout.write("writing\\n");
         for (;;) for (let i = 0; i < 200; i++) {
           const file = path.join(dir, "session-" + i + ".json");
           fs.writeFileSync(file + ".tmp", String(i));
           fs.renameSync(file + ".tmp", file);
         }`,
        join(dir, "state"),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await once(writer.stdout, "data");
      const failures: string[] = [];
      for (let i = 0; i < 20; i++) {
        const made = await store.create(gammaRef, dir);
        if (!made.ok) failures.push(made.error.message);
      }
      expect(failures).toEqual([]);
    } finally {
      writer.kill();
    }
    const listing = execFileSync("tar", ["-tzf", store.latest(gammaRef)!.path], { encoding: "utf8" });
    expect(listing).toContain("./openclaw.json");
  });
});
