import { useShallow } from "zustand/react/shallow";
import { useEffect, useState } from "react";
import { useCanvas } from "../stores/canvas";
import { useRoom } from "../stores/room";
import { useSession } from "../stores/session";

/**
 * One pill for both sockets (the Autopilot room and the Hatchery canvas): connected,
 * reconnecting with a countdown, offline, the server out of reach since the page loaded (the
 * app opened from what the device kept), or closed with the reason. "Signed out" is the
 * session store's job: a 4001 close sends the person to the sign-in screen, which says so.
 */
function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    addEventListener("online", update);
    addEventListener("offline", update);
    return () => {
      removeEventListener("online", update);
      removeEventListener("offline", update);
    };
  }, []);
  return online;
}

function useCountdown(until: number | null): number | null {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (until === null) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? null : Math.max(0, Math.ceil((until - now) / 1000));
}

export function ConnectionStatus() {
  const [status, retryAt, error, unsent] = useRoom(
    useShallow((s) => [s.status, s.retryAt, s.error, s.unsent] as const),
  );
  const canvas = useCanvas((s) => s.status);
  // The app opened from what this device kept: the server has not answered since the page loaded.
  const unreached = useSession((s) => s.offline);
  const online = useOnline();
  const seconds = useCountdown(status === "reconnecting" || status === "connecting" ? retryAt : null);

  let tone: "ok" | "warn" | "bad";
  let label: string;
  /** More words where there is room (not on a phone's top bar). */
  let detail = "";
  if (!online) {
    tone = "bad";
    label = "Offline — changes wait until you are back";
  } else if (unreached && status !== "connected" && status !== "closed") {
    tone = "bad";
    label = "Offline";
    detail = seconds
      ? ` · can't reach the server, trying again in ${seconds}s`
      : " · can't reach the server, trying again…";
  } else if (status === "closed") {
    tone = "bad";
    label = "Disconnected";
  } else if (status === "reconnecting") {
    tone = "warn";
    label = seconds ? `Reconnecting in ${seconds}s` : "Reconnecting…";
  } else if (status === "connecting") {
    tone = "warn";
    label = seconds ? `Connecting in ${seconds}s` : "Connecting…";
  } else if (canvas !== "connected") {
    tone = "warn";
    label = "Canvas reconnecting…";
  } else {
    tone = "ok";
    label = "Live";
  }
  return (
    <div
      className={`conn conn-${tone}`}
      role="status"
      aria-live="polite"
      title={error ?? undefined}
      data-testid="connection"
    >
      <span className="conn-dot" aria-hidden />
      <span>
        {label}
        {detail && <span className="hide-narrow">{detail}</span>}
      </span>
      {unsent > 0 && status !== "connected" && (
        <span className="conn-unsent">
          · {unsent} {unsent === 1 ? "change" : "changes"} waiting to send
        </span>
      )}
      {status === "closed" && (
        <button type="button" className="link" onClick={() => location.reload()}>
          Reload
        </button>
      )}
    </div>
  );
}
