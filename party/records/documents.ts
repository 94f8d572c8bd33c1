import { MemoryEntry } from "../../shared/protocol/agent";
import { Approval } from "../../shared/protocol/approvals";
import { AuditEntry } from "../../shared/protocol/audit";
import { GatewaySession } from "../../shared/protocol/gateway";
import { InboxPreferences } from "../../shared/protocol/inbox";
import { Instance } from "../../shared/protocol/instances";
import { Job } from "../../shared/protocol/jobs";
import { Project } from "../../shared/protocol/projects";
import { WorkspaceSettings } from "../../shared/protocol/settings";
import { Message, Thread } from "../../shared/protocol/threads";
import { defineRecord } from "./codec";
import { APPROVAL_UPGRADES } from "./approval-upgrades";
import { INBOX_PREFERENCES_UPGRADES } from "./inbox-upgrades";
import { THREAD_UPGRADES } from "./thread-upgrades";

// The room's entity documents, each stored as its wire shape (see codec.ts). A schema
// change in shared/protocol that old rows do not satisfy adds an upgrade step here (and
// the same step to the event payloads that carry the entity, in events.ts).

export const threadRecord = defineRecord("thread", Thread, THREAD_UPGRADES);
/** `n` is the row's own column (autoincrement), so the document is stored without it. */
export const messageRecord = defineRecord("message", Message.omit({ n: true }));
export const approvalRecord = defineRecord("approval", Approval, APPROVAL_UPGRADES);
export const jobRecord = defineRecord("job", Job);
export const instanceRecord = defineRecord("instance", Instance);
/** `threadId` is looked up from the bindings on every read, never stored. */
export const gatewaySessionRecord = defineRecord("gateway session", GatewaySession.omit({ threadId: true }));
/** `n` and `at` are the row's columns. */
export const auditRecord = defineRecord("audit entry", AuditEntry.omit({ n: true, at: true }));
/** The workspace memory (protocol 5); `key` and `updatedAt` are columns too. */
export const memoryRecord = defineRecord("memory entry", MemoryEntry);
/** The workspace's settings (protocol 8), one document in the room's meta. */
export const settingsRecord = defineRecord("workspace settings", WorkspaceSettings);
/** A person's inbox preferences (protocol 8), in `inbox_people.preferences`. */
export const inboxPreferencesRecord = defineRecord("inbox preferences", InboxPreferences, INBOX_PREFERENCES_UPGRADES);
/** A project (protocol 9): threads, instances and files with a brief and links (features/projects/projects.ts). */
export const projectRecord = defineRecord("project", Project);
