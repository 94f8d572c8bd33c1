import { useState } from "react";
import { deleteDetails, restoreDetails, unlinkDetails, unpairDetails } from "../../../shared/instance-texts";
import type { Instance, PairedNode } from "../../../shared/protocol/instances";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { ModalDialog } from "../lib/modal-dialog";
import { instanceActivity } from "../lib/instance-status";
import { clockTime, relativeTime } from "../lib/format";
import { useCan, useRoom } from "../stores/room";
import { AddDevice } from "./devices/AddDevice";
import { NodeList } from "./devices/NodeList";
import { revokeDetails } from "./devices/texts";
import { useInstanceDetails } from "./devices/use-instance-details";
import { InstanceChannels } from "./channels/InstanceChannels";
import { InstanceModel } from "./InstanceModel";
import { InstanceSkills } from "./skills/InstanceSkills";
import { InstanceTools } from "./tools/InstanceTools";
import { InstanceHoursText } from "./billing/InstanceHours";

/**
 * An instance's lifecycle in the inspector (protocol 6): Restart, Back up now, Restore a
 * chosen backup and Delete, each filed as an approval the room runs once a person
 * approves it (its progress shows as a job); what is under way, from those approvals and
 * jobs as the room holds them now; and the details the room reads from the runtime and
 * the gateway: version, model, uptime, backups, paired devices.
 */

type Request =
  | { op: "restart" | "backup" | "delete" }
  | { op: "restore"; backupId: string }
  | { op: "unpair"; deviceId: string };

interface Confirm {
  title: string;
  body: string;
  confirm: string;
  request: Request;
}

/** A modal confirmation (lib/modal.ts): focus stays in it, Escape cancels, focus returns. */
function ConfirmDialog({
  confirm,
  onClose,
  onConfirm,
}: {
  confirm: Confirm | null;
  onClose: () => void;
  onConfirm: (request: Request) => void;
}) {
  return (
    <ModalDialog
      open={confirm !== null}
      className="confirm-dialog"
      onClose={onClose}
      labelledBy="confirm-h"
      describedBy="confirm-body"
    >
      {confirm && (
        <>
          <h2 id="confirm-h">{confirm.title}</h2>
          <p id="confirm-body">{confirm.body}</p>
          <p className="muted small">
            A person with the approve scope confirms it in Approvals before anything happens.
          </p>
          <div className="actions">
            {/* First in the dialog, so showModal() focuses Cancel, not the risky button. */}
            <button type="button" onClick={onClose}>
              Cancel
            </button>
            <button type="button" className="deny" onClick={() => onConfirm(confirm.request)}>
              {confirm.confirm}
            </button>
          </div>
        </>
      )}
    </ModalDialog>
  );
}

const kib = (bytes: number) =>
  bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function every(seconds: number): string {
  if (seconds === 0) return "off";
  if (seconds % 3600 === 0) return `every ${seconds / 3600} h`;
  if (seconds % 60 === 0) return `every ${seconds / 60} min`;
  return `every ${seconds} s`;
}

export function InstanceLifecycle({ instance }: { instance: Instance }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const [confirm, setConfirm] = useState<Confirm | null>(null);
  const { details, error: detailsError, loading, reload } = useInstanceDetails(instance);
  const ask = useAction(async (request: Request) => {
    if (!client) return;
    const instanceId = instance.id;
    // What follows shows from the room's state (the approval, then its job), not from this request.
    if (request.op === "restore") await client.instances.restore({ instanceId, backupId: request.backupId });
    else if (request.op === "unpair") await client.instances.unpair({ instanceId, deviceId: request.deviceId });
    else await client.instances[request.op]({ instanceId });
  });
  const approvals = useRoom((s) => s.state.approvals);
  const jobs = useRoom((s) => s.state.jobs);
  const activity = instanceActivity(instance, approvals.values(), jobs);
  const busy = instance.status === "provisioning" || instance.status === "starting";
  const disabled = !canWrite || busy || ask.pending;
  const why = !canWrite
    ? "Your role cannot change instances."
    : busy
      ? `Wait until the instance is ready (${instance.phase}).`
      : undefined;
  const file = (request: Request) => {
    setConfirm(null);
    ask.run(request);
  };
  const revoke = (node: PairedNode, name: string) =>
    setConfirm({
      title: `Revoke ${name}?`,
      body: revokeDetails(name, node.nodeId),
      confirm: "Ask to revoke",
      request: { op: "unpair", deviceId: node.nodeId },
    });
  const last = details?.backups.at(-1);
  // A linked gateway runs on its owner's machine: only unlinking (and unpairing) is ours.
  const linked = instance.kind === "linked";
  return (
    <section className="instance-lifecycle" aria-label="Lifecycle">
      {linked && (
        <p className="form-note">
          Your own gateway at <code>{instance.url}</code>. Restart, backups and restore are done where it runs.
        </p>
      )}
      <div className="actions">
        {!linked && (
          <button
            type="button"
            disabled={disabled}
            title={why}
            onClick={() =>
              setConfirm({
                title: `Restart ${instance.name}?`,
                body: "Restarts the gateway; running chats are interrupted and resume after it is back (about 15 s).",
                confirm: "Ask to restart",
                request: { op: "restart" },
              })
            }
          >
            Restart
          </button>
        )}
        {!linked && (
          <button type="button" disabled={disabled} title={why} onClick={() => ask.run({ op: "backup" })}>
            Back up now
          </button>
        )}
        <button
          type="button"
          className="deny"
          disabled={disabled}
          title={why}
          onClick={() =>
            setConfirm(
              linked
                ? {
                    title: `Unlink ${instance.name}?`,
                    body: unlinkDetails(instance.threadIds.length),
                    confirm: "Ask to unlink",
                    request: { op: "delete" },
                  }
                : {
                    title: `Delete ${instance.name}?`,
                    body: deleteDetails(instance.threadIds.length),
                    confirm: "Ask to delete",
                    request: { op: "delete" },
                  },
            )
          }
        >
          {linked ? "Unlink…" : "Delete…"}
        </button>
      </div>
      {activity.map((line) => (
        <p key={line.label} className={`form-note activity-${line.tone}`} role="status">
          {line.label}
          {line.progress !== null && ` · ${line.progress}%`}
        </p>
      ))}
      <FormError error={ask.error} />

      <h3>
        Details {/* Its name stays "Refresh" while it works: aria-busy says it is. */}
        <button type="button" className="link small" onClick={reload} disabled={loading} aria-busy={loading}>
          Refresh
        </button>
        {loading && <span className="muted small">updating…</span>}
      </h3>
      <FormError error={detailsError} />
      {details && (
        <dl className="facts" aria-label="Instance details">
          <dt>OpenClaw</dt>
          <dd>{details.gatewayVersion ?? (linked ? "unknown (not connected)" : "unknown (not started yet)")}</dd>
          <dt>Model</dt>
          <dd>
            <InstanceModel
              instance={instance}
              fallback={details.model ?? (linked ? "set on the gateway" : "none configured")}
            />
          </dd>
          {linked ? (
            <>
              {/* For a linked gateway readyAt is since when the room is connected to it: its uptime is its owner's. */}
              <dt>Connected</dt>
              <dd>
                {details.readyAt === null
                  ? "not connected"
                  : `since ${clockTime(details.readyAt)} (${relativeTime(details.readyAt)})`}
              </dd>
            </>
          ) : (
            <>
              <dt>Uptime</dt>
              <dd>
                {details.readyAt === null
                  ? "not running"
                  : `up since ${clockTime(details.readyAt)} (${relativeTime(details.readyAt)})`}
              </dd>
              <dt>Hours</dt>
              <dd>
                <InstanceHoursText instanceId={instance.id} />
              </dd>
              <dt>Restarts</dt>
              <dd>{details.restarts}</dd>
              <dt>Last backup</dt>
              <dd>{last ? relativeTime(last.createdAt) : "none yet"}</dd>
              <dt>Scheduled</dt>
              <dd>
                {details.schedule.intervalSeconds === 0
                  ? "off"
                  : `${every(details.schedule.intervalSeconds)}, keeping ${details.schedule.keep}`}
              </dd>
            </>
          )}
          {details.restoredFrom && (
            <>
              <dt>Restored from</dt>
              <dd>
                <code>{details.restoredFrom}</code>
              </dd>
            </>
          )}
        </dl>
      )}

      {details && (
        <>
          {!linked && (
            <>
              <h3>Backups</h3>
              {details.backups.length === 0 ? (
                <p className="empty">No backups yet.</p>
              ) : (
                <ul className="backup-list" aria-label="Backups">
                  {[...details.backups].reverse().map((backup) => (
                    <li key={backup.id} className="backup-row">
                      <span>
                        <time dateTime={new Date(backup.createdAt).toISOString()} title={backup.id}>
                          {new Date(backup.createdAt).toLocaleString()}
                        </time>{" "}
                        <span className="muted small">{kib(backup.sizeBytes)}</span>
                      </span>
                      <button
                        type="button"
                        className="small"
                        disabled={disabled}
                        title={why}
                        aria-label={`Restore backup ${backup.id}`}
                        onClick={() =>
                          setConfirm({
                            title: `Restore ${instance.name} from this backup?`,
                            body: restoreDetails(backup.id),
                            confirm: "Ask to restore",
                            request: { op: "restore", backupId: backup.id },
                          })
                        }
                      >
                        Restore…
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}

          <h3>Paired devices</h3>
          {details.devices === null ? (
            <p className="muted small">{details.devicesError}</p>
          ) : details.devices.length === 0 ? (
            <p className="empty">No paired devices.</p>
          ) : (
            <ul className="device-list" aria-label="Paired devices">
              {details.devices.map((device) => (
                <li key={device.deviceId}>
                  <strong>{device.displayName ?? device.clientId ?? "device"}</strong>{" "}
                  <span className="muted small">
                    {[
                      device.platform,
                      device.role,
                      device.approvedAt === null ? null : `paired ${relativeTime(device.approvedAt)}`,
                    ]
                      .filter(Boolean)
                      .join(" · ")}
                  </span>
                  <code className="device-id" title={device.deviceId}>
                    {device.deviceId.slice(0, 12)}
                  </code>
                  {device.self ? (
                    <span className="chip">this Autopilot</span>
                  ) : (
                    <button
                      type="button"
                      className="small deny"
                      disabled={disabled}
                      title={why}
                      aria-label={`Unpair ${device.displayName ?? device.deviceId}`}
                      onClick={() =>
                        setConfirm({
                          title: "Unpair this device?",
                          body: unpairDetails(device.deviceId),
                          confirm: "Ask to unpair",
                          request: { op: "unpair", deviceId: device.deviceId },
                        })
                      }
                    >
                      Unpair…
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </>
      )}

      <div className="nodes-head">
        <h3>Nodes</h3>
        <AddDevice instance={instance} />
      </div>
      {details && <NodeList details={details} disabled={disabled} why={why} onRevoke={revoke} />}
      <InstanceChannels instance={instance} />
      <InstanceSkills instance={instance} />
      <InstanceTools instance={instance} />
      <ConfirmDialog confirm={confirm} onClose={() => setConfirm(null)} onConfirm={file} />
    </section>
  );
}
