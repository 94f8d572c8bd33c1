import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from "react";
import { MAX_TASK_GOAL_CHARS, type TaskBudget } from "../../../shared/protocol/tasks";
import { AutopilotError } from "../../src/errors";
import { useAction } from "../lib/action";
import { FormError } from "../lib/form-error";
import { useModalDialog } from "../lib/modal";
import { useCan, useRoom } from "../stores/room";
import { useUi } from "../stores/ui";
import { TextField } from "../lib/text-field";
import { estimateWords } from "../lib/run-log";

/**
 * "Start a task" (protocol 9): a goal the Autopilot pursues step by step, with nobody
 * watching. Opened from a project's view (the task gets a thread of its own in the
 * project) or from a thread (the task works there). The budget is optional: the
 * workspace's defaults apply, and what is over its maximum is refused by the room, in words.
 */

type Where =
  | { projectId: string; threadId?: undefined; name: string }
  | { threadId: string; projectId?: string; name: string };

const BUDGET_WORDS: Record<keyof TaskBudget, string> = {
  maxSteps: "steps",
  maxTokens: "tokens",
  maxRunningMs: "minutes of running time",
};

/** The room's refusal in words a person reads (its message names the field the protocol uses). */
function refusalText(error: unknown): string | null {
  if (!(error instanceof AutopilotError)) return null;
  const field = error.details?.field;
  const maximum = error.details?.maximum;
  if (typeof field === "string" && field in BUDGET_WORDS && typeof maximum === "number") {
    const most = field === "maxRunningMs" ? Math.floor(maximum / 60_000) : maximum;
    return `This workspace allows a task at most ${most.toLocaleString()} ${BUDGET_WORDS[field as keyof TaskBudget]}.`;
  }
  if (error.details?.reason === "too_many_tasks")
    return "This workspace has as many unfinished tasks as it may hold. Cancel one or wait for one to finish.";
  if (error.code === "conflict" && typeof error.details?.taskId === "string")
    return "A task is already working in this thread. Open it from the thread, or start this one from its project.";
  return null;
}

const positive = (text: string): number | undefined => {
  const n = Number(text);
  return text.trim() && Number.isInteger(n) && n > 0 ? n : undefined;
};

export function StartTaskButton({ where, className = "small" }: { where: Where; className?: string }) {
  const canWrite = useCan("write");
  const [open, setOpen] = useState(false);
  if (!canWrite) return null;
  return (
    <>
      <button type="button" className={className} onClick={() => setOpen(true)} aria-haspopup="dialog">
        Start a task
      </button>
      {open && <StartTaskDialog where={where} close={() => setOpen(false)} />}
    </>
  );
}

function StartTaskDialog({ where, close }: { where: Where; close: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useModalDialog(dialog, true);
  const goalBox = useRef<HTMLTextAreaElement>(null);
  // showModal() focuses the first control (the close button); the goal is what one writes first.
  useEffect(() => goalBox.current?.focus(), []);
  const client = useRoom((s) => s.client);
  const select = useUi((s) => s.select);
  const ids = useId();
  const [goal, setGoal] = useState("");
  const [steps, setSteps] = useState("");
  const [tokens, setTokens] = useState("");
  const [minutes, setMinutes] = useState("");
  const estimate = useWorstCase(client, steps, tokens, minutes);
  const start = useAction(async () => {
    if (!client) return;
    const budget = budgetFrom(steps, tokens, minutes);
    try {
      const { task } = await client.request("tasks.start", {
        goal: goal.trim(),
        ...(where.threadId && { threadId: where.threadId }),
        ...(where.projectId && { projectId: where.projectId }),
        ...(Object.keys(budget).length > 0 && { budget }),
      });
      close();
      select(`task:${task.id}`);
    } catch (error) {
      throw new Error(refusalText(error) ?? (error instanceof Error ? error.message : String(error)));
    }
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (goal.trim()) start.run();
  };
  // Ctrl/⌘+Enter starts from the goal's box, as in other multi-line forms.
  const onGoalKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && goal.trim()) {
      e.preventDefault();
      start.run();
    }
  };
  return (
    <dialog ref={dialog} className="task-start" onClose={close} aria-modal="true" aria-labelledby={`${ids}-h`}>
      <form onSubmit={submit}>
        <header>
          <h2 id={`${ids}-h`}>Start a task</h2>
          <button type="button" className="icon" onClick={close} aria-label="Close">
            ✕
          </button>
        </header>
        <div className="task-start-body">
          <p className="muted small">
            {where.threadId ? "The Autopilot works in the thread " : "The Autopilot works in a new thread of "}
            <strong>{where.name}</strong>, step by step, whether or not anyone is watching. Risky steps wait for a
            person's approval.
          </p>
          <TextField
            multiline
            id={`${ids}-goal`}
            label="Goal"
            ref={goalBox}
            value={goal}
            rows={6}
            maxLength={MAX_TASK_GOAL_CHARS}
            required
            onChange={setGoal}
            onKeyDown={onGoalKey}
            placeholder="What should the Autopilot get done? Say what done looks like."
          />
          <fieldset className="task-budget">
            <legend className="field-label">Budget (optional: the workspace's defaults otherwise)</legend>
            <BudgetField label="Steps" min={1} step={1} value={steps} onChange={setSteps} />
            <BudgetField label="Tokens" min={1000} step={1000} value={tokens} onChange={setTokens} />
            <BudgetField label="Minutes" min={1} step={1} value={minutes} onChange={setMinutes} />
          </fieldset>
          <p className="muted small task-worst-case" role="status">
            {estimate}
          </p>
          <FormError error={start.error} />
        </div>
        <footer className="button-row">
          <span className="muted small">Ctrl+Enter to start</span>
          <button type="button" className="small" onClick={close} disabled={start.pending}>
            Cancel
          </button>
          <button type="submit" className="primary small" disabled={start.pending || !goal.trim()}>
            {start.pending ? "Starting…" : "Start task"}
          </button>
        </footer>
      </form>
    </dialog>
  );
}

/** The budget the three fields ask for: what is left empty is the workspace's default. */
function budgetFrom(steps: string, tokens: string, minutes: string): Partial<TaskBudget> {
  const budget: Partial<TaskBudget> = {};
  if (positive(steps)) budget.maxSteps = positive(steps);
  if (positive(tokens)) budget.maxTokens = positive(tokens);
  if (positive(minutes)) budget.maxRunningMs = positive(minutes)! * 60_000;
  return budget;
}

/**
 * What the task may cost at most with the budget as the person has it now (`tasks.estimate`,
 * read again a moment after they stop typing), in words.
 */
function useWorstCase(
  client: ReturnType<typeof useRoom.getState>["client"],
  steps: string,
  tokens: string,
  minutes: string,
): string {
  const [words, setWords] = useState("");
  useEffect(() => {
    if (!client) return;
    let current = true;
    const timer = setTimeout(() => {
      client.request("tasks.estimate", { budget: budgetFrom(steps, tokens, minutes) }).then(
        (estimate) => {
          if (!current) return;
          setWords(estimateWords(estimate));
        },
        (error: unknown) => current && setWords(refusalText(error) ?? ""),
      );
    }, 300);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, steps, tokens, minutes]);
  return words;
}

/** One number of the budget; empty means the workspace's default. */
function BudgetField(props: {
  label: string;
  min: number;
  step: number;
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <label>
      <span>{props.label}</span>
      <input
        inputMode="numeric"
        type="number"
        min={props.min}
        step={props.step}
        placeholder="default"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
      />
    </label>
  );
}
