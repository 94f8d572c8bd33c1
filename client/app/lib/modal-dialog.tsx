import { type ReactNode, useRef } from "react";
import { useModalDialog } from "./modal";

/**
 * A native modal <dialog> (useModalDialog) named by its heading and described by its body;
 * what it holds is rendered only while it is open, so each opening starts fresh.
 */
export function ModalDialog({
  open,
  onClose,
  className,
  labelledBy,
  describedBy,
  children,
}: {
  open: boolean;
  onClose: () => void;
  className: string;
  labelledBy: string;
  describedBy: string;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useModalDialog(dialog, open);
  return (
    <dialog
      ref={dialog}
      className={className}
      onClose={onClose}
      aria-modal="true"
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
    >
      {open && children}
    </dialog>
  );
}
