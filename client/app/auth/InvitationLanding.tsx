import type { ReactNode } from "react";
import type { InvitationPreview } from "../lib/api";

/**
 * What an invitation's link opens on, signed in or not: a box headed "Olga invited you to
 * Acme" (`heading`: its level in the page's outline), then what the page offers there.
 */
export function InvitationLanding({
  invitation,
  heading: Heading,
  className,
  children,
}: {
  invitation: InvitationPreview;
  heading: "h1" | "h2";
  className: string;
  children: ReactNode;
}) {
  return (
    <section className={className} aria-labelledby="invitation-title">
      <Heading id="invitation-title" className="small-heading">
        {invitation.inviterName} invited you to {invitation.workspaceName}
      </Heading>
      {children}
    </section>
  );
}
