// An approval stands for one run of its call (docs/mcp.md, "Tools"). The MCP SDK takes a
// JSON-RPC id twice in one session, so the same tools/call can be in flight twice — twice in
// a batch, or in two requests — and both copies wait on the one approval their call filed.
// Once a person approves, the first copy claims the approval and runs; the other is refused
// (conflict); the call repeated after it answered gets the recorded answer. A node command
// is what a copy would run twice (its handler awaits the gateway before recording), so the
// instance here is a linked gateway played by the scripted peer, dialled by the room's own
// bridge, and the peer counts the node.invoke requests it gets.
import { SELF } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Approval } from "../../../../../../shared/protocol/approvals";
import { type Answer, type FakeGateway, gatewayForBridge, ok, until } from "../../../../../test/bridge-peer";
import { decisionOn, idem, instanceUpdated, type RawSocket } from "../../../../../test/harness";
import { endpoint, keyedWithPerson, rawPost, rawSession, rpcMessages } from "../test/client";

/** A gateway that takes the bridge's connect and catch-up, and answers node.invoke with `invoke`. */
const gatewayPeer = (invoke: () => Promise<Answer>) => gatewayForBridge(() => true, { "node.invoke": invoke });

/**
 * Instance `lab`, linked to a gateway at a host of this test's own: the room's bridge dials
 * it with the Worker's fetch, which answers with the scripted peer's socket (every other
 * address goes to the network as before).
 */
async function linkedLab(person: RawSocket) {
  const host = `gw-${crypto.randomUUID().slice(0, 8)}.example.com`;
  const peers: FakeGateway[] = [];
  // The node takes a second to answer, so the other copy arrives while the first is still
  // running. The hold is a timer of the gateway's own (it runs where the room dialled it): a
  // promise the test resolved from its own request would be awaited across request contexts,
  // which workerd cancels as a hung request later, in whichever test shares the isolate.
  const answer = async (): Promise<Answer> => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return ok({ ok: true, payloadJSON: JSON.stringify({ stdout: "Linux lab" }) });
  };
  const network = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.host !== host) return network(input, init);
    const peer = gatewayPeer(answer);
    peers.push(peer);
    return Promise.resolve(new Response(null, { status: 101, webSocket: peer.client }));
  });
  const { approval } = await person.ok("instances.link", {
    instanceId: "lab",
    name: "lab",
    url: `wss://${host}`,
    token: "linked-gateway-token",
    idempotencyKey: idem(),
  });
  await person.ok("approvals.resolve", decisionOn(approval.id, "approve", { confirmOwn: true }));
  await instanceUpdated(person, (i) => i.bridge === "connected", 20_000);
  return { invokes: () => peers.flatMap((p) => p.requests("node.invoke")) };
}

afterEach(() => {
  vi.restoreAllMocks();
});

const args = { instanceId: "lab", nodeId: "n1", command: "system.run", params: { command: ["uname", "-a"] } };
const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "instances_invokeNode", arguments: args } };

type Messages = ReturnType<typeof rpcMessages>;

/** Reads each answer's stream to its end, in the background; `answered` holds the messages of those that ended. */
function collect(responses: Promise<Response>[]) {
  const answered: Messages = [];
  for (const response of responses)
    void response.then(async (r) => answered.push(...rpcMessages(await r.text().catch(() => ""))));
  return { answered };
}

const toolText = (message: Messages[number]) => (message.result as { content: { text: string }[] }).content[0]!.text;

describe("an approval runs its call once", () => {
  for (const { shape, send } of [
    {
      shape: "twice in one batch",
      send: (post: (body: string) => Promise<Response>) => [post(JSON.stringify([call, call]))],
    },
    {
      shape: "in two requests at once",
      send: (post: (body: string) => Promise<Response>) => [post(JSON.stringify(call)), post(JSON.stringify(call))],
    },
  ]) {
    it(`the same call ${shape}: the node runs the command once; the other copy is refused; a repeat gets the recorded answer`, async () => {
      const { owner, key, person } = await keyedWithPerson(["read", "write"]);
      const lab = await linkedLab(person);
      const { headers } = await rawSession(owner.workspaceId, key);
      const post = (body: string) => rawPost(owner.workspaceId, headers, body);

      const copies = collect(send(post));
      const asked = await vi.waitFor(
        async () => {
          const [found] = (await person.ok("approvals.list", { status: "pending" })).approvals as Approval[];
          expect(found).toBeDefined();
          return found!;
        },
        { timeout: 10_000 },
      );
      expect(asked.title).toContain("wants to run system.run: uname -a");
      await person.ok("approvals.resolve", decisionOn(asked.id, "approve"));

      // The first copy is at the gateway, its answer held; the other answers on its own —
      // or, run too, reaches the gateway a second time.
      await until(() => copies.answered.length > 0 || lab.invokes().length > 1, 20_000);
      expect(lab.invokes()).toHaveLength(1);
      const [refused] = copies.answered;
      expect(refused).toMatchObject({ id: 1, result: { isError: true } });
      expect(toolText(refused!)).toMatch(new RegExp(`^conflict: approval ${asked.id} was used up by its call`));
      expect(lab.invokes()[0]!.params).toMatchObject({
        nodeId: "n1",
        command: "system.run",
        params: { command: ["uname", "-a"] },
      });

      // The copy that ran answers once the node did; the call repeated afterwards (a client's
      // retry) gets that answer from the room, and the node runs nothing more.
      const repeated = await vi.waitFor(
        async () => {
          const [answer] = rpcMessages(await (await post(JSON.stringify(call))).text());
          expect(toolText(answer!)).not.toMatch(/^conflict/);
          return answer!;
        },
        { timeout: 10_000 },
      );
      expect(repeated.result).toMatchObject({
        structuredContent: { ok: true, output: JSON.stringify({ stdout: "Linux lab" }) },
      });
      expect(lab.invokes()).toHaveLength(1);
      expect((await person.ok("approvals.get", { approvalId: asked.id })).approval.status).toBe("approved");

      // Ending the session ends the stream of a copy whose id's answer went to the other;
      // unlinking stops the bridge, so nothing dials the test's gateway after it.
      await (await SELF.fetch(endpoint(owner.workspaceId), { method: "DELETE", headers })).text();
      const { approval: unlink } = await person.ok("instances.delete", { instanceId: "lab", idempotencyKey: idem() });
      await person.ok("approvals.resolve", decisionOn(unlink.id, "approve", { confirmOwn: true }));
      await instanceUpdated(person, (i) => i.status === "stopped");
      person.close();
    });
  }
});
