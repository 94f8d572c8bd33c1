import type { ReactNode } from "react";

/** The product's mark and name: the top bars (app, admin) and, large, the sign-in and waiting cards. */
export function Brand({ large = false, children }: { large?: boolean; children: ReactNode }) {
  return (
    <div className={large ? "brand large" : "brand"}>
      <span className="logo" aria-hidden>
        ◆
      </span>
      {children}
    </div>
  );
}
