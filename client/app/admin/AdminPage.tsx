import { useCallback, useEffect, useState } from "react";
import { useAction } from "../lib/action";
import { type AccountStatus, type AdminUser, type AdminWorkspace, adminApi, errorText } from "../lib/api";
import { FormError } from "../lib/form-error";
import { relativeTime } from "../lib/format";
import { useSession } from "../stores/session";
import { Brand } from "../shell/Brand";
import { AdminTable } from "./AdminTable";
import { PublicCommunity } from "./PublicCommunity";
import { Workspaces } from "./WorkspaceBilling";

/**
 * `/admin`, for operators: every account (approve the waitlist, disable and re-enable) and
 * every workspace with its money (WorkspaceBilling.tsx: plan, balance, grants), and the public
 * community's reports (PublicCommunity.tsx: hide, ban). Accounts are
 * auth data, so this page talks HTTP (`/api/admin/*`); it
 * loads on open and on Refresh.
 */

type Action = "approve" | "disable" | "enable";

const STATUS_LABEL: Record<AccountStatus, string> = {
  active: "Active",
  waitlisted: "Waitlisted",
  disabled: "Disabled",
};
const STATUS_CHIP: Record<AccountStatus, string> = {
  active: "chip-approved",
  waitlisted: "chip-pending",
  disabled: "chip-denied",
};
const ACTIONS: Record<AccountStatus, Action[]> = {
  waitlisted: ["approve", "disable"],
  active: ["disable"],
  disabled: ["enable"],
};
const ACTION_LABEL: Record<Action, string> = { approve: "Approve", disable: "Disable", enable: "Enable" };

const created = (at: string | number) => {
  const time = new Date(at).getTime();
  return Number.isNaN(time) ? "—" : <time dateTime={new Date(time).toISOString()}>{relativeTime(time)}</time>;
};

function UserRow({ user, self, onChanged }: { user: AdminUser; self: boolean; onChanged: (user: AdminUser) => void }) {
  const act = useAction(async (action: Action) => onChanged((await adminApi.act(user.id, action)).user));
  return (
    <tr data-testid={`admin-user-${user.email}`}>
      <td>
        {user.name}
        {user.operator && <span className="chip admin-operator">operator</span>}
      </td>
      <td>{user.email}</td>
      <td>{user.emailVerified ? "Yes" : "No"}</td>
      <td>
        <span className={`chip ${STATUS_CHIP[user.status]}`}>{STATUS_LABEL[user.status]}</span>
      </td>
      <td>{created(user.createdAt)}</td>
      <td>
        <div className="admin-actions">
          {ACTIONS[user.status]
            .filter((action) => !(self && action === "disable"))
            .map((action) => (
              <button
                key={action}
                type="button"
                className={action === "approve" ? "primary" : ""}
                disabled={act.pending}
                onClick={() => act.run(action)}
                aria-label={`${ACTION_LABEL[action]} ${user.email}`}
              >
                {act.pending && act.running === action ? "…" : ACTION_LABEL[action]}
              </button>
            ))}
          <FormError error={act.error} />
        </div>
      </td>
    </tr>
  );
}

function Users({
  users,
  selfId,
  onChanged,
}: {
  users: AdminUser[];
  selfId: string;
  onChanged: (user: AdminUser) => void;
}) {
  const waiting = users.filter((u) => u.status === "waitlisted").length;
  return (
    <section className="admin-section" aria-labelledby="admin-users">
      <h2 id="admin-users">
        People <span className="count">{users.length}</span>
        {waiting > 0 && <span className="badge">{waiting} waiting</span>}
      </h2>
      <AdminTable columns={["Name", "Email", "Verified", "Status", "Created"]}>
        {users.map((user) => (
          <UserRow key={user.id} user={user} self={user.id === selfId} onChanged={onChanged} />
        ))}
      </AdminTable>
    </section>
  );
}

function NotAnOperator() {
  return (
    <div className="empty-state page">
      <h2>Operators only</h2>
      <p>This page is for the people who run this Autopilot. Your account is not one of them.</p>
      <p>
        <a href="/">Back to your workspace</a>
      </p>
    </div>
  );
}

export function AdminPage() {
  const me = useSession((s) => s.me)!;
  const [data, setData] = useState<{ users: AdminUser[]; workspaces: AdminWorkspace[] } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const load = useCallback(async () => {
    setGeneration((n) => n + 1);
    try {
      const [{ users }, { workspaces }] = await Promise.all([adminApi.users(), adminApi.workspaces()]);
      setData({ users, workspaces });
      setLoadError(null);
    } catch (error) {
      setLoadError(errorText(error));
    }
  }, []);
  const operator = me.account.operator;
  useEffect(() => {
    if (operator) void load();
  }, [operator, load]);
  if (!operator) return <NotAnOperator />;

  const onChanged = (user: AdminUser) => {
    setData((d) => d && { ...d, users: d.users.map((u) => (u.id === user.id ? user : u)) });
    // Approving makes the person's workspace: the workspace list changes too.
    void load();
  };
  return (
    <div className="admin-page">
      <header className="topbar">
        <Brand>Autopilot admin</Brand>
        <div className="spacer" />
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
        <a className="button-link" href="/">
          Back to the app
        </a>
      </header>
      <main className="admin-main">
        <FormError error={loadError} />
        {data ? (
          <>
            <Users users={data.users} selfId={me.user.id} onChanged={onChanged} />
            <Workspaces workspaces={data.workspaces} />
            <PublicCommunity generation={generation} />
          </>
        ) : (
          !loadError && <p className="muted">Loading…</p>
        )}
      </main>
    </div>
  );
}
