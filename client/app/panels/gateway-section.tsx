import { type ReactNode, useEffect, useState } from "react";
import type { Approval } from "../../../shared/protocol/approvals";
import type { Instance, InstanceOperation } from "../../../shared/protocol/instances";
import type { AutopilotClient } from "../../src/client";
import { useAction } from "../lib/action";
import { notConnectedWords } from "../lib/instance-status";
import { FormError } from "../lib/form-error";
import { useCan, useRoom } from "../stores/room";
import "./gateway-section.css";

/** How many of the workspace's jobs have ended: it grows when a decided change has run. */
export function useEndedJobs(): number {
  return useRoom((s) => {
    let n = 0;
    for (const job of s.state.jobs.values()) if (job.status !== "running" && job.status !== "cancel_requested") n++;
    return n;
  });
}

/**
 * What an instance's gateway reports (its channels, its skills), read through the room: when
 * the section opens, when the bridge connects, and when a change's job ends (a decided change
 * ran). Nothing while the gateway is not connected.
 */
export function useGatewayRead<T>(
  instance: Instance,
  read: (client: AutopilotClient, instanceId: string) => Promise<T>,
) {
  const client = useRoom((s) => s.client);
  const finished = useEndedJobs();
  const [data, setData] = useState<T | null>(null);
  const load = useAction(async () => {
    if (client) setData(await read(client, instance.id));
  });
  const { run } = load;
  const connected = instance.bridge === "connected";
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload on these changes only; `run` is new every render
  useEffect(() => {
    if (connected) run();
  }, [client, instance.id, connected, finished]);
  return { data: connected ? data : null, error: load.error, loading: load.pending, reload: () => run() };
}

/**
 * A gateway section's state: what its gateway reports (useGatewayRead), the changes of its
 * `operations` waiting for a person, and whether this viewer may ask for another now (they
 * may write, and the gateway is connected).
 */
export function useGatewaySection<T>(
  instance: Instance,
  operations: ReadonlySet<InstanceOperation>,
  read: (client: AutopilotClient, instanceId: string) => Promise<T>,
) {
  const canWrite = useCan("write");
  const approvals = useRoom((s) => s.state.approvals);
  return {
    read: useGatewayRead(instance, read),
    pending: pendingOn(approvals.values(), instance.id, operations),
    disabled: !canWrite || instance.bridge !== "connected",
  };
}

/** The instance's pending approvals of these operations: the changes waiting for a person. */
const pendingOn = (
  approvals: Iterable<Approval>,
  instanceId: string,
  operations: ReadonlySet<InstanceOperation>,
): Approval[] =>
  [...approvals].filter(
    (a) =>
      a.status === "pending" &&
      a.action?.kind === "instance" &&
      a.action.instanceId === instanceId &&
      operations.has(a.action.operation),
  );

/**
 * A section of an instance's gateway in the inspector: its heading with a Refresh (named for
 * the section: the inspector's details have one of their own), what shows while the gateway
 * is not connected, the read's error, and each change waiting for approval.
 */
export function GatewaySection({
  title,
  className,
  instance,
  read,
  pending,
  children,
}: {
  title: string;
  className: string;
  instance: Instance;
  read: { error: string | null | undefined; loading: boolean; reload: () => void };
  pending: readonly Approval[];
  children: ReactNode;
}) {
  const connected = instance.bridge === "connected";
  return (
    <section className={`gateway-section ${className}`} aria-label={title}>
      <h3>
        {title}{" "}
        {connected && (
          <button
            type="button"
            className="link small"
            onClick={read.reload}
            disabled={read.loading}
            aria-busy={read.loading}
            aria-label={`Refresh ${title.toLowerCase()}`}
          >
            Refresh
          </button>
        )}
      </h3>
      {!connected && (
        <p className="muted small" role="status">
          {notConnectedWords(instance, title.toLowerCase())}
        </p>
      )}
      <FormError error={read.error} />
      {pending.map((a) => (
        <p key={a.id} className="form-note activity-waiting" role="status">
          Waiting for approval: {a.title}
        </p>
      ))}
      {children}
    </section>
  );
}

/**
 * An item of a gateway section (a skill, a tool, a registry's result): its name, what it is or
 * its state in words, and its description, all the gateway's words shown as text.
 */
export function ItemHead({ name, about, description }: { name: string; about?: ReactNode; description?: string }) {
  return (
    <>
      <strong>{name}</strong> {about && <span className="muted small">{about}</span>}
      {description && <p className="small item-description">{description}</p>}
    </>
  );
}
