import { type ChangeFormProps, FormActions, SecretField } from "../change-form";
import { GatewaySection, ItemHead, useGatewaySection } from "../gateway-section";
import { type FormEvent, useState } from "react";
import { type Instance, SKILL_OPERATIONS } from "../../../../shared/protocol/instances";
import {
  type ClawHubSkill,
  SkillSlug,
  type SkillStatus,
  skillRequestProblem,
} from "../../../../shared/protocol/skills";
import { useAction } from "../../lib/action";
import { ActionButton } from "../../lib/action-button";
import { FormError } from "../../lib/form-error";
import { useRoom } from "../../stores/room";
import "./skills.css";

/**
 * An instance's skills in the inspector (decision 70): what its gateway reports for each (read
 * again whenever a job finishes or the instance changes), the changes waiting for a person,
 * and the forms to ask for one: add a private skill (its SKILL.md, and files beside it), find
 * one on ClawHub, turn one on or off, set its API key, remove an installed one. Every change
 * is an approval; nothing here changes the gateway by itself, and a key typed here is never
 * shown again.
 */

/** A skill's state in words, from what the gateway reports now. */
export function skillText(s: SkillStatus): string {
  if (!s.enabled) return "turned off";
  if (s.eligible) return "on: its agent may use it";
  return s.missing.length > 0 ? `needs ${s.missing.join("; ")}` : "not available to its agent";
}

/** Files picked beside SKILL.md, read as base64 (a skill may carry scripts or data). */
async function readFiles(list: FileList | null): Promise<{ path: string; content: string; base64: boolean }[]> {
  const out: { path: string; content: string; base64: boolean }[] = [];
  for (const file of list ? [...list] : []) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    out.push({ path: file.name, content: btoa(binary), base64: true });
  }
  return out;
}

/** A private skill: its folder's name, its SKILL.md, and any files beside it. */
function AddSkillForm({ instanceId, disabled, onDone }: ChangeFormProps) {
  const client = useRoom((s) => s.client);
  const [slug, setSlug] = useState("");
  const [skillMd, setSkillMd] = useState("");
  const [files, setFiles] = useState<FileList | null>(null);
  const send = useAction(async () => {
    if (!client) return;
    const parsed = SkillSlug.safeParse(slug.trim());
    if (!parsed.success) throw new Error("The skill's name: lower-case letters, digits and '-'.");
    const all = [{ path: "SKILL.md", content: skillMd, base64: false }, ...(await readFiles(files))];
    const problem = skillRequestProblem({ files: all });
    if (problem) throw new Error(problem);
    await client.instances.uploadSkill({ instanceId, slug: parsed.data, files: all });
    onDone();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    send.run();
  };
  return (
    <form className="skill-form" aria-label="Add a skill" onSubmit={submit}>
      <label>
        Name
        <input value={slug} onChange={(e) => setSlug(e.target.value)} placeholder="e.g. weekly-report" maxLength={64} />
      </label>
      <label>
        SKILL.md
        <textarea
          value={skillMd}
          onChange={(e) => setSkillMd(e.target.value)}
          rows={8}
          spellCheck={false}
          placeholder={
            "---\nname: weekly-report\ndescription: When to use it, in a sentence.\n---\n\nWhat the agent does."
          }
        />
      </label>
      <label>
        Files beside it (optional)
        <input type="file" multiple onChange={(e) => setFiles(e.target.files)} />
      </label>
      <FormActions ask="Ask to install" disabled={disabled || !skillMd.trim()} send={send} onCancel={onDone} />
    </form>
  );
}

/** A skill's API key: sent once (the field is emptied as the request goes), never shown again. */
function SkillKeyForm({ instanceId, skill, disabled, onDone }: ChangeFormProps & { skill: SkillStatus }) {
  const client = useRoom((s) => s.client);
  const [apiKey, setApiKey] = useState("");
  const send = useAction(async (value: string) => {
    if (!client) return;
    await client.instances.configureSkill({ instanceId, skillKey: skill.key, apiKey: value });
    onDone();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = apiKey.trim();
    setApiKey("");
    if (value) send.run(value);
  };
  return (
    <form className="skill-form" aria-label={`API key of ${skill.name}`} onSubmit={submit}>
      <SecretField
        label={`API key${skill.primaryEnv ? ` (${skill.primaryEnv})` : ""}`}
        value={apiKey}
        onChange={setApiKey}
        maxLength={4000}
        disabled={disabled}
      />
      <FormActions ask="Ask to set the key" disabled={disabled || !apiKey.trim()} send={send} onCancel={onDone} />
    </form>
  );
}

/**
 * ClawHub, the public skills registry, searched through the instance's gateway: each result's
 * words are the publisher's (shown as text), and installing one is asked for, as every change.
 * A gateway without the internet cannot reach it: the room's answer says so, and what to do.
 */
function ClawHubSearch({ instanceId, disabled, onDone }: ChangeFormProps) {
  const client = useRoom((s) => s.client);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<ClawHubSkill[] | null>(null);
  const search = useAction(async (text: string) => {
    if (!client) return;
    setResults(null);
    const found = await client.instances.searchSkills({ instanceId, ...(text ? { query: text } : {}) });
    setResults(found.results);
  });
  const install = useAction(async (skill: ClawHubSkill) => {
    if (!client) return;
    await client.instances.installSkill({ instanceId, ref: skill.ref });
    onDone();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    search.run(query.trim());
  };
  return (
    <form className="skill-form" aria-label="Find a skill on ClawHub" onSubmit={submit}>
      <label>
        Find on ClawHub
        <input
          type="search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          placeholder="e.g. calendar"
          maxLength={200}
        />
      </label>
      <FormActions ask="Search" working="Searching…" disabled={disabled} send={search} onCancel={onDone} />
      {results && results.length === 0 && <p className="muted small">Nothing found on ClawHub.</p>}
      {results && results.length > 0 && (
        <ul className="skill-list" aria-label="ClawHub results">
          {results.map((r) => (
            <li key={r.ref} className="skill-row clawhub-row" data-ref={r.ref}>
              <ItemHead
                name={r.name}
                about={`${r.ref}${r.version ? ` · ${r.version}` : ""}${r.unscanned ? " · not scanned by ClawHub" : ""}`}
                description={r.summary}
              />
              <div className="actions">
                <ActionButton action={install} payload={r} label={`Ask to install ${r.name}`} disabled={disabled} />
              </div>
            </li>
          ))}
        </ul>
      )}
      <FormError error={install.error} />
    </form>
  );
}

/** Installed in the agent's workspace (uploaded, or from ClawHub): the skills a removal can take away. */
const removable = (s: SkillStatus) =>
  !s.bundled && s.source === "openclaw-workspace" && SkillSlug.safeParse(s.key).success;

/** Skills not bundled with the gateway come first, then those the agent may use, then the rest (mostly bundled ones that need a program). */
const order = (s: SkillStatus) => (!s.bundled ? 0 : s.eligible ? 1 : 2);

export function InstanceSkills({ instance }: { instance: Instance }) {
  const client = useRoom((s) => s.client);
  // The room takes a skill's key from a person only: an agent's key reads why instead.
  const agent = useRoom((s) => s.principal?.kind === "agent");
  const { read, pending, disabled } = useGatewaySection(
    instance,
    SKILL_OPERATIONS,
    async (c, instanceId) => (await c.instances.skills({ instanceId })).skills,
  );
  const skills = read.data;
  const [open, setOpen] = useState<{ form: "add" } | { form: "clawhub" } | { form: "key"; key: string } | null>(null);
  const toggle = useAction(async (skill: SkillStatus) => {
    if (!client) return;
    await client.instances.configureSkill({ instanceId: instance.id, skillKey: skill.key, enabled: !skill.enabled });
  });
  const remove = useAction(async (skill: SkillStatus) => {
    if (!client) return;
    await client.instances.removeSkill({ instanceId: instance.id, slug: skill.key });
  });
  // A linked gateway's workspace is on its owner's machine: removal is done there.
  const linked = instance.kind === "linked";
  const waiting = (key: string) => pending.some((a) => a.action?.kind === "instance" && a.action.skill?.key === key);
  const sorted = skills ? [...skills].sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name)) : [];
  const shown = sorted.filter((s) => order(s) < 2);
  const rest = sorted.filter((s) => order(s) === 2);
  const row = (s: SkillStatus) => {
    const busy = disabled || waiting(s.key);
    return (
      <li key={s.key} className="skill-row" data-skill={s.key}>
        <ItemHead name={s.name} about={skillText(s)} description={s.description} />
        <div className="actions">
          <ActionButton
            action={toggle}
            payload={s}
            label={s.enabled ? `Ask to turn off ${s.name}` : `Ask to turn on ${s.name}`}
            disabled={busy}
          />
          {s.primaryEnv && !agent && (
            <button
              type="button"
              className="link small"
              disabled={busy}
              onClick={() => setOpen({ form: "key", key: s.key })}
            >
              Set its API key…
            </button>
          )}
          {removable(s) && !linked && (
            <ActionButton
              action={remove}
              payload={s}
              label={`Ask to remove ${s.name}`}
              className="link small"
              disabled={busy}
            />
          )}
        </div>
        {removable(s) && linked && (
          <p className="muted small">
            To remove it, delete the folder skills/{s.key} in its agent workspace on the gateway's machine (by default
            ~/.openclaw/workspace/skills/{s.key}).
          </p>
        )}
        {open?.form === "key" && open.key === s.key && (
          <SkillKeyForm instanceId={instance.id} skill={s} disabled={busy} onDone={() => setOpen(null)} />
        )}
      </li>
    );
  };
  return (
    <GatewaySection title="Skills" className="instance-skills" instance={instance} read={read} pending={pending}>
      {skills && (
        <>
          <ul className="skill-list" aria-label="Skills">
            {shown.map(row)}
          </ul>
          {rest.length > 0 && (
            <details className="skill-rest">
              <summary className="small">{rest.length} more that need something first</summary>
              <ul className="skill-list">{rest.map(row)}</ul>
            </details>
          )}
        </>
      )}
      <FormError error={toggle.error} />
      <FormError error={remove.error} />
      {open?.form === "add" && (
        <AddSkillForm instanceId={instance.id} disabled={disabled} onDone={() => setOpen(null)} />
      )}
      {open?.form === "clawhub" && (
        <ClawHubSearch instanceId={instance.id} disabled={disabled} onDone={() => setOpen(null)} />
      )}
      {!open || open.form === "key" ? (
        <div className="actions">
          <button type="button" className="small" disabled={disabled} onClick={() => setOpen({ form: "add" })}>
            Add a skill…
          </button>
          <button type="button" className="small" disabled={disabled} onClick={() => setOpen({ form: "clawhub" })}>
            Find on ClawHub…
          </button>
        </div>
      ) : null}
      <p className="muted small">
        A skill tells the instance's agent how to do something. Each change waits for a person's approval, who reads the
        skill's SKILL.md first; a key you give is kept hidden.
      </p>
    </GatewaySection>
  );
}
