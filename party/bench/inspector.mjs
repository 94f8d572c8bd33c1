// A DevTools protocol session with workerd's isolates, through wrangler dev's inspector
// (`startServer({ inspectorPort })`): what the benches' CPU profiles, heap samplings and
// heap snapshots talk to.
import WebSocket from "ws";

/** The isolates workerd lists: `[{ title, webSocketDebuggerUrl, … }]` ("Cloudflare Worker" is the Worker and its rooms). */
export async function inspectorTargets(inspectorPort) {
  return (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
}

/**
 * One session: `call(method, params)` resolves with the result or rejects with the
 * protocol's error; `on(event, listener)` hears the session's events (a snapshot's chunks).
 */
export async function inspectorSession(target) {
  // A heap snapshot arrives in chunks well within this, but ws's 100 MB default is no place to find out.
  const ws = new WebSocket(target.webSocketDebuggerUrl, { maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let n = 0;
  const waiting = new Map();
  const listeners = new Map();
  ws.on("message", (data) => {
    const m = JSON.parse(data.toString());
    if (m.id !== undefined) {
      const pending = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error) pending?.reject(new Error(`${pending.method}: ${m.error.message}`));
      else pending?.resolve(m);
      return;
    }
    listeners.get(m.method)?.(m.params);
  });
  const call = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++n;
      waiting.set(id, { resolve, reject, method });
      ws.send(JSON.stringify({ id, method, params }));
    });
  const on = (event, listener) => listeners.set(event, listener);
  return { ws, call, on, title: target.title ?? target.id };
}
