import { fileWorkspaceMaxBytes } from "../../../../files/content";
import { recordFile, type StoredFile } from "../threads/index";
import { defineFeature } from "../../kernel/feature";
import { retention } from "../retention";

/** The room's RPC for the Worker's file routes (party/files/routes.ts). */
export interface FilesRpc {
  /** A file's bytes are stored; the room records it, within the workspace's cap. */
  recordFile(file: StoredFile): { recorded: boolean; maxBytes: number };
}

/** Files people and agents upload: the Worker stores the bytes (R2), the room records them; unattached ones are swept. */
export const files = defineFeature({
  name: "files",
  needs: [retention],
  build: (s, { retention }) => {
    const rpc: FilesRpc = {
      recordFile: (file) => {
        const maxBytes = fileWorkspaceMaxBytes(s.env);
        const recorded = recordFile(s.sql, file, maxBytes);
        if (recorded) retention.ensure();
        return { recorded, maxBytes };
      },
    };
    return { rpc };
  },
});
