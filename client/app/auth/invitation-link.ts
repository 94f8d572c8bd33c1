import { useCallback, useEffect, useState } from "react";
import { authApi, errorText, type InvitationPreview } from "../lib/api";

/**
 * The invitation a page was opened for: the mail's link is `/?invitation=<id>&token=<token>`
 * (party/auth/invitation-links.ts). It stays in the address until the invitation is taken,
 * declined or set aside, so signing up or in on the way keeps it.
 */
export interface InvitationLink {
  id: string;
  token: string;
}

export function invitationLinkOf(search: string = location.search): InvitationLink | null {
  const params = new URLSearchParams(search);
  const id = params.get("invitation");
  const token = params.get("token");
  return id && token ? { id, token } : null;
}

/** Takes the link out of the address (the invitation was taken or set aside). */
export function forgetInvitationLink(): void {
  const url = new URL(location.href);
  url.searchParams.delete("invitation");
  url.searchParams.delete("token");
  history.replaceState(null, "", url);
}

export type PreviewState =
  | { kind: "none" }
  | { kind: "loading" }
  | { kind: "shown"; link: InvitationLink; invitation: InvitationPreview }
  | { kind: "failed"; message: string };

/** The invitation of this page's link, read once from the server (anyone holding the link may). */
export function useInvitationPreview(): [PreviewState, () => void] {
  const [link, setLink] = useState(invitationLinkOf);
  const [state, setState] = useState<PreviewState>(link ? { kind: "loading" } : { kind: "none" });
  useEffect(() => {
    if (!link) return setState({ kind: "none" });
    let current = true;
    authApi.invitationPreview(link.id, link.token).then(
      (invitation) => current && setState({ kind: "shown", link, invitation }),
      (error: unknown) => current && setState({ kind: "failed", message: errorText(error) }),
    );
    return () => {
      current = false;
    };
  }, [link]);
  const setAside = useCallback(() => {
    forgetInvitationLink();
    setLink(null);
  }, []);
  return [state, setAside];
}

/** "Olga invited you to Acme as member." */
export const invitedLine = (invitation: InvitationPreview) =>
  `${invitation.inviterName} invited you to ${invitation.workspaceName} as ${invitation.role}.`;

const NOT_PENDING: Record<Exclude<InvitationPreview["state"], "pending">, string> = {
  accepted: "This invitation has been accepted already. Sign in to open the workspace.",
  declined: "This invitation was declined. Ask for a new one if you want to join.",
  cancelled: "This invitation was withdrawn. Ask for a new one if you want to join.",
  expired: "This invitation has expired. Ask for a new one.",
};

export const notPendingText = (state: InvitationPreview["state"]): string | null =>
  state === "pending" ? null : NOT_PENDING[state];
