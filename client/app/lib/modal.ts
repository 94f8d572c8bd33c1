import { type RefObject, useEffect } from "react";

/**
 * Opens and closes a native <dialog> as a modal with `showModal()`: the browser exposes it
 * as a modal dialog, keeps focus inside it (the rest of the page is inert) and closes it on
 * Escape. Focus goes back to whatever had it before the dialog opened, also when the
 * dialog is closed from code (React state) rather than by the browser.
 */
export function useModalDialog(ref: RefObject<HTMLDialogElement | null>, open: boolean): void {
  useEffect(() => {
    const el = ref.current;
    if (!el || !open) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!el.open) el.showModal();
    return () => {
      if (el.open) el.close();
      if (opener?.isConnected && !el.contains(opener)) opener.focus();
    };
  }, [ref, open]);
}
