import type { AutopilotClient } from "../src/client";
import { addSecondPerson, ownWorkspace, personClient, signUp, signUpVerified } from "./e2e-helpers";

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
      const client = personClient(serverUrl, cookie, workspace, device, { WebSocket: RecordingWebSocket });
      clients.push(client);
      await client.ready();
      return client;
    },
    closeAll(): void {
      for (const c of clients) c.close();
    },
  };
}

/**
 * Alice, signed up with her own workspace (her address verified unless `verified: false`),
 * and Bob, a member of it who decides what she asks for: connected with recording clients,
 * her laptop and his phone.
 */
export async function recordedAliceAndBob(serverUrl: string, { verified = true } = {}) {
  const { cookie } = await (verified ? signUpVerified : signUp)(serverUrl, "Alice");
  const workspace = await ownWorkspace(serverUrl, cookie);
  const bobPerson = await addSecondPerson(serverUrl, cookie, workspace, "Bob");
  const members = recordingClients(serverUrl, workspace);
  try {
    const alice = await members.connect("laptop", cookie);
    const bob = await members.connect("phone", bobPerson.cookie);
    return { cookie, workspace, members, alice, bob };
  } catch (error) {
    // A setup that failed halfway leaves no socket open behind the failing test.
    members.closeAll();
    throw error;
  }
}
