import { useSession } from "../stores/session";

/**
 * Shown at once when the room closed the socket because this person's access to the open
 * workspace was taken away (4003): removed as a member, or the workspace deleted. Both
 * sockets are closed by then (the shell unmounts the workspace), so nothing reconnects.
 */
export function NoAccess({ name }: { name: string }) {
  const back = useSession((s) => s.backToWorkspaces);
  return (
    <div className="empty-state page no-access" role="alert">
      <h2>You no longer have access to this workspace</h2>
      <p>
        Your access to <strong>{name}</strong> was removed by an owner or admin. Ask them if you think this is a
        mistake.
      </p>
      <button type="button" className="primary" onClick={() => void back()}>
        Back to your workspaces
      </button>
    </div>
  );
}
