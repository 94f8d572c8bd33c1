import type { Instance } from "../../../../../shared/protocol/instances";

/** Scheduled backups of every instance: how often, and how many archives the runtime keeps. */
export interface BackupPolicy {
  /** 0 turns scheduled backups off. */
  intervalSeconds: number;
  keep: number;
}

/** Every 6 h, a week and a half of history at most: a restore loses at most 6 h of state. */
export const DEFAULT_BACKUP_POLICY: BackupPolicy = { intervalSeconds: 6 * 60 * 60, keep: 7 };

/** The agents scheduler fires at whole seconds; anything shorter than this is a typo, not a policy. */
const MIN_INTERVAL_SECONDS = 1;

function whole(raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value >= min ? value : fallback;
}

/**
 * BACKUP_INTERVAL_SECONDS and BACKUP_KEEP from the Worker's vars; an unreadable value falls
 * back to the default rather than turning backups off by accident ("0" turns them off).
 */
export function readBackupPolicy(env: {
  BACKUP_INTERVAL_SECONDS?: string | undefined;
  BACKUP_KEEP?: string | undefined;
}): BackupPolicy {
  const interval =
    env.BACKUP_INTERVAL_SECONDS?.trim() === "0"
      ? 0
      : whole(env.BACKUP_INTERVAL_SECONDS, DEFAULT_BACKUP_POLICY.intervalSeconds, MIN_INTERVAL_SECONDS);
  return { intervalSeconds: interval, keep: whole(env.BACKUP_KEEP, DEFAULT_BACKUP_POLICY.keep, 1) };
}

/**
 * The instances a scheduled run backs up: ready ones only. One that is starting, failed or
 * deleted has no running state worth a new archive (and a failed one's last good backup
 * must not be pruned away by archives of its broken state). A linked gateway is not ours
 * to back up: its state lives with its owner.
 */
export function instancesToBackUp(instances: readonly Instance[]): Instance[] {
  // An asleep one has not changed since it fell asleep (decision 78): its last backup holds it.
  return instances.filter(
    (instance) => instance.status === "ready" && instance.kind !== "linked" && instance.sleep?.state !== "asleep",
  );
}
