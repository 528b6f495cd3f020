import type { FormEvent, InputHTMLAttributes, ReactNode } from 'react';
import { ErrorAlert } from './ListStatus';

/**
 * The card of an admin page's create form (recording links, API tokens): the fields, a submit
 * button that says when it is busy, the error, and what was just created (shown once).
 */
export function CreateCard(props: {
  onSubmit: (e: FormEvent) => void;
  busy: boolean;
  error: string | null;
  /** "Create link": shown as "Creating…" while busy. */
  submitLabel: string;
  submitTestId: string;
  /** What was created, or nothing yet. */
  created: ReactNode;
  children: ReactNode;
}) {
  return (
    <div className="card link-form">
      <form onSubmit={props.onSubmit}>
        {props.children}
        <button type="submit" className="primary" data-testid={props.submitTestId} disabled={props.busy}>
          {props.busy ? 'Creating…' : props.submitLabel}
        </button>
      </form>
      <ErrorAlert error={props.error} />
      {props.created}
    </div>
  );
}

type FieldProps = { label: string; value: string; onChange: (value: string) => void } & Omit<
  InputHTMLAttributes<HTMLInputElement>,
  'value' | 'onChange'
>;

/** A labelled input of a create form; the other attributes go to the input. */
export function Field({ label, value, onChange, ...input }: FieldProps) {
  return (
    <label>
      {label}
      <input {...input} value={value} onChange={(e) => onChange(e.currentTarget.value)} />
    </label>
  );
}
