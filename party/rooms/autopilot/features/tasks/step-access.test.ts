import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AccessVerdict } from "../../../../auth/current-access";
import type { Principal } from "../../../../../shared/protocol/principal";
import { loopAccess } from "./step-access";

const starter: Principal = { id: "user_1", kind: "user", name: "Ada", scopes: ["read", "write"] };
const ok = (extra: Partial<Extract<AccessVerdict, { ok: true }>> = {}): AccessVerdict => ({
  ok: true,
  principal: starter,
  ...extra,
});
const gone: AccessVerdict = { ok: false, code: 4003, reason: "you no longer have access to this workspace" };

/** A D1 stand-in that answers what `answers` holds now, counting its reads. */
function reader(answers: { now: AccessVerdict }) {
  const read = vi.fn(async () => answers.now);
  return read;
}

describe("a task loop's access (decision 100)", () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it("reads once, takes that read again within the window, and reads again after it", async () => {
    const read = reader({ now: ok() });
    const { current } = loopAccess(read, 2000);
    expect(await current(starter)).toEqual(ok());
    vi.advanceTimersByTime(1999);
    await current(starter);
    expect(read).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    await current(starter);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it("an access notice forgets the read: the next step reads D1 and sees the change", async () => {
    const answers: { now: AccessVerdict } = { now: ok() };
    const access = loopAccess(reader(answers), 2000);
    await access.current(starter);
    answers.now = gone;
    expect(await access.current(starter)).toEqual(ok());
    access.forget();
    expect(await access.current(starter)).toEqual(gone);
  });

  it("keeps no verdict that stops the task, nor one read while a notice came", async () => {
    const answers: { now: AccessVerdict } = { now: gone };
    const read = reader(answers);
    const access = loopAccess(read, 2000);
    await access.current(starter);
    await access.current(starter);
    expect(read).toHaveBeenCalledTimes(2);

    // A read under way when the notice arrives may have read D1 before the change: not kept.
    answers.now = ok();
    let release: (v: AccessVerdict) => void = () => {};
    const slow = vi.fn(() => new Promise<AccessVerdict>((resolve) => (release = resolve)));
    const racing = loopAccess(slow, 2000);
    const first = racing.current(starter);
    racing.forget();
    release(ok());
    expect(await first).toEqual(ok());
    const second = racing.current(starter);
    release(ok());
    await second;
    expect(slow).toHaveBeenCalledTimes(2);
  });

  it("never past a key's expiry, and never for another principal or other scopes", async () => {
    const read = reader({ now: ok({ expiresAt: Date.now() + 500 }) });
    const { current } = loopAccess(read, 2000);
    await current(starter);
    vi.advanceTimersByTime(499);
    await current(starter);
    expect(read).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    await current(starter);
    expect(read).toHaveBeenCalledTimes(2);
    await current({ ...starter, scopes: ["read"] });
    await current({ ...starter, id: "user_2" });
    expect(read).toHaveBeenCalledTimes(4);
  });
});
