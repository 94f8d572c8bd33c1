// `npm run bench`'s output: one table of CPU and bytes per operation as ratios to the
// floors measured in the same run, the goals beside them, then latency percentiles as
// information. Markdown, so that the same text is the terminal's and docs/performance.md's
// (between its `bench:start` and `bench:end` markers).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../dev/server.mjs";
import { cpuRatio, percentiles } from "./blocks.mjs";

const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;
const msText = (ms) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
const bytesText = (b) => `${Math.round(b).toLocaleString("en")} B`;
const ratioText = (r) => `${r.value.toFixed(2)}x (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;

/** One CPU row: the room's and the floor's CPU per operation, their ratio with its spread, the goal. */
function cpuRow(suite, measure, { room, floor }, unit, goal) {
  const r = cpuRatio(room, floor);
  const status = goal === null ? "information" : r.value <= goal ? "**met**" : "**not met**";
  return [
    suite,
    measure,
    unit(room.cpuMsPerOp),
    unit(floor.cpuMsPerOp),
    ratioText(r),
    goal === null ? "—" : `≤ ${goal}x`,
    status,
  ];
}

/** One bytes row: per operation, by kind. */
function bytesRow(suite, measure, { room, floor }, kind, goalBytes = null) {
  const a = room.bytesPerOp[kind] ?? 0;
  const b = floor.bytesPerOp[kind] ?? 0;
  const status = goalBytes === null ? "information" : a <= goalBytes ? "**met**" : "**not met**";
  return [
    suite,
    measure,
    bytesText(a),
    bytesText(b),
    b ? `${(a / b).toFixed(2)}x` : "—",
    goalBytes === null ? "—" : `≤ ${bytesText(goalBytes)}`,
    status,
  ];
}

/** One count row (information): how many of something per operation. */
function countRow(suite, measure, { room, floor }, kind) {
  const count = (n) => (n ?? 0).toFixed(1);
  return [suite, measure, count(room.bytesPerOp[kind]), count(floor.bytesPerOp[kind]), "—", "—", "information"];
}

/**
 * The alias row: the npm build's floor against the room's build's (same Durable Object, same
 * blocks). The alias is kept only while the npm build costs more, so the status says which.
 */
function aliasRow({ npm, floor }) {
  const r = cpuRatio(npm, floor);
  const saved = `${(100 * (1 - 1 / r.value)).toFixed(0)} % less CPU per delta than the npm build`;
  const status =
    r.value <= 1
      ? "**the npm build is not more expensive: the alias should go**"
      : r.min > 1
        ? `information: the room's build spends ${saved}`
        : `information: the room's build spends ${saved} overall, not in every block`;
  const measure =
    "CPU per streamed delta: plain streamText on the npm `ai` build vs on the room's build (what the alias saves)";
  return ["assistant", measure, us(npm.cpuMsPerOp), us(floor.cpuMsPerOp), ratioText(r), "> 1x keeps the alias", status];
}

const table = (header, rows) =>
  [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");

/** The main table's rows from what run.mjs measured. */
export function goalRows(r) {
  const rows = [];
  for (const [n, f] of r.fanout ?? [])
    rows.push(cpuRow("fan-out", `CPU per delivered message, ${n} readers`, f, us, 1.05));
  for (const [n, f] of r.fanout ?? [])
    rows.push(bytesRow("fan-out", `bytes a reader receives per delivered message, ${n} readers`, f, "frames"));
  if (r.interest) {
    const { n, viewers } = r.interest;
    rows.push(
      cpuRow(
        "interest",
        `CPU per chat message, ${n} sockets of which ${viewers} view its thread (floor: ${n} sockets that get every message)`,
        r.interest,
        msText,
        0.25,
      ),
    );
    rows.push(bytesRow("interest", `bytes all ${n} sockets receive per chat message`, r.interest, "frames"));
  }
  if (r.tier) {
    const { n, k, delivered } = r.tier;
    rows.push(
      cpuRow(
        "tier",
        `CPU per chat message, ${n} sockets that get every message held by ${k} delivery objects (floor: one object holding them; both in one workerd process here)`,
        r.tier,
        msText,
        null,
      ),
    );
    rows.push([
      "tier",
      `durable events the ${delivered.sockets} sockets received across the blocks: gaps and repeats in each socket's seq`,
      `${delivered.events.toLocaleString("en")} events`,
      "—",
      "—",
      "0 gaps, 0 repeats",
      delivered.gaps === 0 && delivered.repeats === 0 && delivered.events > 0
        ? "**met**"
        : `**not met**: ${delivered.gaps} gaps, ${delivered.repeats} repeats`,
    ]);
  }
  if (r.tierStorm)
    rows.push(
      cpuRow(
        "tier",
        `CPU per reconnect with resume, ${r.tierStorm.n} readers held by ${r.tierStorm.k} delivery objects (floor: one object holding them; both in one workerd process here)`,
        r.tierStorm,
        msText,
        null,
      ),
    );
  if (r.storm) {
    rows.push(
      cpuRow(
        "storm",
        `CPU per reconnect with resume, ${r.storm.n} readers (floor: bare reconnect)`,
        r.storm,
        msText,
        1.5,
      ),
    );
    rows.push(
      bytesRow("storm", "bytes sent per reconnect that missed nothing, besides presence", r.storm, "rest", 4096),
    );
    rows.push(bytesRow("storm", "bytes sent per reconnect: presence events", r.storm, "presence"));
    rows.push(
      countRow(
        "storm",
        "presence frames sent per reconnect (to it and to every other socket)",
        r.storm,
        "presenceFrames",
      ),
    );
  }
  if (r.crowd) {
    const { n, floorN, principals } = r.crowd;
    rows.push(
      bytesRow(
        "crowd",
        `presence a reconnect receives (its hello's), ${n} sockets of ${principals} members (floor: ${floorN} sockets)`,
        r.crowd,
        "helloPresence",
        2048,
      ),
    );
    rows.push(bytesRow("crowd", "presence events every socket receives, per reconnect", r.crowd, "presence"));
    rows.push(
      countRow("crowd", "presence frames per reconnect (to it and to every other socket)", r.crowd, "presenceFrames"),
    );
    rows.push(
      cpuRow(
        "crowd",
        `CPU per reconnect with resume, one at a time, ${n} sockets (floor: ${floorN} sockets)`,
        r.crowd,
        msText,
        null,
      ),
    );
  }
  if (r.assistant) {
    rows.push(
      cpuRow(
        "assistant",
        "CPU per streamed delta: the Autopilot's agent vs plain `ai` streamText in a Durable Object",
        r.assistant,
        us,
        1.1,
      ),
    );
    if (r.assistant.npm) rows.push(aliasRow(r.assistant));
    if (r.assistant.traced)
      rows.push(
        cpuRow(
          "assistant",
          "CPU per streamed delta: with trace export on (spans to a collector on loopback) vs off",
          { room: r.assistant.traced, floor: r.assistant.room },
          us,
          null,
        ),
      );
    // Issue 74's goals hold with the export on: the traced room side against the plain call.
    if (r.assistant.traced)
      rows.push(
        cpuRow(
          "assistant",
          "CPU per streamed delta with trace export on: the Autopilot's agent vs plain `ai` streamText",
          { room: r.assistant.traced, floor: r.assistant.floor },
          us,
          1.2,
        ),
      );
    const pieceBytes = r.assistant.floor.bytesPerOp.frames ?? 0;
    rows.push(
      bytesRow("assistant", "bytes the client receives per streamed delta", r.assistant, "frames", 2 * pieceBytes),
    );
  }
  if (r.task) {
    rows.push(
      cpuRow(
        "task",
        `CPU per task step: the Autopilot's task vs plain \`ai\` streamText in a Durable Object, tasks of ${r.task.steps} steps`,
        r.task,
        msText,
        null,
      ),
    );
    if (r.task.budgeted)
      rows.push(
        cpuRow(
          "task",
          "CPU per task step: with a workspace budget vs none (the budget check before each model call)",
          { room: r.task.budgeted, floor: r.task.room },
          msText,
          null,
        ),
      );
    if (r.task.traced)
      rows.push(
        cpuRow(
          "task",
          "CPU per task step: with trace export on (spans to a collector on loopback) vs off",
          { room: r.task.traced, floor: r.task.room },
          msText,
          null,
        ),
      );
    if (r.task.traced)
      rows.push(
        cpuRow(
          "task",
          "CPU per task step with trace export on: the Autopilot's task vs plain `ai` streamText",
          { room: r.task.traced, floor: r.task.floor },
          msText,
          2,
        ),
      );
    rows.push(bytesRow("task", "bytes the client receives per task step", r.task, "frames", 1024));
  }
  if (r.graph) {
    rows.push(
      cpuRow(
        "graph",
        `CPU per new client's full sync, ${r.graph.nodes} nodes (floor: y-websocket in Node)`,
        r.graph,
        msText,
        null,
      ),
    );
    rows.push(
      bytesRow("graph", `bytes per full sync (encoded state ${bytesText(r.graph.encodedBytes)})`, r.graph, "frames"),
    );
  }
  return rows;
}

/** Latency percentiles, information only. */
export function latencyRows(r) {
  const rows = [];
  const pct = (xs) => {
    const p = percentiles(xs);
    return `${p.p50.toFixed(1)} / ${p.p99.toFixed(1)}`;
  };
  for (const [n, f] of r.fanout ?? [])
    rows.push([
      `fan-out, ${n} readers: edit → every reader has it, p50 / p99`,
      pct(f.room.latencies),
      pct(f.floor.latencies),
    ]);
  if (r.interest)
    rows.push([
      `interest, ${r.interest.n} sockets: message → every socket that gets its body has it, p50 / p99`,
      pct(r.interest.room.latencies),
      pct(r.interest.floor.latencies),
    ]);
  if (r.tier)
    rows.push([
      `tier, ${r.tier.n} sockets: message → every socket has it (floor: one object), p50 / p99`,
      pct(r.tier.room.latencies),
      pct(r.tier.floor.latencies),
    ]);
  if (r.tierStorm)
    rows.push([
      `storm through the tier, ${r.tierStorm.n} readers: drop → all resumed (floor: one object), p50 / max over blocks`,
      pctMax(r.tierStorm.room.latencies),
      pctMax(r.tierStorm.floor.latencies),
    ]);
  if (r.storm)
    rows.push([
      `storm, ${r.storm.n} readers: drop → all resumed (floor: all reopened), p50 / max over blocks`,
      pctMax(r.storm.room.latencies),
      pctMax(r.storm.floor.latencies),
    ]);
  if (r.assistant)
    rows.push([
      "assistant: model wrote a delta's last character → client has it, p50 / p99",
      pct(r.assistant.room.latencies),
      pct(r.assistant.floor.latencies),
    ]);
  if (r.assistant?.npm)
    rows.push([
      "assistant, the same on the npm `ai` build's floor (room column) vs the room's build's, p50 / p99",
      pct(r.assistant.npm.latencies),
      pct(r.assistant.floor.latencies),
    ]);
  if (r.graph)
    rows.push([
      `graph, ${r.graph.nodes} nodes: connect → full document, p50 / p99`,
      pct(r.graph.room.latencies),
      pct(r.graph.floor.latencies),
    ]);
  if (r.paint) {
    rows.push([
      `app, ${r.paint.nodes} nodes: navigation → first canvas node in the DOM, p50 / max`,
      pctMax(r.paint.firstNode),
      "",
    ]);
    rows.push([
      `app, ${r.paint.nodes} nodes: navigation → first edge in the DOM, p50 / max`,
      pctMax(r.paint.firstEdge),
      "",
    ]);
  }
  return rows;
}

function pctMax(xs) {
  const p = percentiles(xs);
  return `${p.p50.toFixed(0)} / ${p.max.toFixed(0)}`;
}

/** The whole report as markdown. */
export function renderReport(r) {
  return [
    `Settings: ${r.settings}`,
    "",
    table(["bench", "measure", "room", "floor", "room / floor (min–max over blocks)", "goal", "status"], goalRows(r)),
    "",
    "Latency, information only (ms; not goals: on two shared cores it mostly measures the machine's load):",
    "",
    table(["measure", "room", "floor"], latencyRows(r)),
  ].join("\n");
}

const START = "<!-- bench:start -->";
const END = "<!-- bench:end -->";

/** Replaces docs/performance.md's section between the markers with `text`. */
export function writeDocs(text) {
  const file = join(ROOT, "docs", "performance.md");
  const doc = readFileSync(file, "utf8");
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`docs/performance.md has no ${START} … ${END} section`);
  writeFileSync(file, `${doc.slice(0, from + START.length)}\n${text}\n${doc.slice(to)}`);
}
