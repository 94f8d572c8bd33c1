import { useEffect, useRef, useState } from "react";
import { isQrDataUrl, type WhatsAppLogin } from "../../../../shared/protocol/channels";
import type { Instance } from "../../../../shared/protocol/instances";
import { useAction } from "../../lib/action";
import { FormError } from "../../lib/form-error";
import { ModalDialog } from "../../lib/modal-dialog";
import { useCan, useRoom } from "../../stores/room";

/**
 * WhatsApp in an instance's Channels section (decision 71): a person asks to link it (an
 * approval); once approved the gateway's QR shows in a dialog, replaced as the room pushes a
 * newer one (`instance.whatsAppLogin`: nothing is read on a timer), then the linked state, or
 * why it failed in the room's words, or that the code expired ("Show a new code" asks again).
 * Closing the dialog while a code shows stops the link, and the room forgets its QR. The QR
 * comes only to people who may link WhatsApp, and is drawn only when it is a bounded base64
 * PNG data URL.
 */

const STATE_TEXT: Record<WhatsAppLogin["state"], string> = {
  idle: "not linked from here",
  starting: "asking the gateway for a QR code…",
  scan: "waiting for a phone to scan the QR code",
  linked: "linked",
  failed: "the link did not complete",
  expired: "the QR code expired: nobody scanned it in time",
};

const underway = (login: WhatsAppLogin | null) => login?.state === "starting" || login?.state === "scan";

/**
 * Where the instance's WhatsApp link stands: read when the section opens, when the bridge
 * connects and when the room's socket greets again (a push may have been missed meanwhile),
 * then as the room pushes it.
 */
function useWhatsAppLogin(instance: Instance) {
  const client = useRoom((s) => s.client);
  const [login, setLogin] = useState<WhatsAppLogin | null>(null);
  const load = useAction(async () => {
    if (!client) return;
    setLogin((await client.instances.whatsAppLogin({ instanceId: instance.id })).login);
  });
  const latest = useRef(load.run);
  latest.current = load.run;
  const connected = instance.bridge === "connected";
  // biome-ignore lint/correctness/useExhaustiveDependencies: read again on these changes only
  useEffect(() => {
    if (connected) latest.current();
  }, [client, instance.id, connected]);
  useEffect(() => {
    if (!client) return;
    const pushed = client.on("instance.whatsAppLogin", (payload) => {
      if (payload.instanceId === instance.id) setLogin(payload.login);
    });
    const greeted = client.on("hello", () => latest.current());
    return () => {
      pushed();
      greeted();
    };
  }, [client, instance.id]);
  return { login: connected ? login : null, error: load.error };
}

export function WhatsAppLink({ instance, waiting }: { instance: Instance; waiting: boolean }) {
  const client = useRoom((s) => s.client);
  const canWrite = useCan("write");
  const agent = useRoom((s) => s.principal?.kind === "agent");
  const { login, error } = useWhatsAppLogin(instance);
  // Opened by this person: asking for a link (it shows once a person approved), or "Show the QR code".
  const [open, setOpen] = useState(false);
  const link = useAction(async () => {
    if (!client) return;
    await client.instances.linkWhatsApp({ instanceId: instance.id });
    setOpen(true);
  });
  const unlink = useAction(async () => {
    if (!client) return;
    await client.instances.disconnectChannel({ instanceId: instance.id, channel: "whatsapp" });
  });
  const cancel = useAction(async () => {
    if (!client) return;
    await client.instances.cancelWhatsAppLogin({ instanceId: instance.id });
  });
  const state = login?.state ?? "idle";
  const busy = !canWrite || instance.bridge !== "connected" || waiting;
  const mayLink = canWrite && !agent;
  /** The dialog closed (Escape, Cancel, Close): a link still under way stops, and its QR goes. */
  const close = () => {
    setOpen(false);
    if (underway(login)) cancel.run();
  };
  return (
    <>
      <section className="channel-row whatsapp-link" aria-label="WhatsApp">
        <strong>WhatsApp</strong> <span className="muted small">{STATE_TEXT[state]}</span>
        {login?.message && (
          <p className={state === "failed" ? "instance-error small" : "muted small"} role="status">
            {login.message}
          </p>
        )}
        <div className="actions">
          {mayLink && (state === "idle" || state === "failed") && (
            <button type="button" className="small" disabled={busy || link.pending} onClick={() => link.run()}>
              Link WhatsApp
            </button>
          )}
          {mayLink && state === "expired" && (
            <button type="button" className="small" disabled={busy || link.pending} onClick={() => link.run()}>
              Show a new code
            </button>
          )}
          {mayLink && underway(login) && !open && (
            <button type="button" className="small" onClick={() => setOpen(true)}>
              Show the QR code
            </button>
          )}
          {agent && <span className="muted small">A person links WhatsApp, by scanning its QR code.</span>}
          {state === "linked" && (
            <button type="button" className="small deny" disabled={busy || unlink.pending} onClick={() => unlink.run()}>
              Ask to unlink WhatsApp
            </button>
          )}
        </div>
        <FormError error={error ?? link.error ?? unlink.error ?? cancel.error} />
      </section>
      <ModalDialog
        open={open && mayLink}
        onClose={close}
        className="confirm-dialog whatsapp-dialog"
        labelledBy={`whatsapp-h-${instance.id}`}
        describedBy={`whatsapp-state-${instance.id}`}
      >
        <LinkDialogBody
          instance={instance}
          login={login}
          waiting={waiting}
          busy={busy || link.pending}
          onNewCode={() => link.run()}
          onClose={close}
        />
      </ModalDialog>
    </>
  );
}

/** What the dialog says as the link goes: waiting for a decision, the QR to scan, then how it ended. */
function LinkDialogBody({
  instance,
  login,
  waiting,
  busy,
  onNewCode,
  onClose,
}: {
  instance: Instance;
  login: WhatsAppLogin | null;
  waiting: boolean;
  busy: boolean;
  onNewCode: () => void;
  onClose: () => void;
}) {
  const state = login?.state ?? "idle";
  const qr = state === "scan" && isQrDataUrl(login?.qrDataUrl) ? login.qrDataUrl : null;
  const words =
    waiting && !underway(login)
      ? "Waiting for a person to approve the link. The QR code shows here once it is approved."
      : state === "starting"
        ? "Asking the gateway for a QR code…"
        : state === "scan"
          ? "Scan this code with WhatsApp on your phone: Settings → Linked devices → Link a device. A new code replaces it by itself until it is scanned."
          : state === "linked"
            ? "WhatsApp is linked: the gateway answers people who message it, as its DM access allows."
            : state === "expired"
              ? "The code expired: nobody scanned it in time."
              : (login?.message ?? "No link is under way.");
  return (
    <>
      <h2 id={`whatsapp-h-${instance.id}`}>Link WhatsApp to {instance.name}</h2>
      <p id={`whatsapp-state-${instance.id}`} role="status" className={state === "failed" ? "instance-error" : ""}>
        {words}
      </p>
      {qr && <img className="whatsapp-qr" src={qr} alt="WhatsApp QR code to scan" width={220} height={220} />}
      <div className="actions">
        {state === "expired" && (
          <button type="button" disabled={busy} onClick={onNewCode}>
            Show a new code
          </button>
        )}
        <button type="button" onClick={onClose}>
          {underway(login) ? "Cancel" : "Close"}
        </button>
      </div>
    </>
  );
}
