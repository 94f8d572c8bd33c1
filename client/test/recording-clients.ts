import { AutopilotClient } from "../src/client";
import { httpJson } from "./e2e-helpers";

/**
 * People's clients of one workspace, connected as the app connects them (a session buys a
 * connect ticket), that record every frame they receive: the bridge tests assert that no
 * secret (a gateway token, a device key) ever reached one.
 */
export function recordingClients(serverUrl: string, workspace: string) {
  const received: string[] = [];
  const clients: AutopilotClient[] = [];
  class RecordingWebSocket extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      this.addEventListener("message", (e) => received.push(typeof e.data === "string" ? e.data : "<binary>"));
    }
  }
  return {
    /** Every frame any of these clients received, in order. */
    received,
    async connect(device: string, cookie: string): Promise<AutopilotClient> {
      const client = new AutopilotClient({
        url: serverUrl,
        workspace,
        device,
        WebSocket: RecordingWebSocket,
        ticket: async () =>
          (
            await httpJson<{ ticket: string }>(serverUrl, "/api/connect-ticket", {
              method: "POST",
              cookie,
              body: JSON.stringify({ workspaceId: workspace }),
            })
          ).body.ticket,
      });
      clients.push(client);
      await client.ready();
      return client;
    },
    closeAll(): void {
      for (const c of clients) c.close();
    },
  };
}
