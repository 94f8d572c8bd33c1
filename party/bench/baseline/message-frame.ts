// The frame the fan-out floor (the partyserver room in worker.ts) sends per message: the
// room's `message.created` event in shape and size — ids,
// author, time, counter, seq — so the comparison is the servers' work, not how many bytes
// each sends. No imports: Node runs this file by stripping its types.
export function messageCreatedFrame(n: number, text: string, at: number): string {
  const message = {
    id: `msg_${n.toString(16).padStart(20, "0")}`,
    threadId: "thr_00000000000000000000",
    author: { id: "agent_00000000000000000000000000000000", kind: "agent", name: "bench" },
    text,
    createdAt: at,
    n,
  };
  return JSON.stringify({ type: "event", event: "message.created", payload: { message }, seq: n });
}
