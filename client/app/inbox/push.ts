import { useEffect, useState } from "react";
import type { InboxPush } from "../../../shared/protocol/inbox";
import type { AutopilotClient } from "../../src/client";
import { readPermission } from "./notifications";

/**
 * Web Push for this browser (docs/inbox.md): reaches the person while no tab of the app is
 * open. Subscribing happens only when the person presses the button (the browser asks
 * for the permission then). Whether this browser is subscribed is read from the room:
 * this browser's subscription counts only while its endpoint is among the person's
 * endpoints in the inbox the room sent.
 */

export type PushState =
  | { kind: "unsupported" }
  | { kind: "unconfigured" }
  | { kind: "blocked" }
  | { kind: "off" }
  | { kind: "on"; endpoint: string };

const supported = () =>
  typeof navigator !== "undefined" &&
  "serviceWorker" in navigator &&
  typeof PushManager !== "undefined" &&
  typeof Notification !== "undefined";

/**
 * The app's service worker (client/app/sw/), registered once per page load for everyone, push
 * or not: it keeps this build's app shell, so a reload while the server is out of reach still
 * opens the app, and it shows pushes.
 */
export function registerServiceWorker(): void {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  void navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .catch((error: unknown) => console.warn("service worker not registered", error));
}

/** A base64url VAPID key as the bytes `applicationServerKey` takes. */
function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration("/");
  return (await registration?.pushManager.getSubscription()) ?? null;
}

/** This browser's push state against the room's, and the person's switch for it. */
export function usePushSwitch(push: InboxPush, client: AutopilotClient | null) {
  const [endpoint, setEndpoint] = useState<string | null>(null);
  // Read through the Permissions API where it answers (notifications.ts says why).
  const [permission, setPermission] = useState<NotificationPermission>("default");
  const recheck = async () => {
    if (!supported()) return;
    setPermission(await readPermission());
    setEndpoint((await currentSubscription())?.endpoint ?? null);
  };
  useEffect(() => {
    if (!supported()) return;
    let live = true;
    void Promise.all([readPermission(), currentSubscription()]).then(([p, sub]) => {
      if (!live) return;
      setPermission(p);
      setEndpoint(sub?.endpoint ?? null);
    });
    return () => {
      live = false;
    };
  }, []);
  let state: PushState;
  if (!supported()) state = { kind: "unsupported" };
  else if (!push.publicKey) state = { kind: "unconfigured" };
  else if (permission === "denied") state = { kind: "blocked" };
  else if (endpoint && push.endpoints.includes(endpoint)) state = { kind: "on", endpoint };
  else state = { kind: "off" };
  return {
    state,
    async turnOn() {
      if (!client || !push.publicKey) return;
      await Notification.requestPermission();
      if ((await readPermission()) !== "granted") return recheck();
      const registration = await navigator.serviceWorker.ready;
      let sub = await registration.pushManager.getSubscription();
      // A subscription made with another server key cannot take this room's pushes.
      if (
        sub?.options.applicationServerKey &&
        btoa(String.fromCharCode(...new Uint8Array(sub.options.applicationServerKey))) !==
          btoa(String.fromCharCode(...keyBytes(push.publicKey)))
      ) {
        await sub.unsubscribe();
        sub = null;
      }
      sub ??= await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(push.publicKey),
      });
      const json = sub.toJSON();
      await client.inbox.pushSubscribe({
        subscription: {
          endpoint: sub.endpoint,
          keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" },
        },
      });
      await recheck();
    },
    async turnOff() {
      if (!client) return;
      const sub = await currentSubscription();
      if (sub) {
        await client.inbox.pushUnsubscribe({ endpoint: sub.endpoint });
        await sub.unsubscribe();
      }
      await recheck();
    },
  };
}
