// `npm run bench`'s fan-out tier (docs/scale.md): a workspace of N sockets that each get every
// message, held by the room's four delivery objects (a second room server with
// DELIVERY_OBJECTS=4), against the same workspace held by its one object. Per chat message: the
// Worker process's CPU (the room's and the delivery objects' alike: locally they share one
// workerd), and whether every socket got every message once and in order (by its seq).
import { openWorkspace } from "./suite-interest.mjs";
import { rotateEdits } from "./suite-fanout.mjs";

/** Each socket's durable seqs, to check after the blocks that none was lost, repeated or reordered. */
function followSeqs(sockets) {
  const seen = sockets.map(() => []);
  for (const [i, socket] of sockets.entries())
    socket.on("message", (data) => {
      const text = data.toString();
      if (!text.includes('"seq"')) return;
      const frame = JSON.parse(text);
      if (frame.type === "event" && typeof frame.seq === "number") seen[i].push(frame.seq);
    });
  return () => {
    let gaps = 0;
    let repeats = 0;
    for (const seqs of seen)
      for (let j = 1; j < seqs.length; j++) {
        if (seqs[j] <= seqs[j - 1]) repeats++;
        else if (seqs[j] !== seqs[j - 1] + 1) gaps++;
      }
    return { sockets: seen.length, events: seen.reduce((sum, s) => sum + s.length, 0), gaps, repeats };
  };
}

/** N sockets, every one getting every message: four delivery objects against one object. */
export async function tier({ room, tiered, n, edits, warmup, blocks, profile }) {
  const sides = {
    room: await openWorkspace(tiered, n, null, `tier-${n}`),
    floor: await openWorkspace(room, n, null, `one-object-${n}`),
  };
  const checked = followSeqs(sides.room.sockets);
  const result = await rotateEdits(sides, { room: tiered.cpu, floor: room.cpu }, edits, { warmup, blocks, profile });
  return { ...result, delivered: checked() };
}
