import type { ReactNode } from "react";

/** How a section looks where it stands: the sidebar's parts, or the parts of a project's view (a level lower). */
const LOOKS = {
  side: { section: "side-section", head: "section-head", Heading: "h2" },
  project: { section: "project-section", head: "project-section-head", Heading: "h3" },
} as const;

/** A part of the sidebar (or of a project's view): its heading with how many it lists (`id` names the heading), then the rest. */
export function SideSection({
  id,
  title,
  count,
  look = "side",
  children,
}: {
  id: string;
  title: string;
  count: number;
  look?: keyof typeof LOOKS;
  children: ReactNode;
}) {
  const { section, head, Heading } = LOOKS[look];
  return (
    <section className={section} aria-labelledby={id}>
      <div className={head}>
        <Heading id={id}>{title}</Heading>
        <span className="count">{count}</span>
      </div>
      {children}
    </section>
  );
}
