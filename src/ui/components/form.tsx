/** Labelled form fields that show the server's problem detail next to the field it names. */
import type { ComponentChildren } from 'preact';
import type { ApiError } from '../api.js';

/** Does this error belong next to the field named `names` (the problem's `field` or its first segment)? */
export function errorFor(error: ApiError | undefined, names: string[]): ApiError | undefined {
  if (error?.field === undefined) return undefined;
  const head = error.field.split(/[.[]/)[0]!;
  return names.includes(error.field) || names.includes(head) ? error : undefined;
}

interface FieldProps {
  label: string;
  id: string;
  error?: ApiError | undefined;
  hint?: string;
  children: ComponentChildren;
}

export function Field({ label, id, error, hint, children }: FieldProps) {
  return (
    <div class={`field${error ? ' invalid' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {hint && <small id={`${id}-hint`}>{hint}</small>}
      {error && (
        <p class="field-error" id={`${id}-error`} role="alert">
          {error.message} <code>{error.code}</code>
        </p>
      )}
    </div>
  );
}

/** The error of a form that names no field of it (or none at all). */
export function FormError({ error, fields = [] }: { error: ApiError | undefined; fields?: string[] }) {
  if (error === undefined || errorFor(error, fields) !== undefined) return null;
  return (
    <p class="form-error" role="alert">
      {error.status === 403 ? 'Not permitted by your policies: ' : ''}
      {error.message} <code>{error.code}</code>
    </p>
  );
}

export function Denied({ what }: { what: string }) {
  return <p class="denied">Your token's policies do not allow {what}.</p>;
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  const h = id ?? slug(title);
  return (
    <section class="card" aria-labelledby={h}>
      <h2 id={h}>{title}</h2>
      {children}
    </section>
  );
}

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
