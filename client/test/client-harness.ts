// The client library against FakeRoom (a scripted room over a real WebSocket server): one
// fresh room per test, and clients that are closed after it.
import { afterEach, beforeEach } from "vitest";
import { AutopilotClient, type AutopilotClientOptions, type ConnectionStatus, type StatusDetail } from "../src/client";
import { FakeRoom } from "./fake-room";

export function fakeRoomPerTest() {
  let room: FakeRoom | null = null;
  const clients: AutopilotClient[] = [];
  beforeEach(async () => {
    room = await FakeRoom.start();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await room?.close();
  });
  return {
    get room(): FakeRoom {
      if (!room) throw new Error("no room outside a test");
      return room;
    },
    connect(options: Partial<AutopilotClientOptions> = {}): AutopilotClient {
      const client = new AutopilotClient({
        url: this.room.url,
        workspace: "ws_1",
        apiKey: "key_secret",
        device: "test",
        backoff: { baseMs: 10, capMs: 40 },
        ...options,
      });
      clients.push(client);
      return client;
    },
    statuses(client: AutopilotClient): [ConnectionStatus, StatusDetail][] {
      const seen: [ConnectionStatus, StatusDetail][] = [];
      client.on("status", (status, detail) => seen.push([status, detail]));
      return seen;
    },
  };
}
