import { submitted } from "../../lib/form-submit";
import { useId, useMemo, useState } from "react";
import type { Budget, BudgetScope } from "../../../../shared/protocol/billing";
import { budgetAllowance, budgetSpan, budgetUse, creditsText, SCOPE_LABELS } from "../../../../shared/billing-words";
import { useAction } from "../../lib/action";
import { CreditsInput } from "../../lib/credits-input";
import { FormError } from "../../lib/form-error";
import { ProgressBar } from "../../lib/progress-bar";
import { useCan, useRoom } from "../../stores/room";
import { useTasks } from "../../stores/tasks";
import { type Directory, keyChoices, useSubjectName } from "./names";
import type { BillingEditorProps } from "./use-billing";
import { ChoiceSelect, Options } from "../../lib/options";

/**
 * The budgets that are set (the workspace's first): what a person set each to (per month; a
 * task's in total) with what spend approvals added beside it, what is used and left. Owners and admins set or remove
 * them here (`billing.setBudget`); everyone else reads them.
 */

const number = new Intl.NumberFormat("en-US");
const FINISHED = new Set(["done", "stopped", "failed", "cancelled"]);
/** The most credits a budget takes (the protocol's bound). */
const MAX_BUDGET = 1_000_000_000_000;

function BudgetRow({
  budget,
  name,
  onRemove,
  removing,
}: {
  budget: Budget;
  name: string;
  onRemove: (() => void) | null;
  removing: boolean;
}) {
  const { share, allowed } = budgetUse(budget);
  // What a person set, and beside it what approvals added: never one number for both.
  const allowance = budgetAllowance(budget);
  const over = budget.remaining < 0;
  return (
    <li className={`budget${over || share >= 1 ? " budget-spent" : ""}`} data-scope={budget.scope}>
      <div className="budget-head">
        <span className="budget-name">
          {budget.scope === "workspace" ? (
            "Workspace"
          ) : (
            <>
              <span className="muted small">{SCOPE_LABELS[budget.scope]}</span> {name}
            </>
          )}
        </span>
        <span className="muted small">
          {allowance.set}
          {allowance.raised && <span className="budget-raised"> · {allowance.raised}</span>}
        </span>
      </div>
      <ProgressBar
        label={`${name}: budget used`}
        now={Math.min(budget.used, allowed)}
        max={allowed}
        percent={Math.min(100, share * 100)}
      />
      <p className="muted small budget-use">
        {number.format(budget.used)} used ·{" "}
        {over ? <strong>over by {creditsText(-budget.remaining)}</strong> : <>{creditsText(budget.remaining)} left</>}
        {onRemove && (
          <button
            type="button"
            className="link small budget-remove"
            onClick={onRemove}
            disabled={removing}
            aria-label={`Remove the budget of ${name}`}
          >
            {removing ? "Removing…" : "Remove"}
          </button>
        )}
      </p>
    </li>
  );
}

/** Who a budget can be for, per scope: keys, projects, tasks (unfinished first). */
function useSubjects(directory: Directory): Record<Exclude<BudgetScope, "workspace">, { id: string; name: string }[]> {
  const projects = useRoom((s) => s.state.projects);
  const stateTasks = useRoom((s) => s.state.tasks);
  const listed = useTasks((s) => s.listed);
  return useMemo(() => {
    const tasks = new Map([...listed, ...stateTasks]);
    return {
      key: keyChoices(directory),
      project: [...projects.values()].filter((p) => !p.archived).map((p) => ({ id: p.id, name: p.name })),
      task: [...tasks.values()]
        .sort((a, b) => Number(FINISHED.has(a.status)) - Number(FINISHED.has(b.status)) || b.updatedAt - a.updatedAt)
        .slice(0, 100)
        .map((t) => ({ id: t.id, name: t.goal.split("\n")[0]!.slice(0, 80) })),
    };
  }, [directory, projects, stateTasks, listed]);
}

function BudgetForm({ directory, onSet }: Omit<BillingEditorProps, "state">) {
  const client = useRoom((s) => s.client);
  const subjects = useSubjects(directory);
  const [scope, setScope] = useState<BudgetScope>("workspace");
  const [subjectId, setSubjectId] = useState("");
  const [credits, setCredits] = useState("");
  const id = useId();
  const choices = scope === "workspace" ? [] : subjects[scope];
  const chosen = scope === "workspace" ? null : (choices.find((c) => c.id === subjectId)?.id ?? choices[0]?.id ?? null);
  const save = useAction(async () => {
    if (!client) return;
    const limit = Number(credits);
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_BUDGET)
      throw new Error("Credits must be a whole number, 0 or more.");
    if (scope !== "workspace" && !chosen) throw new Error(`Choose the ${SCOPE_LABELS[scope].toLowerCase()}.`);
    const { state } = await client.billing.setBudget({ scope, ...(chosen ? { subjectId: chosen } : {}), limit });
    onSet(state);
    setCredits("");
    return "Budget set.";
  });
  return (
    <form className="budget-form" aria-labelledby={`${id}-h`} onSubmit={submitted(() => save.run())}>
      <h4 id={`${id}-h`}>Set a budget</h4>
      <div className="budget-form-row">
        <label className="field-label" htmlFor={`${id}-scope`}>
          For
        </label>
        <select
          id={`${id}-scope`}
          value={scope}
          onChange={(e) => {
            setScope(e.target.value as BudgetScope);
            setSubjectId("");
          }}
        >
          <Options
            items={Object.keys(SCOPE_LABELS) as BudgetScope[]}
            label={(s) => (s === "workspace" ? "The workspace" : SCOPE_LABELS[s])}
          />
        </select>
        {scope !== "workspace" && (
          <ChoiceSelect label={SCOPE_LABELS[scope]} choices={choices} value={chosen} onChange={setSubjectId} />
        )}
      </div>
      <div className="budget-form-row">
        <label className="field-label" htmlFor={`${id}-credits`}>
          Credits {budgetSpan(scope)}
        </label>
        <CreditsInput id={`${id}-credits`} min={0} value={credits} onChange={setCredits} />
        <button type="submit" disabled={save.pending}>
          {save.pending ? "Setting…" : "Set budget"}
        </button>
      </div>
      <FormError error={save.error} />
      {save.note && (
        <p className="muted small" role="status">
          {save.note}
        </p>
      )}
    </form>
  );
}

export function Budgets({ state, directory, onSet }: BillingEditorProps) {
  const client = useRoom((s) => s.client);
  const canSet = useCan("admin");
  const name = useSubjectName(directory);
  const remove = useAction(async (budget: Budget) => {
    if (!client) return;
    const subject = budget.subjectId === null ? {} : { subjectId: budget.subjectId };
    onSet((await client.billing.setBudget({ scope: budget.scope, ...subject, limit: null })).state);
  });
  const removing = remove.running;
  return (
    <section className="billing-section" aria-labelledby="billing-budgets-h">
      <h3 id="billing-budgets-h">Budgets</h3>
      {state.budgets.length === 0 ? (
        <p className="muted small">
          No budget is set: spending stops only when the credits run out.
          {canSet &&
            " A budget per month for the workspace, an agent key or a project (or in total for a task) asks a person before anything goes past it."}
        </p>
      ) : (
        <ul className="budget-list" aria-label="Budgets">
          {state.budgets.map((b) => (
            <BudgetRow
              key={`${b.scope}:${b.subjectId ?? ""}`}
              budget={b}
              name={name(b.scope, b.subjectId)}
              onRemove={canSet ? () => remove.run(b) : null}
              removing={removing === b}
            />
          ))}
        </ul>
      )}
      <FormError error={remove.error} />
      {canSet ? (
        <BudgetForm directory={directory} onSet={onSet} />
      ) : (
        <p className="muted small">Owners and admins set budgets; what would go past one asks a person first.</p>
      )}
    </section>
  );
}
