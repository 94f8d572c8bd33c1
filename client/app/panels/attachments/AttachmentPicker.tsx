import { useRef } from "react";
import type { usePendingFiles } from "./pending";
import { ACCEPT, sizeText } from "./upload";

type Pending = ReturnType<typeof usePendingFiles>;

/** The composer's "Attach" button (a file picker) and the files on their way, each removable. */
export function AttachButton({ pending, disabled }: { pending: Pending; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        multiple
        accept={ACCEPT}
        className="sr-only"
        tabIndex={-1}
        aria-hidden
        onChange={(e) => {
          if (e.target.files) pending.add(e.target.files);
          e.target.value = "";
        }}
      />
      <button
        type="button"
        className="ghost small"
        disabled={disabled}
        onClick={() => input.current?.click()}
        title="Attach images, PDFs or text files (or paste or drop them here)"
      >
        Attach
      </button>
    </>
  );
}

export function PendingFiles({ pending }: { pending: Pending }) {
  if (pending.files.length === 0 && !pending.notice) return null;
  return (
    <div className="pending-files">
      {pending.files.length > 0 && (
        <ul className="attachment-list" aria-label="Files to send">
          {pending.files.map((f) => (
            <li key={f.key} className={`attachment-chip is-${f.state}`}>
              <span className="attachment-name">{f.name}</span>
              <span className="muted small">
                {f.state === "uploading" ? "uploading…" : f.state === "failed" ? "not attached" : sizeText(f.size)}
              </span>
              <button
                type="button"
                className="icon small"
                aria-label={`Remove ${f.name}`}
                onClick={() => pending.remove(f.key)}
              >
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      {pending.files
        .filter((f) => f.state === "failed")
        .map((f) => (
          <p key={f.key} className="form-error" role="alert">
            {f.error}
          </p>
        ))}
      {pending.notice && (
        <p className="hint" role="status">
          {pending.notice}
        </p>
      )}
    </div>
  );
}
