import { useEffect, useState } from "react";
import { isQrDataUrl, type WhatsAppLogin } from "../../../../shared/protocol/channels";
import type { Instance } from "../../../../shared/protocol/instances";
import { useAction } from "../../lib/action";
import { FormError } from "../../lib/form-error";
import { useCan, useRoom } from "../../stores/room";

/**
 * WhatsApp in an instance's Channels section (decision 71): a person asks to link it (an
 * approval); once approved the gateway's QR shows here, read again every few seconds while the
 * link is under way so a newer QR replaces an expired one, then the linked state, or why it
 * failed in the room's words. The QR is drawn only when it is a bounded base64 PNG data URL.
 */

/** How often a link under way is read again: the gateway replaces its QR every few tens of seconds. */
const POLL_MS = 2_000;

const STATE_TEXT: Record<WhatsAppLogin["state"], string> = {
  idle: "not linked from here",
  starting: "asking the gateway for a QR code…",
  scan: "scan the QR code with WhatsApp on your phone (Settings → Linked devices → Link a device)",
  linked: "linked",
  failed: "the link did not complete",
  expired: "the QR code expired",
};

function useWhatsAppLogin(instance: Instance) {
  const client = useRoom((s) => s.client);
  // Read again when a job starts or ends (an approved link runs as one).
  const jobs = useRoom((s) => [...s.state.jobs.values()].map((j) => j.status).join());
  const [login, setLogin] = useState<WhatsAppLogin | null>(null);
  const load = useAction(async () => {
    if (!client) return;
    setLogin((await client.instances.whatsAppLogin({ instanceId: instance.id })).login);
  });
  const { run } = load;
  const connected = instance.bridge === "connected";
  const underway = login?.state === "starting" || login?.state === "scan";
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload on these changes only; `run` is new every render
  useEffect(() => {
    if (connected) run();
  }, [client, instance.id, connected, jobs]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the timer follows whether a link is under way; `run` is new every render
  useEffect(() => {
    if (!connected || !underway) return;
    const timer = setInterval(run, POLL_MS);
    return () => clearInterval(timer);
  }, [connected, underway]);
  return { login: connected ? login : null, error: load.error };
}

export function WhatsAppLink({ instance, waiting }: { instance: Instance; waiting: boolean }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const agent = useRoom((s) => s.principal?.kind === "agent");
  const { login, error } = useWhatsAppLogin(instance);
  const link = useAction(async () => {
    if (!client) return;
    await client.instances.linkWhatsApp({ instanceId: instance.id });
  });
  const unlink = useAction(async () => {
    if (!client) return;
    await client.instances.disconnectChannel({ instanceId: instance.id, channel: "whatsapp" });
  });
  const state = login?.state ?? "idle";
  const busy = !canWrite || instance.bridge !== "connected" || waiting;
  const qr = state === "scan" && isQrDataUrl(login?.qrDataUrl) ? login.qrDataUrl : null;
  return (
    <section className="channel-row whatsapp-link" aria-label="WhatsApp">
      <strong>WhatsApp</strong> <span className="muted small">{STATE_TEXT[state]}</span>
      {login?.message && (
        <p className={state === "failed" ? "instance-error small" : "muted small"} role="status">
          {login.message}
        </p>
      )}
      {qr && <img className="whatsapp-qr" src={qr} alt="WhatsApp QR code to scan" width={220} height={220} />}
      <div className="actions">
        {!agent && state !== "linked" && state !== "starting" && state !== "scan" && (
          <button type="button" className="small" disabled={busy || link.pending} onClick={() => link.run()}>
            Link WhatsApp
          </button>
        )}
        {agent && <span className="muted small">A person links WhatsApp, by scanning its QR code.</span>}
        {state === "linked" && (
          <button type="button" className="small deny" disabled={busy || unlink.pending} onClick={() => unlink.run()}>
            Ask to unlink WhatsApp
          </button>
        )}
      </div>
      <FormError error={error ?? link.error ?? unlink.error} />
    </section>
  );
}
