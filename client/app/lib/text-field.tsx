import { type ChangeEvent, type ComponentProps, createElement, type ReactNode } from "react";

interface FieldProps {
  id: string;
  label: ReactNode;
  /** Given the text. */
  onChange: (value: string) => void;
}

type TextFieldProps = FieldProps &
  (
    | ({ multiline?: false } & Omit<ComponentProps<"input">, keyof FieldProps>)
    | ({ multiline: true } & Omit<ComponentProps<"textarea">, keyof FieldProps>)
  );

/**
 * A text input (a textarea when `multiline`) with its label above it, joined by id so the
 * label is the control's name; the rest of the control's attributes pass through.
 */
export function TextField({ id, label, onChange, multiline, ...control }: TextFieldProps) {
  return (
    <>
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      {createElement(multiline ? "textarea" : "input", {
        ...control,
        id,
        onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => onChange(e.target.value),
      })}
    </>
  );
}
