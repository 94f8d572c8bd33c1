// `npm run bench`'s assistant: CPU per streamed delta of the Autopilot's agent against the
// plain `ai` `streamText` in a minimal Durable Object (baseline/plain-stream.ts, holding its
// socket for hibernation as the room does, on the room's own SDK build) in the same local
// workerd build. The scripted model (in this process) writes `pieces` 8-character pieces
// `pieceMs` apart per reply; a person's client (the client library, a session's ticket) and
// a raw socket to the floor each ask for `rounds` replies per block. An operation is one
// piece the model wrote, so a room that sent fewer, larger deltas would be credited for it.
// The room's side includes all it does per reply (the message committed, the run, the reply
// stored, what follows its commits) — spread over `pieces`. Per-delta latency (arrival minus
// the time the model wrote the delta's last character) is information.
//
// A second floor, `npm`, is the same plain Durable Object on the npm build of `ai` (its
// Worker has no [alias]: baseline/wrangler.npm-ai.toml), in the same rotating blocks: its
// ratio to the first floor is what the Worker's alias to party/ai-sdk saves, the evidence
// the alias is kept on (docs/decisions/008-ai-sdk-alias.md).
//
// With a `collector` (the stand-in OTLP collector on loopback), a fourth side, `traced`, is the
// room's again in a workspace whose spans go to it (its own collector, `traces.configure`): the
// two room sides' ratio is what the trace export costs per delta (decision 80: none of it is in
// a delta; a run's spans are made once its log grows, and sent in the background).
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { agentScript, startScriptedModel, userTexts } from "../../runtime/test/scripted-model.ts";
import { rotate, sleep, until } from "./blocks.mjs";
import { personClient } from "./client-library.mjs";

const now = () => performance.now();
/** By round tag (`#a…` in the user text): when the model wrote each piece. */
const writes = new Map();
const tagOf = (request) => /#(a[\w-]+)/.exec(userTexts(request).at(-1) ?? "")?.[1];

/** The scripted model every reply of both sides comes from; start it before the room (its URL is the room's model). */
export async function startAssistantModel() {
  const model = await startScriptedModel({
    usage: "when-asked",
    onPiece: (request, written) => {
      const tag = tagOf(request);
      if (!tag) return;
      if (!writes.has(tag)) writes.set(tag, []);
      writes.get(tag).push({ written, at: now() });
    },
  });
  model.setReply(agentScript);
  return model;
}

/** Per delta `{length, at}`: arrival minus the write time of the piece holding its last character. */
const latencies = (tag, deltas) =>
  deltas.map((d) => d.at - ((writes.get(tag) ?? []).find((w) => w.written >= d.length) ?? { at: d.at }).at);

/** A person's client asking the room for replies, one fresh thread each, enough for `rounds` per block and one block more (wake.mjs uses it too). */
export async function roomSide(room, { rounds, pieces, pieceMs, blocks, name = "room", collector = null }) {
  const { client, bytes, person } = await personClient(room, name === "room" ? "assistant" : `assistant-${name}`);
  if (collector) await client.traces.configure({ endpoint: collector.url, protocol: "http/protobuf" });
  // A fresh thread per reply (its context is the one message, like the floor's), made
  // before the blocks so that no block times a thread's creation.
  const threads = [];
  for (let i = 0; i < rounds * (blocks + 1); i++) {
    const { thread } = await client.threads.create({ title: `bench ${i}` });
    if (thread.responder.kind !== "autopilot")
      throw new Error(
        `a new thread is answered by ${thread.responder.kind}, not the Autopilot: is the model configured?`,
      );
    threads.push(thread.id);
  }
  await sleep(500);
  let next = 0;
  const round = async () => {
    const threadId = threads[next % threads.length];
    const tag = `a${next++}-${name}`;
    const deltas = [];
    let reply = null;
    const offs = [
      client.on(
        "chat.delta",
        (p) => p.threadId === threadId && p.text && deltas.push({ length: p.offset + p.text.length, at: now() }),
      ),
      client.on("message.created", (p) => {
        if (p.message.threadId === threadId && p.message.author.id === "autopilot" && p.message.runId)
          reply = p.message;
      }),
    ];
    await client.chat.send({ threadId, text: `#${tag} STREAM: ${pieces}x${pieceMs}` });
    await until(() => reply, `the room's reply ${tag}`);
    for (const off of offs) off();
    if (reply.kind === "error") throw new Error(`the Autopilot answered with an error: ${reply.text}`);
    runIds.push(reply.runId);
    return latencies(tag, deltas);
  };
  /** The runs of the replies since the last call. */
  const runIds = [];
  const ran = () => runIds.splice(0);
  return { round, ran, bytes, client, workspace: person.workspace, close: () => client.close() };
}

/**
 * Waits until the collector received the root span of each run (a reply's `runId` is its run's,
 * a segment's number after it): the room sends a run's spans a delay after it wrote them
 * (OTEL_BSP_SCHEDULE_DELAY), and a traced block counts the export of its own runs, not the
 * next side's block.
 */
export async function untilExported(collector, runIds) {
  for (const id of runIds) {
    const runId = id.split(".")[0];
    await until(
      () => collector.spans.some((s) => s.parentSpanId === null && s.attributes["autopilot.run.id"] === runId),
      `the root span of run ${runId} at the collector`,
      60_000,
    );
  }
}

/** Throws unless the collector received spans of the traced side's workspace (its rows measure an export that ran). */
export function checkExported(collector, workspace, what) {
  if (!collector.spans.some((s) => s.resource["autopilot.workspace.id"] === workspace))
    throw new Error(`the ${what} with trace export on sent the collector no span`);
}

/** A socket to a floor's plain streamText; `name` keeps its round tags apart from the other floor's (wake.mjs uses it too). */
export async function floorSide(floor, name) {
  const socket = new WebSocket(`${floor.target.url.replace(/^http/, "ws")}/plain-stream?in=object`, {
    perMessageDeflate: false,
  });
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const bytes = { frames: 0 };
  let next = 0;
  const round = ({ baseURL, pieces, pieceMs }) =>
    new Promise((resolve, reject) => {
      const tag = `a${next++}-${name}`;
      const deltas = [];
      const onMessage = (data) => {
        bytes.frames += data.length;
        const m = JSON.parse(data.toString());
        if (m.error) return finish(new Error(`the floor failed: ${m.error}`));
        if (m.done) return finish(null);
        deltas.push({ length: m.offset + m.text.length, at: now() });
      };
      const finish = (error) => {
        socket.off("message", onMessage);
        if (error) reject(error);
        else resolve(latencies(tag, deltas));
      };
      socket.on("message", onMessage);
      socket.send(
        JSON.stringify({
          baseURL,
          model: "scripted-model",
          text: `Bench (user): #${tag} STREAM: ${pieces}x${pieceMs}`,
        }),
      );
    });
  return { round, bytes, close: () => socket.close() };
}

/** `npmFloor`: the floors' Worker on the npm build of the SDK (see the top). */
export async function assistant({
  room,
  floor,
  npmFloor,
  model,
  rounds,
  pieces,
  pieceMs,
  warmup,
  blocks,
  profile,
  collector = null,
}) {
  const sides = {
    room: await roomSide(room, { rounds, pieces, pieceMs, blocks: warmup + blocks }),
    floor: await floorSide(floor, "floor"),
    npm: await floorSide(npmFloor, "npm"),
    ...(collector
      ? {
          traced: await roomSide(room, { rounds, pieces, pieceMs, blocks: warmup + blocks, name: "traced", collector }),
        }
      : {}),
  };
  const block = (side, go) => async () => {
    side.bytes.frames = 0;
    const lat = [];
    for (let r = 0; r < rounds; r++) {
      lat.push(...(await go()));
      // What a reply sets off after its last delta (the commit's followers) lands in its block.
      await sleep(200);
    }
    // With export on, the block's runs' spans are sent within it.
    const runs = side.ran?.() ?? [];
    if (side === sides.traced) await untilExported(collector, runs);
    return { ops: rounds * pieces, bytes: { ...side.bytes }, latencies: lat };
  };
  try {
    const result = await rotate(
      {
        room: { cpu: room.cpu, block: block(sides.room, () => sides.room.round()) },
        floor: {
          cpu: floor.cpu,
          block: block(sides.floor, () => sides.floor.round({ baseURL: model.baseUrl, pieces, pieceMs })),
        },
        npm: {
          cpu: npmFloor.cpu,
          block: block(sides.npm, () => sides.npm.round({ baseURL: model.baseUrl, pieces, pieceMs })),
        },
        ...(sides.traced ? { traced: { cpu: room.cpu, block: block(sides.traced, () => sides.traced.round()) } } : {}),
      },
      { warmup, blocks, profile },
    );
    if (sides.traced) checkExported(collector, sides.traced.workspace, "assistant");
    return result;
  } finally {
    for (const side of Object.values(sides)) side.close();
  }
}
