// The app's service worker, built by client/build.mjs into the app's /sw.js (registered on
// every load, client/app/inbox/push.ts). It keeps this build's app shell (shell.ts says what it
// answers and what it leaves to the network) so that a reload while the server is out of reach
// opens the app, and it shows what the room pushes while no tab of the app is open (docs/inbox.md).
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

/** Whatever the push carries is read as plain text and bounded; a link leaves the app's origin never. */
function readPush(data) {
  let value = {};
  try {
    value = data ? data.json() : {};
  } catch {
    value = {};
  }
  const text = (v, max) => (typeof v === "string" ? v.slice(0, max) : "");
  let url = "/";
  try {
    const parsed = new URL(text(value.url, 2000) || "/", self.location.origin);
    if (parsed.origin === self.location.origin) url = parsed.pathname + parsed.search;
  } catch {
    url = "/";
  }
  return { title: text(value.title, 200) || "Autopilot", body: text(value.body, 1000), url };
}

self.addEventListener("push", (event) => {
  const { title, body, url } = readPush(event.data);
  // The link is the tag: the same item pushed twice shows one notification.
  event.waitUntil(self.registration.showNotification(title, { body, tag: url, data: { url }, icon: "/icon-192.png" }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data?.url || "/";
  event.waitUntil(
    (async () => {
      const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const tab = tabs.find((c) => new URL(c.url).origin === self.location.origin);
      // A tab of the app goes to the item; one this worker does not control cannot be moved, so a new one opens.
      const moved = tab ? await tab.navigate(url).catch(() => null) : null;
      if (moved) return moved.focus();
      return self.clients.openWindow(url);
    })(),
  );
});
