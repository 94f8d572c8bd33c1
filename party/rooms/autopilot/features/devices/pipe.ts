// Frames between a device's socket (accepted here) and the runtime's device socket, with the
// entry's bounds. Nothing is parsed: the gateway's protocol is the gateway's business.

import { frameOver } from "../../../../domain/frame-size";

/** What the Autopilot room says of an instance for the device entry. */
export type DeviceEntryState = "ready" | "not_ready" | "not_found";

/**
 * A device's frame at most this size: a node's results (file reads, command output) ride on
 * it; the gateway takes more, but one connection should not hold that much in this Worker.
 */
export const DEVICE_MAX_FRAME_BYTES = 1024 * 1024;
/** A device's frames per window: well above a node's steady traffic (stats, results), far below a flood. */
export const DEVICE_MAX_FRAMES = 240;
export const DEVICE_WINDOW_MS = 60_000;

/** The close codes of WebSocket (RFC 6455 §7.4.1) that a peer may send on. */
export function sendableCloseCode(code: number): number {
  if (code === 1005) return 1000;
  if ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)) return code;
  return 1011;
}

/** Accepts both sockets and pipes them; `now` is for the rate window. */
export function pipeDeviceSocket(device: WebSocket, upstream: WebSocket, now: () => number = Date.now): void {
  device.accept();
  upstream.accept();
  let windowStart = now();
  let frames = 0;
  const closeBoth = (code: number, text: string) => {
    // A close reason is at most 123 bytes.
    const reason = new TextEncoder().encode(text).byteLength <= 123 ? text : text.slice(0, 40);
    for (const socket of [device, upstream]) {
      try {
        socket.close(code, reason);
      } catch {
        // already closed
      }
    }
  };
  device.addEventListener("message", (event) => {
    if (now() - windowStart >= DEVICE_WINDOW_MS) {
      windowStart = now();
      frames = 0;
    }
    if (++frames > DEVICE_MAX_FRAMES) return closeBoth(1008, "too many frames");
    if (frameOver(event.data, DEVICE_MAX_FRAME_BYTES)) return closeBoth(1009, "frame too large");
    upstream.send(event.data);
  });
  upstream.addEventListener("message", (event) => device.send(event.data));
  device.addEventListener("close", (event) => closeBoth(sendableCloseCode(event.code), event.reason));
  upstream.addEventListener("close", (event) => closeBoth(sendableCloseCode(event.code), event.reason));
  device.addEventListener("error", () => closeBoth(1011, "device socket error"));
  upstream.addEventListener("error", () => closeBoth(1011, "gateway socket error"));
}
