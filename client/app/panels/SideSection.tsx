import type { ReactNode } from "react";

/** A part of the sidebar: its heading with how many it lists (`id` names the heading), then the rest. */
export function SideSection({
  id,
  title,
  count,
  children,
}: {
  id: string;
  title: string;
  count: number;
  children: ReactNode;
}) {
  return (
    <section className="side-section" aria-labelledby={id}>
      <div className="section-head">
        <h2 id={id}>{title}</h2>
        <span className="count">{count}</span>
      </div>
      {children}
    </section>
  );
}
