import { focusCanvas, focusChat, focusThreads } from "./navigate";

/**
 * The first stops of Tab: straight to the canvas, the chat or the threads, past the top bar
 * and the lists. Shown while focused (layout.css). Buttons rather than links to anchors:
 * each moves focus itself, on a phone shows the part it names first, and scrolls nothing.
 */
export function SkipLinks() {
  return (
    <div className="skip-links">
      <button type="button" className="skip-link" onClick={focusCanvas}>
        Skip to the canvas
      </button>
      <button type="button" className="skip-link" onClick={focusChat}>
        Skip to the chat
      </button>
      <button type="button" className="skip-link" onClick={focusThreads}>
        Skip to threads
      </button>
    </div>
  );
}
