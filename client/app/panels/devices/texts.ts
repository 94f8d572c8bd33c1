import type { PairedNode } from "../../../../shared/protocol/instances";
import { AutopilotError } from "../../../src/errors";

// What the devices part of the inspector says, as pure functions of what the room answered
// (a setup code, a node as the gateway lists it) and the clock: nothing here is remembered.

/** Only an image the browser draws from bytes we were given: never a URL it would fetch. */
const PNG_DATA_URL = "data:image/png;base64,";
export const qrImage = (qr: string | null): string | null =>
  qr?.startsWith(PNG_DATA_URL) && /^[A-Za-z0-9+/]+=*$/.test(qr.slice(PNG_DATA_URL.length)) ? qr : null;

/** "m:ss" left until `expiresAt`, or null once it has passed. */
export function timeLeft(expiresAt: number, now: number): string | null {
  const seconds = Math.ceil((expiresAt - now) / 1000);
  if (seconds <= 0) return null;
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/** A node's name as a person reads it: its display name, else the start of its id. */
export function nodeName(node: Pick<PairedNode, "displayName" | "nodeId">): string {
  const name = node.displayName?.trim();
  return name ? name.slice(0, 200) : node.nodeId.slice(0, 12);
}

/** Platform, version and when it was last seen, as one line. */
export function nodeFacts(
  node: Pick<PairedNode, "platform" | "version" | "connected" | "lastSeenAt">,
  since: (at: number) => string,
): string {
  const parts = [node.platform?.trim(), node.version?.trim() && `v${node.version.trim().replace(/^v/i, "")}`];
  if (!node.connected && node.lastSeenAt !== null) parts.push(`last seen ${since(node.lastSeenAt)}`);
  return parts.filter(Boolean).join(" · ");
}

/** The first `visible` distinct commands, how many more there are, and how many in all. */
export function someCommands(
  commands: readonly string[],
  visible: number,
): { shown: string[]; more: number; total: number } {
  const distinct = [...new Set(commands)];
  return { shown: distinct.slice(0, visible), more: Math.max(0, distinct.length - visible), total: distinct.length };
}

const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;

/** Why no setup code came, in the room's words, and what to do about it. */
export function setupErrorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof AutopilotError ? error.code : null;
  let next = "Try again with New code.";
  if (code === "forbidden") next = "Setup codes are made by people: sign in with your own account, not an agent's key.";
  else if (/DEVICE_ENTRY_ORIGIN/.test(message))
    next = "Whoever runs this deployment sets DEVICE_ENTRY_ORIGIN; until then no device can pair through it.";
  else if (/not ready/.test(message)) next = "Wait until the instance is ready, then press New code.";
  else if (/not connected|waking up/.test(message))
    next = "Wait until its gateway shows connected again, then press New code.";
  // Asleep (decision 78): a message to the instance wakes it; a refused wake says its own reason.
  else if (/is asleep: /.test(message))
    next = "Send it a message to wake it, then press New code once it shows connected.";
  else if (code === "rate_limited") next = "Wait a moment, then press New code.";
  return `${sentence(message)} ${next}`;
}

/** Revoking a node is unpairing its device: said for the confirm dialog. */
export function revokeDetails(name: string, nodeId: string): string {
  return `Removes ${name} (${nodeId.slice(0, 12)}) from the gateway's pairings: the gateway drops its connection at once, it can no longer run commands, and it has to pair again (new approvals) to come back.`;
}
