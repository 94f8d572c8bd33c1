import { useEffect, useRef, useState } from "react";
import type { z } from "zod";
import type { InstancesDeviceSetupResult } from "../../../../shared/protocol/instances";
import { useAction } from "../../lib/action";
import { CopyField } from "../../lib/copy-field";
import { FormError } from "../../lib/form-error";
import { ModalDialog } from "../../lib/modal-dialog";
import { useRoom } from "../../stores/room";
import { qrImage, setupErrorText, timeLeft } from "./texts";

type Setup = z.infer<typeof InstancesDeviceSetupResult>;

/** "expires in m:ss", once a second, from the code's own expiry; then that it expired. */
function Expiry({ expiresAt }: { expiresAt: number }) {
  const [now, setNow] = useState(() => Date.now());
  const left = timeLeft(expiresAt, now);
  const expired = left === null;
  useEffect(() => {
    if (expired) return;
    const timer = setInterval(() => setNow(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, [expired]);
  if (left === null) {
    return (
      <p className="device-expiry expired" role="status">
        This code has expired: no device can pair with it any more. Press New code for another.
      </p>
    );
  }
  return (
    <p className="device-expiry muted small">
      Single use · expires in <time dateTime={new Date(expiresAt).toISOString()}>{left}</time>
    </p>
  );
}

/**
 * "Add a device": a setup code from the instance's gateway (`instances.deviceSetup`), as a
 * command to run on the machine to add and as a QR code for a phone. Each opening asks for
 * a new code; what shows is the latest answer, never an older one.
 */
export function DeviceSetupDialog({
  instanceId,
  name,
  open,
  onClose,
}: {
  instanceId: string;
  name: string;
  open: boolean;
  onClose: () => void;
}) {
  const client = useRoom((s) => s.client);
  const [setup, setSetup] = useState<Setup | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  // Only the latest request's answer counts (an older one may land after a newer one was asked).
  const asked = useRef(0);
  const ask = useAction(async () => {
    if (!client) return;
    const n = ++asked.current;
    setSetup(null);
    setFailure(null);
    try {
      const answer = await client.instances.deviceSetup({ instanceId });
      if (n === asked.current) setSetup(answer);
    } catch (error) {
      if (n === asked.current) setFailure(setupErrorText(error));
    }
  });
  const { run } = ask;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new code on each opening only
  useEffect(() => {
    if (open) run();
    else {
      asked.current++;
      setSetup(null);
      setFailure(null);
    }
  }, [open, instanceId]);
  const qr = setup ? qrImage(setup.qr) : null;
  return (
    <ModalDialog
      open={open}
      className="device-dialog"
      onClose={onClose}
      labelledBy="device-dialog-h"
      describedBy="device-dialog-steps"
    >
      <header className="device-dialog-head">
        <h2 id="device-dialog-h">Add a device to {name}</h2>
        <button type="button" className="ghost icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      <ol id="device-dialog-steps" className="device-steps">
        <li>
          Run the command on the machine to add (it needs <code>openclaw</code> installed).
        </li>
        <li>
          Approve its requests in <strong>Approvals</strong>: first “Pair device …”, then, once it reconnects by itself,
          “Pair node …” with the commands it may run.
        </li>
        <li>It then shows under Nodes as connected.</li>
      </ol>
      <div className="device-setup" aria-busy={ask.pending}>
        {setup ? (
          <>
            <div className="device-code">
              <CopyField label="Command" value={setup.command} copyLabel="Copy command" mono />
              <CopyField label="Setup code" value={setup.code} copyLabel="Copy code" mono />
              <Expiry key={setup.code} expiresAt={setup.expiresAt} />
            </div>
            {qr && (
              <figure className="device-qr">
                <img src={qr} alt="Setup code as a QR code" width={168} height={168} />
                <figcaption className="muted small">A phone with the OpenClaw app can scan this instead.</figcaption>
              </figure>
            )}
          </>
        ) : (
          !failure && (
            <p className="muted" role="status">
              Asking the gateway for a setup code…
            </p>
          )
        )}
      </div>
      <FormError error={failure} />
      <div className="actions">
        <button type="button" onClick={() => run()} disabled={ask.pending}>
          New code
        </button>
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </div>
    </ModalDialog>
  );
}
