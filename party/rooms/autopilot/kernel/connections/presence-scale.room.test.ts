// Presence that does not grow (protocol 17): at 1,000 sockets of 20 agents' keys and a person,
// a hello and every presence frame stay under 2 KB, everyone counts everyone, a summary lists
// the people shown only when they changed, and a reconnect gets presence current in its hello
// and asks for nothing.
import { describe, expect, it } from "vitest";
import type { EventFrame } from "../../../../../shared/protocol/frames";
import type { PresenceSummary } from "../../../../../shared/protocol/presence";
import { createKey, type Frame, RawSocket, signUp } from "../../../../test/harness";

const KEYS = 20;
/** Each key's sockets: the per-principal cap of this file's runtime (vitest.worker.config.ts). */
const PER_KEY = 50;
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).byteLength;

describe("presence at 1,000 sockets", () => {
  it("a hello's presence and every presence frame stay under 2 KB, and every socket ends up counting all of them", async () => {
    const owner = await signUp();
    const ws = owner.workspaceId;
    // One after another, as an owner adds them.
    const keys: { key: string }[] = [];
    for (let i = 0; i < KEYS; i++) keys.push(await createKey(owner, ws, ["read"], `fleet-${i}`));
    const socks: RawSocket[] = [];
    for (const { key } of keys)
      socks.push(
        ...(await Promise.all(
          Array.from({ length: PER_KEY }, (_, d) => RawSocket.open(ws, { key }, { device: `runner-${d}` })),
        )),
      );
    await Promise.all(socks.map((s) => s.hello()));
    const n = KEYS * PER_KEY;
    const summaryOf = (f: Frame) => f.payload as PresenceSummary;
    const counting = (connections: number) => (f: Frame) =>
      f.event === "presence.summary" && summaryOf(f).connections === connections;
    // Everyone has been told of the whole fleet before she comes.
    await Promise.all(socks.map((s) => s.waitFor(counting(n), 30_000)));

    // The person arrives last: her hello counts everyone and shows only the first to arrive.
    const person = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "laptop" });
    const hello = await person.hello();
    expect(hello.presence).toMatchObject({ people: KEYS + 1, connections: n + 1, own: 1 });
    expect(hello.presence.shown.length).toBeGreaterThan(0);
    expect(hello.presence.shown.length).toBeLessThanOrEqual(12);
    expect(hello.presence.shown.every((p) => p.kind === "agent" && p.devices === PER_KEY)).toBe(true);
    expect(bytes(hello.presence)).toBeLessThanOrEqual(2048);

    // Every socket is told of her, in a summary that counts all of them; she is not among the
    // people shown, who did not change, so it does not list them again.
    await Promise.all(socks.map((s) => s.waitFor(counting(n + 1), 30_000)));
    for (const s of socks) expect(s.frames.filter(counting(n + 1)).map((f) => summaryOf(f).shown)).toEqual([undefined]);
    const presenceFrames = socks.flatMap((s) =>
      s.events().filter((e: EventFrame) => e.event === "presence.summary" || e.event === "presence.own"),
    );
    expect(Math.max(...presenceFrames.map(bytes))).toBeLessThanOrEqual(2048);

    // A reconnect: her hello carries presence current (her own two sockets now), nothing more is asked.
    const phone = await RawSocket.open(ws, { cookie: owner.cookie }, { device: "phone" });
    const again = await phone.hello();
    expect(again.presence).toMatchObject({ people: KEYS + 1, connections: n + 2, own: 2 });
    expect(bytes(again.presence)).toBeLessThanOrEqual(2048);
    await person.waitFor((f) => f.event === "presence.own" && (f.payload as { own: number }).own === 2, 10_000);

    // The first key to arrive leaves: the people shown changed, and the summary lists them again without it.
    const first = hello.presence.shown[0]!.principalId;
    for (const s of socks.slice(0, PER_KEY)) s.close();
    const left = await person.waitFor<Frame>(counting(n + 2 - PER_KEY), 30_000);
    expect(summaryOf(left).people).toBe(KEYS);
    expect(summaryOf(left).shown?.map((p) => p.principalId)).not.toContain(first);
    expect(summaryOf(left).shown?.length).toBeGreaterThan(0);
    for (const s of [...socks.slice(PER_KEY), person, phone]) s.close();
  }, 180_000);
});
