// What an instance operation does, in the words people read: the room puts them in the
// approval, the app shows the same words in its confirm dialog before anyone asks.

/** A delete, said plainly: the gateway's side goes, the workspace's side stays. */
export function deleteDetails(threads: number): string {
  const attached =
    threads === 0
      ? "No thread is attached to it."
      : threads === 1
        ? "Its attached thread stays in this workspace with all its messages and attachments, but is detached: OpenClaw no longer answers there."
        : `Its ${threads} attached threads stay in this workspace with all their messages and attachments, but are detached: OpenClaw no longer answers there.`;
  return `Stops the gateway and removes its state and its backups: its sessions, memory, settings and paired devices (a runtime set to archive deleted instances keeps a copy for its operator). ${attached} This cannot be undone.`;
}

/** Unpairing a device from the gateway. */
export function unpairDetails(deviceId: string): string {
  return `Removes device ${deviceId} from the gateway's paired devices: its tokens stop working at once, and it has to pair again (a new approval) to reconnect.`;
}

/** A restore of a chosen backup. */
export function restoreDetails(backupId: string): string {
  return `Stops the gateway and replaces its whole state with backup ${backupId}, then starts it again. Everything the gateway learned or stored after that backup is lost (sessions, memory, paired devices); this workspace's threads and messages are not touched.`;
}

/** Linking a gateway its users run elsewhere (protocol 7). */
export function linkDetails(url: string): string {
  return `Connects the Autopilot to the OpenClaw gateway at ${url}, run by its owner outside this service, with the token given (kept in the Autopilot's storage, never shown to anyone). The gateway's agent then answers in the threads it is attached to and its exec approvals come to this queue. Restart, backup and restore are the gateway owner's to do.`;
}

/** Deleting a linked instance unlinks it: the gateway itself is not ours to stop. */
export function unlinkDetails(threads: number): string {
  const attached =
    threads === 0
      ? "No thread is attached to it."
      : `Its attached thread${threads === 1 ? " stays" : `s (${threads}) stay`} in this workspace with all messages, detached.`;
  return `Unlinks the gateway: the Autopilot forgets its token and its device pairing and disconnects. The gateway itself keeps running with its state. ${attached}`;
}
