// How many SQL statements a task step runs (issue 74: a step's CPU is mostly its storage), counted
// in the room's own storage over a 20-step task of a cheap read-only tool per step, as the bench's
// task runs it. It holds the cuts of decision 90 (the task read once between the runner's writes,
// a step's last result and its end one commit, the log's end kept); the whole count is printed,
// by statement, for the next cut (timed work, the traces' and the money's windows, varies with load).
import { describe, expect, it } from "vitest";
import { agentRoom, requestMark, requestsFor, startToolTask, taskState } from "./test/harness";
import { countedStatements, countStatements } from "./test/statement-count";

const STEPS = 20;

/** The longest task document written (its largest string parameter). */
const LONGEST = "longest task document written";

describe("the statements of a task's step", () => {
  it("read the task only when another wrote it, write it twice, and read the log's end once", async () => {
    const { owner, sock, thread } = await agentRoom();
    await countStatements(owner.workspaceId, (counted, key, params) => {
      if (key.startsWith('insert into "tasks"'))
        for (const p of params)
          if (typeof p === "string" && p.length > (counted.get(LONGEST) ?? 0)) counted.set(LONGEST, p.length);
    });
    const mark = await requestMark();
    const { task } = await startToolTask(sock, thread.id, STEPS);
    await taskState(sock, task.id, (t) => t.status === "done", 120_000);
    // What the room itself writes to the model (persona, rules, tool descriptions, tool lines)
    // is Latin-1, so a step's request body over an ASCII conversation is a one-byte string in
    // V8 (decision 109): a single dash past Latin-1 makes a step's whole body two bytes a character.
    // (Another file's task of the same goal may be among them: its requests are the same kind.)
    const requests = await requestsFor(mark, "STEPS: threads_list");
    expect(requests.length).toBeGreaterThanOrEqual(STEPS);
    const pastLatin1 = requests.flatMap((request) => {
      const text = JSON.stringify(request);
      for (let i = 0; i < text.length; i++)
        if (text.charCodeAt(i) > 0xff) return [text.slice(Math.max(0, i - 80), i + 1)];
      return [];
    });
    expect(pastLatin1).toEqual([]);
    const counted = await countedStatements(owner.workspaceId);
    const longest = counted.find(([q]) => q === LONGEST)?.[1] ?? 0;
    counted.splice(
      counted.findIndex(([q]) => q === LONGEST),
      1,
    );
    console.log(`${LONGEST}: ${longest} characters`);
    const total = counted.reduce((n, [, c]) => n + c, 0);
    const said = `${(total / STEPS).toFixed(1)} statements per step:\n${counted.map(([q, n]) => `${(n / STEPS).toFixed(2)}  ${q}`).join("\n")}`;
    console.log(said);
    const perStep = (start: string) =>
      counted.filter(([q]) => q.startsWith(start)).reduce((n, [, c]) => n + c, 0) / STEPS;
    // The task is read from storage when something else wrote it, not between the runner's own
    // writes (about six reads a step before, each decoding the whole conversation).
    expect(perStep('select "doc" from "tasks" where "tasks"."id" = +?'), said).toBeLessThanOrEqual(0.5);
    // Written twice a step: the model's calls kept before they run, the last result with the step's end.
    expect(perStep('insert into "tasks"'), said).toBeLessThanOrEqual(2.25);
    // Its conversation is rows a step appends its two messages to in one statement (decision 97): the document
    // written does not grow with the task (it held the whole conversation, some 15,500
    // characters by the last step), and the run log's end is kept, not read before each append.
    expect(perStep('insert into "task_messages"'), said).toBeLessThanOrEqual(1.1);
    expect(longest).toBeLessThan(5_000);
    expect(perStep('select max("seq") from "run_log"'), said).toBeLessThanOrEqual(0.1);
    // The event log's end is read once and kept; the log trimmed once per commit, not per event.
    expect(perStep('select "value" from "room_meta"'), said).toBeLessThanOrEqual(0.5);
    expect(perStep('delete from "events"'), said).toBeLessThan(perStep('insert into "events"'));
    // The memory the instructions carry is read once and kept until it is written (decision 112),
    // not read and decoded again before every step's model call.
    expect(perStep('select "doc" from "memory"'), said).toBeLessThanOrEqual(0.1);
  });
});
