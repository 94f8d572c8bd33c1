// The app's service worker (docs/inbox.md): it shows what the room pushes while no tab of
// the app is open, and a click on the notification focuses a tab of the app at the item
// (or opens one). It caches nothing: the app itself is always loaded from the server.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

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
