import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ORIGIN } from "../../test/harness";
import { closedAfterEach, keys, now, signed } from "../../test/support/relay-harness";

// Hostile events, filters and floods against the relay (party/rooms/relay/), with the small
// limits vitest.worker.config.ts sets (message 16384 bytes, content 8192, 50 tags, 12
// subscriptions, 4 filters, 100 values a list, limit 50, 30 events a minute, 6 sockets an
// address). Each gets OK false, CLOSED or a NOTICE with its reason, and changes nothing.

const opened = closedAfterEach();
const open = (address?: string) => opened("/relay", address);

describe("bad events", () => {
  it("refuses a wrong id, a bad signature, oversize content or message, a future or ancient timestamp, too many tags; none is stored", async () => {
    const alice = keys();
    const socket = await open();
    const good = signed(alice, { content: "fine" });
    const wrongId = { ...signed(alice, { content: "original" }), content: "changed after signing" };
    const badSig = signed(alice, { content: "signature" });
    badSig.sig = `${badSig.sig.slice(0, -2)}${badSig.sig.endsWith("00") ? "11" : "00"}`;
    const cases: Array<[unknown, RegExp]> = [
      [wrongId, /^invalid: id is not the hash of the event$/],
      [badSig, /^invalid: bad signature$/],
      [signed(alice, { content: "x".repeat(8193) }), /^invalid: content is longer than 8192 characters$/],
      [
        signed(alice, {
          content: "x".repeat(8192),
          tags: [
            ["alt", "y".repeat(4096)],
            ["alt", "z".repeat(4096)],
          ],
        }),
        /^invalid: message longer than 16384 bytes$/,
      ],
      [signed(alice, { created_at: now() + 3600 }), /^invalid: created_at is more than 900 s in the future$/],
      [
        signed(alice, { created_at: now() - 4 * 365 * 24 * 3600 }),
        /^invalid: created_at is more than \d+ s in the past$/,
      ],
      [signed(alice, { tags: Array.from({ length: 51 }, (_, i) => ["t", `tag${i}`]) }), /^invalid: more than 50 tags$/],
      [{ ...good, id: "nothex" }, /^invalid: id is not 64 hex characters$/],
      [{ ...good, kind: "1" }, /^invalid: not an event/],
      [{ ...good, tags: [["t", 5]] }, /^invalid: not an event/],
    ];
    for (const [event, reason] of cases) {
      const id = (event as { id: string }).id;
      const [accepted, message] = await socket.publish(event, id);
      expect(accepted, `${reason} was accepted`).toBe(false);
      expect(message).toMatch(reason);
    }
    expect(await socket.publish(good)).toEqual([true, ""]);
    const stored = await socket.req("all", { authors: [alice.pubkey] });
    expect(stored.events.map((e) => e.id)).toEqual([good.id]);
  });

  it("answers a message far over the limit, one that is not JSON, an unknown type and a binary frame with a NOTICE", async () => {
    const socket = await open();
    const from = socket.frames.length;
    socket.send(["EVENT", { content: "x".repeat(70_000) }]);
    socket.ws.send("not json");
    socket.send(["COUNT", "c", {}]);
    socket.ws.send(new Uint8Array([1, 2, 3]));
    await socket.next((f) => f[0] === "NOTICE" && String(f[1]).includes("text"), from);
    const notices = socket.frames
      .slice(from)
      .filter((f) => f[0] === "NOTICE")
      .map((f) => f[1]);
    expect(notices).toEqual([
      "invalid: message longer than 16384 bytes",
      "invalid: not JSON",
      'invalid: unknown message type "COUNT"',
      "invalid: Nostr messages are text",
    ]);
  });
});

describe("filter floods", () => {
  it("closes a REQ with too many filters, too long a list, a bad field or value, and the subscription past the cap", async () => {
    const socket = await open();
    const closed = async (...filters: unknown[]) => (await socket.req(crypto.randomUUID(), ...filters)).closed;
    expect(await closed({}, {}, {}, {}, {})).toBe("invalid: at most 4 filters in one REQ");
    const many = Array.from({ length: 101 }, () => keys().pubkey);
    expect(await closed({ authors: many })).toMatch(/^invalid: authors .* more than 100 values$/);
    expect(await closed({ ids: ["nothex"] })).toMatch(/^invalid: ids/);
    expect(await closed({ kinds: [-1] })).toMatch(/^invalid: kinds/);
    expect(await closed({ "#e": [5] })).toMatch(/^invalid: #e/);
    expect(await closed({ limit: -1 })).toMatch(/^invalid: limit/);
    expect(await closed({ since: "yesterday" })).toMatch(/^invalid: since/);
    expect(await closed({ search: "nostr" })).toMatch(/^invalid: search \(NIP-50\)/);
    expect(await closed({ colour: "red" })).toMatch(/^invalid: unknown filter field/);
    expect(await closed()).toBe("invalid: a REQ needs at least one filter");
    const from = socket.frames.length;
    socket.send(["REQ", "x".repeat(65), {}]);
    expect((await socket.next((f) => f[0] === "NOTICE", from))[1]).toMatch(/^invalid: a subscription id/);

    for (let i = 0; i < 12; i++) expect((await socket.req(`s${i}`, { kinds: [1], limit: 0 })).closed).toBeNull();
    expect((await socket.req("one-more", { kinds: [1] })).closed).toBe(
      "blocked: at most 12 open subscriptions: CLOSE one first",
    );
    // Replacing an open one is not one more; closing one makes room.
    expect((await socket.req("s3", { kinds: [7], limit: 0 })).closed).toBeNull();
    socket.send(["CLOSE", "s0"]);
    expect((await socket.req("one-more", { kinds: [1], limit: 0 })).closed).toBeNull();
  });

  it("cuts a filter's limit to max_limit", async () => {
    const alice = keys();
    const writers = [await open(), await open()];
    for (let i = 0; i < 56; i++)
      expect((await writers[i % 2]!.publish(signed(alice, { content: `n${i}`, created_at: now() - i })))[0]).toBe(true);
    expect((await writers[0]!.req("big", { authors: [alice.pubkey], limit: 1000 })).events).toHaveLength(50);
  });
});

describe("rates and caps", () => {
  it("refuses a connection's events past its minute's allowance with rate-limited, and stores none of them", async () => {
    const alice = keys();
    const socket = await open();
    const events = Array.from({ length: 31 }, (_, i) => signed(alice, { content: `e${i}` }));
    const answers = [];
    for (const event of events) answers.push(await socket.publish(event));
    expect(answers.slice(0, 30).every(([ok]) => ok)).toBe(true);
    expect(answers[30]![0]).toBe(false);
    expect(answers[30]![1]).toMatch(/^rate-limited: over 30 events a minute from one connection/);
    const other = await open();
    const stored = await other.req("n", { authors: [alice.pubkey], limit: 50 });
    expect(stored.events.map((e) => e.id)).not.toContain(events[30]!.id);
    expect(stored.events).toHaveLength(30);
  });

  it("hangs up on a connection that goes on flooding after its messages are refused", async () => {
    const socket = await open();
    for (let i = 0; i < 400; i++) socket.send(["CLOSE", `c${i}`]);
    await socket.next((f) => f[0] === "NOTICE" && String(f[1]).startsWith("rate-limited:"));
    await socket.next(() => socket.closed !== null);
    expect(socket.closed?.code).toBe(1008);
  });

  it("takes at most max_connections_per_address sockets from one address", async () => {
    const address = `10.99.${Math.floor(Math.random() * 250)}.1`;
    for (let i = 0; i < 6; i++) await (await open(address)).challenge;
    const seventh = await open(address);
    const notice = await seventh.next((f) => f[0] === "NOTICE");
    expect(notice[1]).toBe("rate-limited: at most 6 connections from one address");
    await seventh.next(() => seventh.closed !== null);
    expect(seventh.closed?.code).toBe(1013);
  });

  it("answers a plain GET with where to connect and /SKILL.md", async () => {
    const res = await SELF.fetch(`${ORIGIN}/relay`);
    expect(await res.text()).toContain("/SKILL.md");
  });
});
