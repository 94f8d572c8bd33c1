import { describe, expect, it } from "vitest";
import type { Approval } from "../../shared/protocol/approvals";
import type { InstanceOperation } from "../../shared/protocol/instances";
import type { Job } from "../../shared/protocol/jobs";
import {
  gatewayLine,
  instanceActivity,
  notConnectedWords,
  requestedInstances,
  startingOperation,
} from "../app/lib/instance-status";
import { alice, approval, instance, job } from "./fixtures";

const op = (
  id: string,
  operation: InstanceOperation,
  status: Approval["status"],
  over: Partial<Approval> = {},
): Approval =>
  approval(id, {
    title: `${operation} OpenClaw instance "lab"`,
    status,
    action: { kind: "instance", operation, instanceId: "lab", name: "Lab" },
    ...(status === "pending" ? {} : { resolvedBy: alice, resolvedAt: 100 }),
    ...over,
  });
const jobs = (...list: Job[]) => new Map(list.map((j) => [j.id, j]));

describe("an instance's gateway line", () => {
  it("a restart is a phase: while the instance restarts, the link's close is not shown as an error", () => {
    // What the room holds mid-restart: the gateway closed the link with 1012 and the instance is starting again.
    const restarting = instance("lab", {
      status: "starting",
      phase: "waiting for gateway handshake",
      progress: 60,
      bridge: "offline",
      bridgeError: "the gateway connection closed (1012: service restart)",
    });
    const approvals = [
      op("a1", "provision", "approved", { resolvedAt: 10 }),
      op("a2", "restart", "approved", { resolvedAt: 50 }),
      op("a3", "backup", "approved", { resolvedAt: 60 }),
    ];
    expect(startingOperation("lab", approvals)).toBe("restart");
    expect(gatewayLine(restarting, startingOperation("lab", approvals))).toEqual({
      state: "connecting",
      label: "Restarting… waiting for gateway handshake",
      detail: null,
    });
    expect(gatewayLine({ ...restarting, phase: "queued" }, "restore")).toEqual({
      state: "connecting",
      label: "Restoring from a backup…",
      detail: null,
    });
    expect(
      gatewayLine(instance("lab", { status: "provisioning", phase: "writing config", bridge: undefined }), null),
    ).toEqual({
      state: "connecting",
      label: "Starting… writing config",
      detail: null,
    });
  });

  it("an instance's sleep (decision 78): asleep, waking with about how long, and what keeps it awake", () => {
    const asleep = instance("lab", {
      kind: "hosted",
      phase: "asleep",
      bridge: "offline",
      bridgeError: null,
      sleep: { state: "asleep", since: 100, wakeMs: 9000, keptAwakeBy: null },
    });
    expect(gatewayLine(asleep)).toEqual({ state: "asleep", label: "Asleep: the next message wakes it", detail: null });
    // Waking is a start: whatever its phase, the line says it wakes, and about how long is left.
    const waking = { ...asleep, status: "starting" as const, phase: "waiting for port" };
    expect(gatewayLine({ ...waking, sleep: { ...asleep.sleep!, state: "waking", since: 1000 } }, null, 4000)).toEqual({
      state: "connecting",
      label: "Waking… (about 6 s)",
      detail: null,
    });
    expect(
      gatewayLine({ ...waking, sleep: { state: "waking", since: 1000, wakeMs: null, keptAwakeBy: null } }, null, 4000)
        ?.label,
    ).toBe("Waking…");
    // Awake: a live channel keeps it so, and the line says which; a device the runtime named too.
    const withChannel = instance("lab", {
      kind: "hosted",
      channels: [{ channel: "whatsapp", label: "WhatsApp", state: "connected" }],
    });
    expect(gatewayLine(withChannel)?.label).toBe("Gateway connected · stays awake: WhatsApp is connected");
    const withDevice = instance("lab", {
      sleep: { state: "awake", since: 1, wakeMs: null, keptAwakeBy: "a device or node is connected" },
    });
    expect(gatewayLine(withDevice)?.label).toBe("Gateway connected · stays awake: a device or node is connected");
    // A linked gateway is not ours to put to sleep: nothing is said of it.
    expect(gatewayLine({ ...withChannel, kind: "linked" })?.label).toBe("Gateway connected");
  });

  it("an asleep instance whose wake was refused says why; its gateway's sections say it sleeps, not that it is broken", () => {
    const why = "The Starter plan runs at most 1 OpenClaw instance at once: stop or delete one first.";
    const sleep = { state: "asleep" as const, since: 100, wakeMs: null, keptAwakeBy: null };
    const asleep = instance("lab", { kind: "hosted", phase: "asleep", bridge: "offline", bridgeError: null, sleep });
    const refused = { ...asleep, sleep: { ...sleep, refused: why } };
    expect(gatewayLine(refused)).toEqual({ state: "asleep", label: "Asleep: could not wake", detail: why });
    expect(notConnectedWords(asleep, "channels")).toBe(
      "The gateway is asleep: its channels show once it wakes. The next message to it wakes it.",
    );
    expect(notConnectedWords(refused, "channels")).toBe(`The gateway is asleep and could not wake: ${why}`);
    expect(notConnectedWords({ ...asleep, sleep: { ...sleep, state: "waking" } }, "skills")).toBe(
      "The gateway is waking up: its skills show once it is connected.",
    );
    expect(notConnectedWords(instance("lab", { bridge: "offline" }), "channels")).toBe(
      "The gateway is not connected: its channels show once it is.",
    );
  });

  it("says connected, connecting, or offline and why; nothing for a deleted instance", () => {
    expect(gatewayLine(instance("lab"))).toEqual({ state: "connected", label: "Gateway connected", detail: null });
    expect(gatewayLine(instance("lab", { bridge: "connecting" }))).toEqual({
      state: "connecting",
      label: "Gateway connecting…",
      detail: null,
    });
    expect(
      gatewayLine(instance("lab", { bridge: "offline", bridgeError: "the gateway connection closed (1011)" })),
    ).toEqual({
      state: "offline",
      label: "Gateway offline",
      detail: "the gateway connection closed (1011)",
    });
    expect(
      gatewayLine(
        instance("lab", {
          status: "error",
          error: "the gateway exited unexpectedly",
          bridge: "offline",
          bridgeError: null,
        }),
      )?.detail,
    ).toBe("the gateway exited unexpectedly");
    expect(gatewayLine(instance("lab", { status: "stopped", bridge: "offline" }))).toBeNull();
    expect(gatewayLine(instance("lab", { bridge: undefined }))).toBeNull();
  });
});

describe("what is under way for an instance", () => {
  it("a requested backup shows while it waits and while it runs, and nothing once it is done", () => {
    const lab = instance("lab", { jobId: "j1" });
    // Asked: the line comes from the pending approval, for everyone (not from the asker's click).
    expect(instanceActivity(lab, [op("a1", "backup", "pending")], jobs())).toEqual([
      { tone: "waiting", label: 'Backup waiting for approval (“backup OpenClaw instance "lab"”)', progress: null },
    ]);
    // Approved: the job reports it.
    const running = job("j1", { title: 'Back up OpenClaw instance "lab"', progress: 40, message: "archiving" });
    expect(instanceActivity(lab, [op("a1", "backup", "approved")], jobs(running))).toEqual([
      { tone: "working", label: 'Back up OpenClaw instance "lab" · archiving', progress: 40 },
    ]);
    // Done (the backup is listed): nothing is left to say.
    expect(
      instanceActivity(lab, [op("a1", "backup", "approved")], jobs({ ...running, status: "succeeded", progress: 100 })),
    ).toEqual([]);
    // Failed: it says so, and why, until another operation starts.
    expect(
      instanceActivity(
        lab,
        [op("a1", "backup", "approved")],
        jobs({ ...running, status: "failed", error: "disk full" }),
      ),
    ).toEqual([{ tone: "failed", label: 'Back up OpenClaw instance "lab" failed: disk full', progress: null }]);
    // Denied or expired: nothing either.
    expect(instanceActivity(lab, [op("a1", "backup", "denied"), op("a2", "restart", "expired")], jobs())).toEqual([]);
  });

  it("only this instance's operations count", () => {
    const other = approval("x", {
      status: "pending",
      action: { kind: "instance", operation: "delete", instanceId: "other" },
    });
    const exec = approval("y", {
      status: "pending",
      action: { kind: "exec", instanceId: "lab", requestId: "r1", command: "ls", cwd: null, sessionKey: null },
    });
    expect(instanceActivity(instance("lab"), [other, exec], jobs())).toEqual([]);
  });

  it("new instances asked for show until their approval is decided, and not once the instance exists", () => {
    const asked = op("a1", "provision", "pending");
    const linked = approval("a2", {
      status: "pending",
      requestedAt: 20,
      action: { kind: "instance", operation: "link", instanceId: "home", name: "Home" },
    });
    expect(requestedInstances([linked, asked], new Map())).toEqual([
      { approvalId: "a1", instanceId: "lab", label: "Lab — waiting for approval" },
      { approvalId: "a2", instanceId: "home", label: "Home — waiting for approval" },
    ]);
    expect(requestedInstances([{ ...asked, status: "approved" }], new Map())).toEqual([]);
    // A deleted instance's id may be provisioned again: that request shows.
    expect(requestedInstances([asked], new Map([["lab", { status: "stopped" as const }]]))).toHaveLength(1);
    expect(requestedInstances([asked], new Map([["lab", { status: "provisioning" as const }]]))).toEqual([]);
  });
});
