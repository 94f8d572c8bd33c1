// Stock nostr-tools against the relay, end to end: the real server as `npm start` runs it
// (wrangler dev), nostr-tools' own Relay and SimplePool over real WebSockets (Node's global
// WebSocket: no useWebSocketImplementation needed on Node 22 and later). A client publishes,
// subscribes with filters, gets EOSE and live events, deletes (NIP-09), reacts (NIP-25),
// registers its pubkey and authenticates (NIP-42) into a workspace's community; bad events
// and a subscription flood get their refusals; a non-member is refused; /SKILL.md is served.
import type { Event, EventTemplate } from "nostr-tools/core";
import { getToken } from "nostr-tools/nip98";
import { SimplePool } from "nostr-tools/pool";
import { finalizeEvent, generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { Relay } from "nostr-tools/relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey, ownWorkspace, signUpVerified, until, withSharedServer } from "./e2e-helpers";
import { storedNotes } from "./nostr-reads";

const server = withSharedServer();
let workspace: string;
let agentKey: string;
let wsUrl: string;
const relays: Relay[] = [];
const pools: SimplePool[] = [];

const now = () => Math.floor(Date.now() / 1000);
function identity() {
  const secret = generateSecretKey();
  return { secret, pubkey: getPublicKey(secret), sign: async (t: EventTemplate) => finalizeEvent(t, secret) };
}
async function connect(url: string): Promise<Relay> {
  const relay = await Relay.connect(url);
  relays.push(relay);
  return relay;
}

beforeAll(async () => {
  wsUrl = server.url.replace(/^http/, "ws");
  const owner = await signUpVerified(server.url, "Owner");
  workspace = await ownWorkspace(server.url, owner.cookie);
  agentKey = await createKey(server.url, owner.cookie, workspace, { name: "nostr-agent" });
});

afterAll(async () => {
  for (const relay of relays) relay.close();
  for (const pool of pools) pool.destroy();
});

describe("stock nostr-tools against the relay", () => {
  it("publishes, subscribes with filters, gets EOSE and live events, reacts and deletes in the public community", async () => {
    const alice = identity();
    const bob = identity();
    const url = `${wsUrl}/relay`;
    const writer = await connect(url);
    const stored = finalizeEvent(
      { kind: 1, content: "hello nostr", tags: [["t", "e2e"]], created_at: now() - 1 },
      alice.secret,
    );
    expect(await writer.publish(stored)).toBe("");

    const reader = await connect(url);
    const seen: Event[] = [];
    let eose = false;
    reader.subscribe([{ authors: [alice.pubkey], "#t": ["e2e"] }], {
      onevent: (e) => seen.push(e),
      oneose: () => {
        eose = true;
      },
    });
    await until(() => eose, "EOSE", 10_000);
    expect(seen.map((e) => e.id)).toEqual([stored.id]);
    const live = finalizeEvent({ kind: 1, content: "live", tags: [["t", "e2e"]], created_at: now() }, alice.secret);
    await writer.publish(live);
    await until(() => seen.some((e) => e.id === live.id), "the live event", 10_000);

    // NIP-25 through a pool, seen by a #e subscription.
    const pool = new SimplePool();
    pools.push(pool);
    const reactions: Event[] = [];
    pool.subscribe([url], { kinds: [7], "#e": [live.id] }, { onevent: (e) => reactions.push(e) });
    const upvote = finalizeEvent(
      {
        kind: 7,
        content: "+",
        tags: [
          ["e", live.id],
          ["p", alice.pubkey],
        ],
        created_at: now(),
      },
      bob.secret,
    );
    await Promise.all(pool.publish([url], upvote));
    await until(() => reactions.some((e) => e.id === upvote.id), "the reaction", 10_000);

    // NIP-09: Alice deletes her live note; Bob's attempt to delete her first one does nothing.
    const deletion = finalizeEvent({ kind: 5, content: "", tags: [["e", live.id]], created_at: now() }, alice.secret);
    const notHis = finalizeEvent({ kind: 5, content: "", tags: [["e", stored.id]], created_at: now() }, bob.secret);
    await Promise.all([...pool.publish([url], deletion), ...pool.publish([url], notHis)]);
    const left = await pool.querySync([url], { authors: [alice.pubkey], kinds: [1] });
    expect(left.map((e) => e.id)).toEqual([stored.id]);
  });

  it("refuses bad events and a subscription flood with reasons, storing nothing", async () => {
    const alice = identity();
    const relay = await connect(`${wsUrl}/relay`);
    const forged = finalizeEvent({ kind: 1, content: "forged", tags: [], created_at: now() }, alice.secret);
    await expect(relay.publish({ ...forged, content: "changed" })).rejects.toThrow(
      "invalid: id is not the hash of the event",
    );
    const future = finalizeEvent(
      { kind: 1, content: "from the future", tags: [], created_at: now() + 3600 },
      alice.secret,
    );
    await expect(relay.publish(future)).rejects.toThrow(/^invalid: created_at is more than \d+ s in the future/);
    const huge = finalizeEvent({ kind: 1, content: "x".repeat(70_000), tags: [], created_at: now() }, alice.secret);
    await expect(relay.publish(huge)).rejects.toThrow(/^invalid: content is longer than/);
    const closed: string[] = [];
    for (let i = 0; i < 21; i++)
      relay.subscribe([{ kinds: [1], limit: 0 }], { id: `flood-${i}`, onclose: (reason) => closed.push(reason) });
    await until(() => closed.length > 0, "a CLOSED", 10_000);
    expect(closed).toEqual(["blocked: at most 20 open subscriptions: CLOSE one first"]);
    const pool = new SimplePool();
    pools.push(pool);
    expect(await pool.querySync([`${wsUrl}/relay`], { authors: [alice.pubkey] })).toEqual([]);
  });

  it("lets a member's registered key in with NIP-42 and refuses a non-member's", async () => {
    const agent = identity();
    const url = `${server.url}/api/nostr/identities`;
    const body = { workspaceId: workspace };
    const authorization = await getToken(url, "post", agent.sign, true, body);
    const registered = await fetch(url, {
      method: "POST",
      headers: { authorization, "x-api-key": agentKey, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(registered.status).toBe(201);

    const community = `${wsUrl}/relay/w/${workspace}`;
    const pool = new SimplePool();
    pools.push(pool);
    const post = finalizeEvent({ kind: 1, content: "agent here", tags: [], created_at: now() }, agent.secret);
    // Refused with auth-required first; the pool authenticates with onauth and publishes again.
    expect(await Promise.all(pool.publish([community], post, { onauth: agent.sign }))).toEqual([""]);
    const got = await storedNotes(pool, community, agent.sign);
    expect(got.map((e) => e.id)).toEqual([post.id]);

    const stranger = identity();
    const relay = await connect(community);
    // The challenge comes first on the socket, so by this CLOSED the relay has it.
    const reasons: string[] = [];
    relay.subscribe([{ kinds: [1] }], { onclose: (reason) => reasons.push(reason) });
    await until(() => reasons.length > 0, "a CLOSED", 10_000);
    expect(reasons[0]).toMatch(/^auth-required:/);
    await expect(relay.auth(stranger.sign)).rejects.toThrow(/^restricted: not a member's key in this workspace/);
  });

  it("serves NIP-11 and /SKILL.md with this server's URLs", async () => {
    const info = await fetch(`${server.url}/relay`, { headers: { accept: "application/nostr+json" } });
    expect(info.headers.get("access-control-allow-origin")).toBe("*");
    expect(((await info.json()) as { supported_nips: number[] }).supported_nips).toContain(42);
    const skill = await fetch(`${server.url}/SKILL.md`);
    expect(skill.headers.get("content-type")).toContain("text/markdown");
    const text = await skill.text();
    expect(text).toContain(`${wsUrl}/relay/w/<workspace id>`);
    expect(text).toContain(`${server.url}/api/agent/signup`);
    expect(text).not.toContain("{{");
  });
});
