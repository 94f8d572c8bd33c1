// The gateway token the config tests write, and the `gateway` block the config writer is
// expected to make of it: checked where the writer is tested alone (unit.test.ts) and where
// a start writes it (gateway-start.test.ts).
export const TOKEN = "gw-token-0123456789abcdef0123456789abcdef";

/** A gateway on `port`: local, loopback only, token auth, the runtime's proxy trusted, no dashboard. */
export const gatewayBlock = (port: number) => ({
  mode: "local",
  port,
  bind: "loopback",
  auth: { mode: "token", token: TOKEN },
  trustedProxies: ["127.0.0.1"],
  controlUi: { enabled: false },
});
