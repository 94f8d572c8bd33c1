import type { z } from "zod";
import {
  DEFAULT_SETTINGS,
  type SettingsUpdateParams,
  type WorkspaceSettings,
} from "../../../../shared/protocol/settings";
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
    return settingsRecord.decode(stored);
  } catch {
    // Logged by the codec. Read strictly: a workspace that had the two-person rule on
    // must not lose it to a bad row; an operator fixes the row (docs/operations.md).
    return { ...DEFAULT_SETTINGS, approvals: { ...DEFAULT_SETTINGS.approvals, twoPersonRule: true } };
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
    },
  };
  setMeta(ctx.sql, KEY, settingsRecord.encode(settings));
  ctx.emit("settings.changed", { settings });
  ctx.audit("settings.changed", "settings", { approvals: settings.approvals });
  return { settings };
}
