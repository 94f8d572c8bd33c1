// `npm run bench`'s task: CPU per model step of a task the Autopilot pursues (decision 41)
// against the same number of plain `ai` `streamText` calls in a minimal Durable Object
// (baseline/plain-stream.ts on the room's SDK build, the assistant's floor), in the same
// local workerd build. The scripted model (in this process, the assistant's) answers both.
//
// The room's side is a person's client (the client library, a session's ticket) that starts
// one task per block with `tasks.start` and waits for its `task.changed` to `done`. Its goal
// scripts `steps` model steps: `steps - 1` calls of a cheap read-only tool the Autopilot
// runs without asking (`threads.list` for one thread), then the final report that ends it.
// So per step the room does all a task's step is: the model call with the task's
// instructions, tools and conversation so far; the call stored, run through the room's
// dispatch, its result stored, posted to the thread and logged; the checkpoint; the events.
// The floor's side is a socket to the plain streamText, which asks the model for a short
// text reply `steps` times in a row. An operation is one model step. A third side is the
// room's again, in another workspace that has a budget (one no task comes near): the two room
// sides' ratio is what the budget check before every model call costs. With a `collector` (the
// stand-in OTLP collector on loopback), a fourth side, `traced`, is the room's in a workspace
// whose spans go to it (its own collector): its ratio to the first room side is what the trace
// export costs per step.
import WebSocket from "ws";
import { MAX_TASK_GOAL_CHARS } from "../../shared/protocol/tasks.ts";
import { rotate, sleep, until } from "./blocks.mjs";
import { personClient } from "./client-library.mjs";
import { checkExported, untilExported } from "./suite-assistant.mjs";

/** Every tool step's call: a read that returns one thread, so its cost does not grow with the bench's threads. */
const TOOL_STEP = 'threads_list {"limit":1}';
const FINISHED = new Set(["done", "stopped", "failed", "cancelled"]);

/** The goal that makes the scripted model take `steps` steps (runtime/test/scripted-model.ts agentScript). */
function taskGoal(steps) {
  const goal = `STEPS: ${Array.from({ length: steps - 1 }, () => TOOL_STEP).join("; ")}`;
  if (goal.length > MAX_TASK_GOAL_CHARS)
    throw new Error(`BENCH_TASK_STEPS=${steps} makes a goal longer than a task may have (${MAX_TASK_GOAL_CHARS})`);
  return goal;
}

async function checkToolSteps(client, taskId, steps) {
  const { entries } = await client.runlog.list({ runId: taskId, limit: 500 });
  const calls = entries.filter((e) => e.kind === "tool-call");
  const failed = calls.find((e) => e.details.status !== "ok");
  if (calls.length !== steps - 1 || failed)
    throw new Error(
      `the task's log shows ${calls.length} tool calls for ${steps - 1} tool steps${failed ? `; one was ${failed.text}` : ""}`,
    );
}

async function roomSide(room, { steps, blocks, label, budget, collector = null }) {
  const { client, bytes, person } = await personClient(room, label);
  if (collector) await client.traces.configure({ endpoint: collector.url, protocol: "http/protobuf" });
  // A budget no task comes near: every model call is checked against it and recorded, never held up.
  if (budget) await client.billing.setBudget({ scope: "workspace", limit: 1_000_000_000_000 });
  const goal = taskGoal(steps);
  // A fresh thread per task (one unfinished task per thread), made before the blocks so that
  // no block times a thread's creation.
  const threads = [];
  for (let i = 0; i < blocks + 1; i++) {
    const { thread } = await client.threads.create({ title: `bench task ${i}` });
    threads.push(thread.id);
  }
  /** By task id: its latest state as the room announced it. */
  const tasks = new Map();
  const off = client.on("task.changed", ({ task }) => tasks.set(task.id, task));
  await sleep(500);
  let next = 0;
  const run = async () => {
    const threadId = threads[next++ % threads.length];
    const { task } = await client.tasks.start({ goal, threadId, budget: { maxSteps: steps } });
    const ended = await until(
      () => FINISHED.has(tasks.get(task.id)?.status) && tasks.get(task.id),
      `the task in thread ${threadId} to end`,
      120_000 + steps * 5_000,
    );
    tasks.delete(task.id);
    if (ended.status !== "done" || ended.used.steps !== steps)
      throw new Error(
        `the task ended ${ended.status} after ${ended.used.steps} of ${steps} steps: ${ended.outcome ?? ""}`,
      );
    // Once (in the warm-up): every tool step really ran its tool, so a task that only
    // answered "no such tool" does not pass for one that did the work.
    if (next === 1) await checkToolSteps(client, task.id, steps);
    // With export on, the task's spans are sent within its block (they go a delay after it wrote them).
    if (collector) await untilExported(collector, [task.id]);
  };
  return {
    run,
    bytes,
    workspace: person.workspace,
    close: () => {
      off();
      client.close();
    },
  };
}

/** A socket to the plain streamText floor; each call is one short text reply from the model. */
async function floorSide(floor, { baseURL, steps }) {
  const socket = new WebSocket(`${floor.target.url.replace(/^http/, "ws")}/plain-stream?in=object`, {
    perMessageDeflate: false,
  });
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  const bytes = { frames: 0 };
  const call = () =>
    new Promise((resolve, reject) => {
      const onMessage = (data) => {
        bytes.frames += data.length;
        const m = JSON.parse(data.toString());
        if (!m.error && !m.done) return;
        socket.off("message", onMessage);
        if (m.error) reject(new Error(`the floor failed: ${m.error}`));
        else resolve();
      };
      socket.on("message", onMessage);
      socket.send(JSON.stringify({ baseURL, model: "scripted-model", text: "Bench (user): SAY: Step done." }));
    });
  const run = async () => {
    for (let i = 0; i < steps; i++) await call();
  };
  return { run, bytes, close: () => socket.close() };
}

export async function task({ room, floor, model, steps, warmup, blocks, profile, collector = null }) {
  if (!Number.isInteger(steps) || steps < 2) throw new Error("BENCH_TASK_STEPS must be an integer of at least 2");
  const sides = {
    room: await roomSide(room, { steps, blocks: warmup + blocks, label: "task" }),
    budgeted: await roomSide(room, { steps, blocks: warmup + blocks, label: "task-budgeted", budget: true }),
    floor: await floorSide(floor, { baseURL: model.baseUrl, steps }),
    ...(collector
      ? { traced: await roomSide(room, { steps, blocks: warmup + blocks, label: "task-traced", collector }) }
      : {}),
  };
  const block = (side) => async () => {
    side.bytes.frames = 0;
    await side.run();
    // What the task's end sets off after its last step (the commit's followers) lands in its block.
    await sleep(200);
    return { ops: steps, bytes: { ...side.bytes } };
  };
  try {
    const result = await rotate(
      {
        room: { cpu: room.cpu, block: block(sides.room) },
        budgeted: { cpu: room.cpu, block: block(sides.budgeted) },
        floor: { cpu: floor.cpu, block: block(sides.floor) },
        ...(sides.traced ? { traced: { cpu: room.cpu, block: block(sides.traced) } } : {}),
      },
      { warmup, blocks, profile },
    );
    if (sides.traced) checkExported(collector, sides.traced.workspace, "task");
    return result;
  } finally {
    for (const side of Object.values(sides)) side.close();
  }
}
