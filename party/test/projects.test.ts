// Projects (protocol 9, features/projects/): create, read, change, archive and list them
// over the real room; a thread in at most one project; bounds and hostile input refused with
// typed errors that change nothing; scopes; every change reaching the other sockets; the
// hello's bounded snapshot, also for a client of the previous version.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../shared/protocol/frames";
import { OLDEST_PROTOCOL_VERSION } from "../../shared/protocol/version";
import {
  MAX_PROJECT_BRIEF,
  MAX_PROJECT_LINKS,
  MAX_PROJECT_NAME,
  MAX_PROJECT_THREADS,
  type Project,
} from "../../shared/protocol/projects";
import { UNATTACHED_FILE_TTL_MS } from "../rooms/autopilot/features/threads/files";
import type { Autopilot } from "../rooms/autopilot/room";
import { download, upload } from "./files-harness";
import { addMember, createKey, idem, RawSocket, signUp, uniq } from "./harness";

const rooms = (env as unknown as { Autopilot: DurableObjectNamespace<Autopilot> }).Autopilot;

async function team() {
  const owner = await signUp();
  const ws = owner.workspaceId;
  const member = await signUp();
  await addMember(owner, ws, member, "member");
  const [ownerSocket, memberSocket] = await Promise.all([
    RawSocket.open(ws, { cookie: owner.cookie }),
    RawSocket.open(ws, { cookie: member.cookie }),
  ]);
  await Promise.all([ownerSocket.hello(), memberSocket.hello()]);
  return { owner, member, ws, ownerSocket, memberSocket };
}

const newThread = async (socket: RawSocket, title = uniq("thread")) =>
  (await socket.ok("threads.create", { title, idempotencyKey: idem() })).thread;

/** The `project.changed` events a socket got for one project, oldest first. */
const changes = (socket: RawSocket, projectId: string): Project[] =>
  socket
    .events("project.changed")
    .map((e) => (e.payload as { project: Project }).project)
    .filter((p) => p.id === projectId);

const changedTo = (socket: RawSocket, pick: (p: Project) => boolean) =>
  socket.waitForEvent<{ project: Project }>("project.changed", ({ project }) => pick(project));

describe("projects", () => {
  it("are created, read, changed, archived and restored; every change reaches the other sockets", async () => {
    const { ownerSocket, memberSocket } = await team();
    const [t1, t2] = [await newThread(ownerSocket), await newThread(ownerSocket)];
    const { project } = await ownerSocket.ok("projects.create", {
      name: "  Launch 2.4  ",
      brief: "## Goal\nShip it.",
      links: [{ url: "https://example.com/spec", title: "Spec" }],
      threadIds: [t1.id, t1.id],
      idempotencyKey: idem(),
    });
    expect(project).toMatchObject({
      name: "Launch 2.4",
      brief: "## Goal\nShip it.",
      links: [{ url: "https://example.com/spec", title: "Spec" }],
      threadIds: [t1.id],
      instanceIds: [],
      files: [],
      archived: false,
    });
    expect(project.createdBy.kind).toBe("user");
    // The member's socket hears of it, as it is.
    await changedTo(memberSocket, (p) => p.id === project.id);
    expect(changes(memberSocket, project.id)).toEqual([project]);

    expect((await memberSocket.ok("projects.get", { projectId: project.id })).project).toEqual(project);

    // A member with write changes it; the owner's socket follows.
    const { project: edited } = await memberSocket.ok("projects.update", {
      projectId: project.id,
      name: "Launch 2.4 (beta)",
      addThreadIds: [t2.id],
      removeThreadIds: [t1.id],
      links: [],
      ifUpdatedAt: project.updatedAt,
      idempotencyKey: idem(),
    });
    expect(edited).toMatchObject({ name: "Launch 2.4 (beta)", threadIds: [t2.id], links: [], brief: project.brief });
    await changedTo(ownerSocket, (p) => p.id === project.id && p.name === "Launch 2.4 (beta)");

    // Nothing to change: no event, the same project.
    const before = memberSocket.events("project.changed").length;
    const same = await memberSocket.ok("projects.update", {
      projectId: project.id,
      name: "Launch 2.4 (beta)",
      idempotencyKey: idem(),
    });
    expect(same.project).toEqual(edited);

    const { project: archived } = await ownerSocket.ok("projects.archive", {
      projectId: project.id,
      idempotencyKey: idem(),
    });
    expect(archived.archived).toBe(true);
    await changedTo(memberSocket, (p) => p.id === project.id && p.archived);
    // The archive is the only change since: the no-op update sent nothing.
    expect(memberSocket.events("project.changed").length).toBe(before + 1);
    expect((await ownerSocket.ok("projects.list", {})).projects.map((p) => p.id)).not.toContain(project.id);
    expect((await ownerSocket.ok("projects.list", { includeArchived: true })).projects.map((p) => p.id)).toContain(
      project.id,
    );
    const { project: restored } = await ownerSocket.ok("projects.archive", {
      projectId: project.id,
      archived: false,
      idempotencyKey: idem(),
    });
    expect(restored).toMatchObject({ archived: false, threadIds: [t2.id] });
  });

  it("a thread belongs to one project at most: adding it to one takes it out of the other, which says so", async () => {
    const { ownerSocket, memberSocket } = await team();
    const [t1, t2] = [await newThread(ownerSocket), await newThread(ownerSocket)];
    const a = (
      await ownerSocket.ok("projects.create", { name: "A", threadIds: [t1.id, t2.id], idempotencyKey: idem() })
    ).project;
    const b = (await ownerSocket.ok("projects.create", { name: "B", threadIds: [t1.id], idempotencyKey: idem() }))
      .project;
    expect(b.threadIds).toEqual([t1.id]);
    const aAfter = await changedTo(memberSocket, (p) => p.id === a.id && !p.threadIds.includes(t1.id));
    expect((aAfter.payload as { project: Project }).project.threadIds).toEqual([t2.id]);
    expect((await ownerSocket.ok("projects.get", { projectId: a.id })).project.threadIds).toEqual([t2.id]);

    // And by update: t2 moves from A to B.
    await ownerSocket.ok("projects.update", { projectId: b.id, addThreadIds: [t2.id], idempotencyKey: idem() });
    const [now, other] = await Promise.all([
      ownerSocket.ok("projects.get", { projectId: b.id }),
      ownerSocket.ok("projects.get", { projectId: a.id }),
    ]);
    expect(now.project.threadIds).toEqual([t1.id, t2.id]);
    expect(other.project.threadIds).toEqual([]);
  });

  it("refuses bad input with typed errors and changes nothing", async () => {
    const { ownerSocket, memberSocket, ws, member } = await team();
    const thread = await newThread(ownerSocket);
    const { project } = await ownerSocket.ok("projects.create", {
      name: "Kept",
      brief: "as it was",
      threadIds: [thread.id],
      idempotencyKey: idem(),
    });
    await changedTo(memberSocket, (p) => p.id === project.id);
    const seen = memberSocket.events("project.changed").length;
    const refused = async (method: "projects.create" | "projects.update", params: Record<string, unknown>) => {
      const res = await ownerSocket.call(method, { idempotencyKey: idem(), ...params });
      expect(res.ok, `${method} ${JSON.stringify(params).slice(0, 120)} was not refused`).toBe(false);
      return (res as unknown as { error: { code: string; details?: Record<string, unknown> } }).error;
    };
    const update = (params: Record<string, unknown>) =>
      refused("projects.update", { projectId: project.id, ...params });

    expect((await refused("projects.create", { name: "x".repeat(MAX_PROJECT_NAME + 1) })).code).toBe("bad_request");
    expect((await refused("projects.create", { name: "   " })).code).toBe("bad_request");
    expect((await update({ brief: "b".repeat(MAX_PROJECT_BRIEF + 1) })).code).toBe("bad_request");
    const links = Array.from({ length: MAX_PROJECT_LINKS + 1 }, (_, i) => ({ url: `https://e.com/${i}`, title: "" }));
    expect((await update({ links })).code).toBe("bad_request");
    for (const url of ["javascript:alert(1)", "data:text/html,hi", "ftp://example.com/x", "/relative", "https://"])
      expect((await update({ links: [{ url, title: "x" }] })).code, url).toBe("bad_request");
    const tooMany = Array.from({ length: MAX_PROJECT_THREADS + 1 }, (_, i) => `thr_${i}`);
    expect((await update({ addThreadIds: tooMany })).code).toBe("bad_request");
    expect(await update({ addThreadIds: ["thr_nope"], brief: "changed" })).toMatchObject({
      code: "not_found",
      details: { threadId: "thr_nope" },
    });
    expect((await refused("projects.create", { name: "N", threadIds: [thread.id, "thr_nope"] })).code).toBe(
      "not_found",
    );
    expect((await update({ addInstanceIds: ["nope"] })).code).toBe("not_found");
    expect((await update({ addFileIds: ["file_nope"] })).code).toBe("not_found");
    expect((await update({ addThreadIds: [thread.id], removeThreadIds: [thread.id] })).code).toBe("bad_request");
    expect(await update({ ifUpdatedAt: project.updatedAt - 1, brief: "overwrite" })).toMatchObject({
      code: "conflict",
      details: { updatedAt: project.updatedAt },
    });
    expect((await refused("projects.update", { projectId: "prj_nope", brief: "x" })).code).toBe("not_found");
    // A file someone else uploaded and no message carries is not one to name (nor to learn of).
    const theirs = await upload(ws, { cookie: member.cookie }, new TextEncoder().encode("notes"), {
      type: "text/plain",
      name: "theirs.txt",
    });
    expect(theirs.status).toBe(201);
    expect((await update({ addFileIds: [theirs.body.file.id] })).code).toBe("not_found");

    // Nothing changed for anyone: the project as it was, and no event went out.
    expect((await ownerSocket.ok("projects.get", { projectId: project.id })).project).toEqual(project);
    expect((await ownerSocket.ok("projects.list", {})).projects.map((p) => p.name)).toEqual(["Kept"]);
    const marker = await ownerSocket.ok("projects.update", {
      projectId: project.id,
      brief: "now changed",
      idempotencyKey: idem(),
    });
    await changedTo(memberSocket, (p) => p.id === project.id && p.brief === "now changed");
    expect(memberSocket.events("project.changed").length).toBe(seen + 1);
    expect(marker.project.threadIds).toEqual([thread.id]);
  });

  it("keeps its files: one's own upload is claimed (the retention sweep leaves it), with its name and size", async () => {
    const { owner, ownerSocket, ws } = await team();
    const mine = await upload(ws, { cookie: owner.cookie }, new TextEncoder().encode("# Spec\n"), {
      type: "text/markdown",
      name: "spec.md",
    });
    expect(mine.status).toBe(201);
    const { project } = await ownerSocket.ok("projects.create", {
      name: "With files",
      fileIds: [mine.body.file.id],
      idempotencyKey: idem(),
    });
    expect(project.files).toEqual([{ id: mine.body.file.id, name: "spec.md", type: "text/markdown", size: 7 }]);
    // Claimed by the project: a message can no longer take it (it is carried already).
    const thread = await newThread(ownerSocket);
    const send = await ownerSocket.call("chat.send", {
      threadId: thread.id,
      text: "",
      attachments: [mine.body.file.id],
      idempotencyKey: idem(),
    });
    expect(send.ok).toBe(false);
    // A day later the retention sweep (which deletes files nothing carries) leaves it; a loose upload goes.
    const loose = await upload(ws, { cookie: owner.cookie }, new TextEncoder().encode("loose"), {
      type: "text/plain",
      name: "loose.txt",
    });
    const stub = rooms.get(rooms.idFromName(ws));
    await runInDurableObject(stub, async (room: Autopilot, state) => {
      state.storage.sql.exec("update files set created_at = ?", Date.now() - UNATTACHED_FILE_TTL_MS - 1000);
      await room.scheduler.set(new Date(), "sweepRetention");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await download(ws, loose.body.file.id, { cookie: owner.cookie })).status).toBe(404);
    expect((await download(ws, mine.body.file.id, { cookie: owner.cookie })).status).toBe(200);
    const { project: without } = await ownerSocket.ok("projects.update", {
      projectId: project.id,
      removeFileIds: [mine.body.file.id],
      idempotencyKey: idem(),
    });
    expect(without.files).toEqual([]);
  });

  it("needs write to change: an agent key with read only is refused and changes nothing", async () => {
    const { owner, ws, ownerSocket } = await team();
    const { project } = await ownerSocket.ok("projects.create", { name: "Guarded", idempotencyKey: idem() });
    const key = await createKey(owner, ws, ["read"], "reader");
    const reader = await RawSocket.open(ws, { key: key.key });
    await reader.hello();
    for (const [method, params] of [
      ["projects.create", { name: "Not mine" }],
      ["projects.update", { projectId: project.id, brief: "hijacked" }],
      ["projects.archive", { projectId: project.id }],
    ] as const) {
      const res = await reader.call(method, { ...params, idempotencyKey: idem() });
      expect(res.ok, method).toBe(false);
      expect((res as unknown as { error: { code: string } }).error.code, method).toBe("forbidden");
    }
    // It may read.
    expect((await reader.ok("projects.list", {})).projects).toEqual([project]);
    expect((await reader.ok("projects.get", { projectId: project.id })).project).toEqual(project);
    reader.close();
  });

  it("are in the hello's snapshot (not archived ones), bounded, and the same for a client of the previous version", async () => {
    const { owner, ws, ownerSocket } = await team();
    const { project: kept } = await ownerSocket.ok("projects.create", { name: "Kept", idempotencyKey: idem() });
    const { project: old } = await ownerSocket.ok("projects.create", { name: "Old", idempotencyKey: idem() });
    await ownerSocket.ok("projects.archive", { projectId: old.id, idempotencyKey: idem() });

    const fresh = await RawSocket.open(ws, { cookie: owner.cookie });
    const hello = await fresh.hello();
    expect(hello.snapshot?.projects.map((p) => p.id)).toEqual([kept.id]);
    expect(hello.snapshot?.more.projects).toEqual({ left: 0, next: null });
    fresh.close();

    // Projects are part of the previous version too: its socket gets them as they are.
    const older = await RawSocket.open(ws, { cookie: owner.cookie }, { protocol: OLDEST_PROTOCOL_VERSION });
    const helloOld = await older.hello();
    expect(helloOld.protocol).toBe(OLDEST_PROTOCOL_VERSION);
    expect(helloOld.snapshot?.projects.map((p) => p.id)).toEqual([kept.id]);
    await ownerSocket.ok("projects.update", { projectId: kept.id, brief: "new", idempotencyKey: idem() });
    const event = await older.waitFor<EventFrame>((f) => f.type === "event" && f.event === "project.changed");
    expect(event.seq).toBeGreaterThan(helloOld.seq);
    older.close();
  });

  it("list pages newest first with a cursor, each project once", async () => {
    const { ownerSocket } = await team();
    const ids: string[] = [];
    for (const name of ["one", "two", "three"])
      ids.push((await ownerSocket.ok("projects.create", { name, idempotencyKey: idem() })).project.id);
    const first = await ownerSocket.ok("projects.list", { limit: 2 });
    expect(first.projects).toHaveLength(2);
    expect(first.next).not.toBeNull();
    const second = await ownerSocket.ok("projects.list", { limit: 2, before: first.next! });
    expect(second.next).toBeNull();
    const all = [...first.projects, ...second.projects];
    expect(all.map((p) => p.id).sort()).toEqual([...ids].sort());
    // Newest first; a tie in time goes by id, as the cursor does.
    const order = (a: Project, b: Project) => b.updatedAt - a.updatedAt || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
    expect(all).toEqual([...all].sort(order));
  });
});
