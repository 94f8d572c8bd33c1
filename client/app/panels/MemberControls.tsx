import type { WorkspaceInfo } from "../lib/api";
import { authApi, type Member } from "../lib/api";
import { useAction } from "../lib/action";
import { ConfirmInline } from "../lib/confirm-inline";
import { FormError } from "../lib/form-error";
import { Options } from "../lib/options";

type Role = NonNullable<WorkspaceInfo["role"]>;
const ROLES: Role[] = ["owner", "admin", "member", "viewer"];

/**
 * An owner's or admin's controls on one member row: change their role, remove them. Only
 * owners see "owner" as a choice or can touch an owner; the server refuses the rest (and
 * removing or demoting the last owner) with a sentence shown under the row.
 */
export function MemberControls({
  workspace,
  member,
  onChanged,
}: {
  workspace: WorkspaceInfo;
  member: Member;
  onChanged: () => Promise<void>;
}) {
  const isOwner = workspace.role === "owner";
  const locked = member.role === "owner" && !isOwner;
  const setRole = useAction(async (role: Role) => {
    await authApi.setRole(workspace.id, member.userId, { role });
    await onChanged();
  });
  const remove = useAction(async () => {
    await authApi.removeMember(workspace.id, member.userId);
    await onChanged();
  });
  const busy = setRole.pending || remove.pending;
  return (
    <span className="member-controls">
      <label className="sr-only" htmlFor={`role-${member.userId}`}>
        Role of {member.name}
      </label>
      <select
        id={`role-${member.userId}`}
        value={member.role}
        disabled={busy || locked}
        onChange={(e) => setRole.run(e.target.value as Role)}
      >
        <Options items={ROLES.filter((r) => r !== "owner" || isOwner || member.role === "owner")} />
      </select>
      <ConfirmInline
        label="Remove"
        ariaLabel={`Remove ${member.name}`}
        question={`Remove ${member.name} from ${workspace.name}? They lose access at once.`}
        yes="Yes, remove"
        disabled={busy || locked}
        onConfirm={() => remove.run()}
      />
      <FormError error={setRole.error ?? remove.error} />
    </span>
  );
}
