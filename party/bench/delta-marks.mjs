// bench:assistant's split of a streamed delta's latency into hops. The room logs its marks
// (party/agent/delta-marks.ts, on with AUTOPILOT_DELTA_MARKS=1) as one line per segment;
// the client's socket is wrapped to mark each frame's arrival before the client library
// parses it. Hops of one delta (the one ending at character L of the reply):
//   written   the model wrote the piece holding character L        (this process)
//   received  the model's bytes up to L reached the room's isolate  (workerd Date.now())
//   sent      the room handed the delta to its sockets              (workerd Date.now())
//   socket    the frame reached the client's socket                 (this process)
//   event     the client library emitted chat.delta                 (this process)
// workerd's clock has 1 ms resolution (under wrangler dev it advances with CPU time too).
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

const LOG = "autopilot delta marks"; // DELTA_MARKS_LOG in party/agent/delta-marks.ts

/** workerd's wall-clock ms on this process's performance clock. */
const fromWall = (ms) => ms - performance.timeOrigin;

export function createDeltaMarks() {
  /** By chat run id: the room's marks. */
  const room = new Map();
  /** By chat run id: arrival at the client's socket per delta end. */
  const socket = new Map();

  /** A WebSocket class for the client library that marks every chat.delta frame on arrival. */
  class MarkedWebSocket extends WebSocket {
    constructor(...args) {
      super(...args);
      // Registered before the library's own listener (it adds it after construction).
      this.on("message", (data) => {
        const at = performance.now();
        const text = data.toString();
        if (!text.includes('"chat.delta"')) return;
        const { payload } = JSON.parse(text);
        if (!payload?.text) return;
        if (!socket.has(payload.runId)) socket.set(payload.runId, new Map());
        socket.get(payload.runId).set(payload.offset + payload.text.length, at);
      });
    }
  }

  /** For startServer's `log`: picks the room's marks lines out of wrangler dev's output. */
  const onServerLine = (line) => {
    if (!line.includes(LOG)) return;
    try {
      const marks = JSON.parse(line.slice(line.indexOf("{")));
      if (marks.msg === LOG) room.set(marks.runId, marks);
    } catch {
      // a line cut by the terminal: that round has no split
    }
  };

  /**
   * The hops of each delta of one room round. `writes`: the model's [{written, at}];
   * `deltas`: the library's [{length, at}]. Null while the room's line has not arrived.
   */
  const hops = (runId, writes, deltas) => {
    const marks = room.get(runId);
    const arrived = socket.get(runId);
    if (!marks || !arrived) return null;
    const rows = [];
    for (const d of deltas) {
      const written = (writes.find((w) => w.written >= d.length) ?? writes.at(-1)).at;
      const received = marks.received.find(([, chars]) => chars >= d.length)?.[0];
      const sent = marks.sent.find(([, end]) => end === d.length)?.[0];
      const at = arrived.get(d.length);
      if (received === undefined || sent === undefined || at === undefined) continue;
      rows.push({
        toRoom: fromWall(received) - written,
        inRoom: sent - received,
        toSocket: at - fromWall(sent),
        toEvent: d.at - at,
      });
    }
    return rows;
  };

  /** The room's start steps of a segment on this process's clock: [[label, at]], the first bytes last. */
  const steps = (runId) => {
    const marks = room.get(runId);
    if (!marks) return null;
    const first = marks.received.find(([, chars]) => chars > 0);
    return [...marks.steps, ...(first ? [["first bytes", first[0]]] : [])].map(([label, at]) => [label, fromWall(at)]);
  };

  return { WebSocket: MarkedWebSocket, onServerLine, hops, steps, has: (runId) => room.has(runId) };
}
