// The app's service worker, built by client/build.mjs into the app's /sw.js (registered on
// every load, client/app/inbox/push.ts). It keeps this build's app shell (shell.ts says what it
// answers and what it leaves to the network) so that a reload while the server is out of reach
// opens the app, and it shows what the room pushes while no tab of the app is open (docs/inbox.md).
import { isDecision, notificationFor, outcomeTitle, pressDecision, readPush } from "./push-actions";
import { SHELL_CACHE_PREFIX, shellAnswer, shellCacheName } from "./shell";

/** This build's shell files and their version: esbuild's define writes them in (client/build.mjs). */
const SHELL = __APP_SHELL__;
const CACHE = shellCacheName(SHELL.version);
const FILES = new Set(SHELL.files);

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // From the server, past the browser's HTTP cache: exactly this build's files.
      await cache.addAll(SHELL.files.map((path) => new Request(path, { cache: "reload" })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) =>
  event.waitUntil(
    (async () => {
      // Earlier builds' shells go: only this build's files are kept.
      for (const name of await caches.keys())
        if (name.startsWith(SHELL_CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  ),
);

self.addEventListener("fetch", (event) => {
  const answer = shellAnswer(event.request, self.location.origin, FILES);
  if (!answer) return;
  event.respondWith(answer.kind === "page" ? page(event.request) : file(event.request, answer.path));
});

/** A page: the server's while it answers (a new build shows at once), else the kept one. */
async function page(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const kept = await caches.match("/", { cacheName: CACHE });
    if (kept) return kept;
    throw error;
  }
}

async function file(request, path) {
  return (await caches.match(path, { cacheName: CACHE })) ?? fetch(request);
}

self.addEventListener("push", (event) => {
  let value = {};
  try {
    value = event.data ? event.data.json() : {};
  } catch {
    value = {};
  }
  const { title, options } = notificationFor(readPush(value, self.location.origin));
  event.waitUntil(self.registration.showNotification(title, options));
});

/** Opens the item in a tab of the app: one this worker controls goes there, else a new one opens. */
async function openItem(url) {
  const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  const tab = tabs.find((c) => new URL(c.url).origin === self.location.origin);
  const moved = tab ? await tab.navigate(url).catch(() => null) : null;
  if (moved) return moved.focus();
  return self.clients.openWindow(url);
}

/**
 * Approve or Deny on an approval's notification: its decision link decides as the person (the
 * same rules as the app, once), and a notification in its place says so; a refusal (access
 * gone, the link used or run out, a decision the policy leaves to the app) opens the item.
 */
async function decide(notification, decision) {
  const { url, decide: link } = notification.data;
  if (!(await pressDecision(fetch, link, decision))) return openItem(url || "/");
  return self.registration.showNotification(outcomeTitle(decision, notification.body), {
    tag: url,
    data: { url },
    icon: "/icon-192.png",
  });
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const data = event.notification.data;
  event.waitUntil(
    isDecision(event.action, data) ? decide(event.notification, event.action) : openItem(data?.url || "/"),
  );
});
