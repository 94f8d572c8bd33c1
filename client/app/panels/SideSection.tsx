import { type ReactNode, useState } from "react";

/** How a section looks where it stands: the sidebar's parts, or the parts of a project's view (a level lower). */
const LOOKS = {
  side: { section: "side-section", head: "section-head", Heading: "h2" },
  project: { section: "project-section", head: "project-section-head", Heading: "h3" },
} as const;

/** The sidebar's sections folded on this device (by heading id), so a long list does not push the rest down. */
const FOLDED = "autopilot.sidebarFolded";

function folded(): string[] {
  try {
    const list: unknown = JSON.parse(localStorage.getItem(FOLDED) ?? "[]");
    return Array.isArray(list) ? list.filter((id): id is string => typeof id === "string").slice(0, 20) : [];
  } catch {
    return [];
  }
}

function keepFolded(id: string, fold: boolean): void {
  try {
    const others = folded().filter((other) => other !== id);
    localStorage.setItem(FOLDED, JSON.stringify(fold ? [...others, id] : others));
  } catch {
    // Storage refused (private mode): the section stays folded for this tab.
  }
}

/**
 * A part of the sidebar (or of a project's view): its heading with how many it lists (`id`
 * names the heading), then the rest. In the sidebar the heading folds the section away.
 */
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
  const [closed, setClosed] = useState(() => look === "side" && folded().includes(id));
  if (look !== "side") {
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
  const toggle = () => {
    setClosed(!closed);
    keepFolded(id, !closed);
  };
  return (
    <section className={`${section}${closed ? " folded" : ""}`} aria-labelledby={id}>
      <div className={head}>
        <Heading>
          <button
            type="button"
            className="section-fold"
            id={id}
            aria-expanded={!closed}
            aria-controls={`${id}-body`}
            onClick={toggle}
          >
            <span className="fold-mark" aria-hidden>
              ▾
            </span>
            {title}
          </button>
        </Heading>
        <span className="count">{count}</span>
      </div>
      <div id={`${id}-body`} hidden={closed}>
        {children}
      </div>
    </section>
  );
}
