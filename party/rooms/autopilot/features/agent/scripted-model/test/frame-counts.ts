// What a socket receives, per frame type: the byte counts of the reply and task-step room tests.
import type { EventFrame } from "../../../../../../../shared/protocol/frames";
import type { RawSocket } from "../../../../../../test/harness";

export type FrameCounts = Map<string, { frames: number; bytes: number }>;

/** Bytes and frames per frame type (an event's name, or the frame's type) `sock` receives while `counting.on`. */
export function countFrames(sock: RawSocket, counting: { on: boolean } = { on: true }): FrameCounts {
  const byType: FrameCounts = new Map();
  sock.ws.addEventListener("message", (e) => {
    if (!counting.on) return;
    const text = e.data as string;
    const frame = JSON.parse(text) as EventFrame;
    const key = frame.type === "event" ? frame.event : frame.type;
    const row = byType.get(key) ?? { frames: 0, bytes: 0 };
    row.frames++;
    row.bytes += text.length;
    byType.set(key, row);
  });
  return byType;
}

export const totalBytes = (byType: FrameCounts): number => [...byType.values()].reduce((sum, r) => sum + r.bytes, 0);

/** The counts as one line, largest first, in bytes per `unit` (`per` of them in all). */
export const countsLine = (byType: FrameCounts, per: number, unit: string, digits = 0): string =>
  [...byType.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .map(([k, r]) => `${k}: ${r.frames} frames, ${(r.bytes / per).toFixed(digits)} B/${unit}`)
    .join("; ");
