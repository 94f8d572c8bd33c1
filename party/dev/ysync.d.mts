import type { Awareness } from "y-protocols/awareness";
import type * as Y from "yjs";

export class YSyncClient {
  constructor(ws: WebSocket);
  readonly ws: WebSocket;
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  synced: boolean;
  closed: { code: number; reason: string } | null;
  whenSynced(): Promise<void>;
  close(): void;
}
