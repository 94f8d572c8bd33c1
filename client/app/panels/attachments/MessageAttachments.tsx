import { INLINE_FILE_TYPES } from "../../../../shared/api/files";
import type { Message } from "../../../../shared/protocol/threads";
import { useRoom } from "../../stores/room";
import { fileUrl, sizeText } from "./upload";

/**
 * A message's files: images shown small (the server serves only raster images inline, and
 * every file with a sandboxing CSP and `nosniff`), everything else as a download link. Names
 * are text.
 */
export function MessageAttachments({ message }: { message: Message }) {
  const workspaceId = useRoom((s) => s.workspaceId);
  const files = message.attachments ?? [];
  if (!workspaceId || files.length === 0) return null;
  return (
    <ul className="message-attachments" aria-label="Attached files">
      {files.map((f) => {
        const url = fileUrl(workspaceId, f.id);
        return INLINE_FILE_TYPES.has(f.type) ? (
          <li key={f.id} className="attachment-image">
            <a href={url} target="_blank" rel="noopener noreferrer" title={`${f.name} · ${sizeText(f.size)}`}>
              <img src={url} alt={f.name} loading="lazy" />
            </a>
          </li>
        ) : (
          <li key={f.id} className="attachment-chip">
            <a href={url} download={f.name} className="attachment-name">
              {f.name}
            </a>
            <span className="muted small">
              {f.type === "text/plain" ? "text" : f.type.split("/")[1]} · {sizeText(f.size)}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
