// bench:assistant's report: the tables it prints (party/bench/assistant.mjs measures).

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
export const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) };
};

export function printReport({ streaming, approvals, path, direct, rounds: ROUNDS, approvalRounds: APPROVALS, pieces: PIECES, pieceMs: PIECE_MS }) {
  const f = (x) => x.toFixed(1).padStart(7);
  const header = (label) => console.log(`${label.padEnd(66)} |     p50     p99     max`);
  const row = (label, x) => console.log(`${label.padEnd(66)} | ${f(x.p50)} ${f(x.p99)} ${f(x.max)}`);
  const ratio = (label, a, b) => console.log(`${label.padEnd(66)} | ${(a.p50 / b.p50).toFixed(2).padStart(6)}x ${(a.p99 / b.p99).toFixed(2).padStart(6)}x`);
  const diff = (label, a, b) => console.log(`${label.padEnd(66)} | ${f(a.p50 - b.p50)} ${f(a.p99 - b.p99)}`);

  const s = (side, key) => stats(streaming[key][side]);
  console.log(`\nAutopilot assistant, loopback, ${new Date().toISOString().slice(0, 10)}; ms; the person's socket: ${path}`);
  console.log(
    `\nstreaming: ${ROUNDS} rounds per client of ${PIECES} pieces ${PIECE_MS} ms apart; deltas received: room ${streaming.counts.room}, plain ${streaming.counts.plain}, plain in a Worker ${streaming.counts.worker}, in an object ${streaming.counts.object}, in a Node process ${streaming.counts.node}`,
  );
  header("time to first token (send → first non-empty delta)");
  row("  room client (client library ← room ← ai SDK in workerd)", s("room", "ttft"));
  row("  plain ai streamText client", s("plain", "ttft"));
  row("  plain ai streamText in a Worker (minimal Worker → WebSocket)", s("worker", "ttft"));
  row("  plain ai streamText in a Durable Object (hibernating socket)", s("object", "ttft"));
  row("  plain ai streamText in a Node process (→ WebSocket, no workerd)", s("node", "ttft"));
  diff("  difference room − plain", s("room", "ttft"), s("plain", "ttft"));
  ratio("  ratio room / plain", s("room", "ttft"), s("plain", "ttft"));
  row("  room: send → chat.send answered (message committed)", stats(streaming.answered));
  row("  room: send → run announced (empty delta: context built)", stats(streaming.runStarted));
  row("  room: send → model got the request", s("room", "toModel"));
  row("  plain: send → model got the request", s("plain", "toModel"));
  row("  plain in a Worker: send → model got the request", s("worker", "toModel"));
  row("  plain in a Durable Object: send → model got the request", s("object", "toModel"));
  row("  plain in a Node process: send → model got the request", s("node", "toModel"));
  row("  room: a read's round trip (threads.list: the same hops, no write)", stats(streaming.reads));
  if (streaming.steps.size > 0) {
    header("room: the run's start, step by step (workerd marks; 1 ms resolution)");
    for (const [label, gaps] of streaming.steps) row(`  ${label}`, stats(gaps));
  }
  header("per-delta latency (model wrote the last character → client)");
  row("  room client", s("room", "delta"));
  row("  plain ai streamText client", s("plain", "delta"));
  row("  plain ai streamText in a Worker (minimal Worker → WebSocket)", s("worker", "delta"));
  row("  plain ai streamText in a Durable Object (hibernating socket)", s("object", "delta"));
  row("  plain ai streamText in a Node process (→ WebSocket, no workerd)", s("node", "delta"));
  ratio("  ratio room / plain", s("room", "delta"), s("plain", "delta"));
  ratio("  ratio room / plain in a Worker", s("room", "delta"), s("worker", "delta"));
  ratio("  ratio room / plain in a Durable Object", s("room", "delta"), s("object", "delta"));
  ratio("  ratio plain in a Durable Object / plain in a Worker", s("object", "delta"), s("worker", "delta"));
  const added = (pair) => stats(streaming.added[pair]);
  row("  added by the room, per delta (room − plain, same length)", added("room-plain"));
  row("  added over the SDK in a Worker (room − that)", added("room-worker"));
  row("  added over the SDK in a Durable Object (room − that)", added("room-object"));
  row("  the runtime's own share: plain in a Worker − plain", added("worker-plain"));
  row("  the runtime's own share: plain in a Durable Object − plain", added("object-plain"));
  row("  no workerd, a process + socket: plain in a Node process − plain", added("node-plain"));
  row("  workerd + SDK build: plain in a Worker − plain in a Node process", added("worker-node"));
  if (streaming.hops.length > 0) {
    header(`room per-delta latency by hop (${streaming.hops.length} deltas; workerd marks: 1 ms resolution)`);
    const hop = (key) => stats(streaming.hops.map((h) => h[key]));
    row("  model wrote → its bytes in the room's isolate", hop("toRoom"));
    row("  bytes in the isolate → delta handed to the sockets", hop("inRoom"));
    row(`  handed to the sockets → client socket${direct ? "" : " (wrangler dev's proxy)"}`, hop("toSocket"));
    row("  client socket → client library event", hop("toEvent"));
  }
  const addedP99 = added("room-plain").p99;
  console.log(`  goal: the room adds < 5 ms p99 per delta → ${addedP99.toFixed(1)} ms: ${addedP99 < 5 ? "met" : "NOT met"}`);

  const a = approvals;
  if (!a) return;
  console.log(`\napproval round trip of a gated tool (jobs_cancel), ${APPROVALS} rounds per client; the person approves on sight`);
  header("room: approval in the shared queue, the person's client decides");
  row("  model wrote the tool call → approval at the person's client", a.room.toSeen);
  row("  approve sent → its answer at the client", a.room.answered);
  row("  approve sent → model asked again (run resumed)", a.room.toResume);
  row("  approve sent → tool result message at the client", a.room.toTool);
  row("  approve sent → first delta of the continued reply", a.room.toReply);
  row("  total: tool call → continued reply (incl. the person's reaction)", a.room.total);
  header("plain ai SDK in-process (approval request part → resume)");
  row("  model wrote the tool call → tool-approval-request part", a.plain.toSeen);
  row("  approve → model asked again", a.plain.toResume);
  row("  approve → tool-result part", a.plain.toTool);
  row("  approve → first text delta of the continued reply", a.plain.toReply);
  row("  total: tool call → continued reply", a.plain.total);
}
