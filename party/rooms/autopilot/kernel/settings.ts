import type { z } from "zod";
import {
  DEFAULT_SETTINGS,
  type SettingsUpdateParams,
  type WorkspaceSettings,
} from "../../../../shared/protocol/settings";
import { linkDecisionsUpTo } from "../../../../shared/approval-policy";
import { settingsRecord } from "../../../records/documents";
import type { OpContext } from "./commit";
import { getMeta, setMeta } from "../../../domain/meta";
import type { Sql } from "../../../domain/sql";

const KEY = "settings";

/** The workspace's settings; the defaults until an owner or admin changes one. */
export function getSettings(sql: Sql): WorkspaceSettings {
  const stored = getMeta(sql, KEY);
  if (stored === null) return DEFAULT_SETTINGS;
  try {
    const settings = settingsRecord.decode(stored);
    // Kept before protocol 19: links decided up to the default, which the room says outright.
    return {
      ...settings,
      approvals: { ...settings.approvals, linkDecisionsUpTo: linkDecisionsUpTo(settings.approvals) },
    };
  } catch {
    // Logged by the codec. Read strictly: a workspace that had the two-person rule on
    // must not lose it to a bad row; an operator fixes the row (docs/operations.md).
    // Nor links a limit it lowered: they decide the least.
    return {
      ...DEFAULT_SETTINGS,
      approvals: { ...DEFAULT_SETTINGS.approvals, twoPersonRule: true, linkDecisionsUpTo: "low" },
    };
  }
}

const definedOnly = <T extends object>(value: T | undefined): Partial<T> =>
  Object.fromEntries(Object.entries(value ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;

/** Applies what the update names; everyone sees the result at once (`settings.changed`). */
export function updateSettings(
  ctx: OpContext,
  params: z.output<typeof SettingsUpdateParams>,
): { settings: WorkspaceSettings } {
  const current = getSettings(ctx.sql);
  const asked = params.approvals;
  const settings: WorkspaceSettings = {
    ...current,
    approvals: {
      twoPersonRule: asked?.twoPersonRule ?? current.approvals.twoPersonRule,
      lifetimes: { ...current.approvals.lifetimes, ...definedOnly(asked?.lifetimes) },
      linkDecisionsUpTo: asked?.linkDecisionsUpTo ?? linkDecisionsUpTo(current.approvals),
      ...(asked?.reminders || current.approvals.reminders
        ? {
            reminders: [...(asked?.reminders ?? current.approvals.reminders ?? [])].sort(
              (a, b) => a.afterMs - b.afterMs,
            ),
          }
        : {}),
    },
  };
  setMeta(ctx.sql, KEY, settingsRecord.encode(settings));
  ctx.emit("settings.changed", { settings });
  ctx.audit("settings.changed", "settings", { approvals: settings.approvals });
  return { settings };
}
