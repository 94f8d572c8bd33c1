// `npm run bench`'s delivery by interest (protocol 18): a workspace of N sockets where V of
// them view the thread a writer posts in (the rest view another thread, as people in the app
// do), against a workspace of N sockets that each get everything (every socket before 18, an
// agent that leaves `view` out). Both in the room's own server, connected at once, blocks
// rotating. Per chat message: the Worker process's CPU (its bumps to the others included) and
// the bytes all N sockets receive. An edit is done when every socket that gets its body has it.
import { roomSocketUrl, signUpPerson } from "./bench-person.mjs";
import { chatEdits, open, openMany, rotateEdits } from "./suite-fanout.mjs";

/** A workspace of `n` sockets; `viewers` of them view the posted thread (null: nobody chooses, all get it). */
export async function openWorkspace(room, n, viewers, label) {
  const person = await signUpPerson(room.server.url, label);
  const key = await person.createKey("bench");
  const base = roomSocketUrl(room.target.url, person.workspace, "bench");
  const writer = await open(base, { "x-api-key": key });
  let id = 0;
  const answer = (method, params) =>
    new Promise((resolve, reject) => {
      const rid = `r${id++}`;
      const onMessage = (d) => {
        const f = JSON.parse(d);
        if (f.type !== "res" || f.id !== rid) return;
        writer.off("message", onMessage);
        if (f.ok) resolve(f.payload);
        else reject(new Error(`${method}: ${JSON.stringify(f.error)}`));
      };
      writer.on("message", onMessage);
      writer.send(JSON.stringify({ type: "req", id: rid, method, params }));
    });
  const thread = async (title) => {
    const { thread } = await answer("threads.create", { title, idempotencyKey: `${label}-${title}-${Date.now()}` });
    // Nobody answers it (the room's server has a model for the assistant bench).
    await answer("threads.configure", {
      threadId: thread.id,
      responder: "none",
      idempotencyKey: `${label}-${title}-quiet-${Date.now()}`,
    });
    return thread.id;
  };
  const posted = await thread("posted");
  const other = await thread("other");
  const sockets = await openMany(n, (i) =>
    open(viewers === null ? base : `${base}&view=${i < viewers ? posted : other}`, { cookie: person.cookie }),
  );
  const getting = viewers === null ? sockets : sockets.slice(0, viewers);
  let bytes = 0;
  for (const s of sockets) s.on("message", (data) => (bytes += data.length));
  const timer = chatEdits(writer, getting, posted, `${label}-edit`);
  return {
    sockets,
    /** `edits` messages: per message, not per delivery. */
    edits: async (edits) => {
      bytes = 0;
      const { latencies } = await timer(edits);
      return { ops: edits, bytes: { frames: bytes }, latencies };
    },
    close: () => {
      for (const s of [writer, ...sockets]) s.terminate();
    },
  };
}

/** N sockets, V of them viewing: the room with interest against the room sending everyone everything. */
export async function interest({ room, n, viewers, edits, warmup, blocks, profile }) {
  const sides = {
    room: await openWorkspace(room, n, viewers, `interest-${n}`),
    floor: await openWorkspace(room, n, null, `everyone-${n}`),
  };
  return rotateEdits(sides, { room: room.cpu, floor: room.cpu }, edits, { warmup, blocks, profile });
}
