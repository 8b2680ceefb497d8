/** A JSON document in a labelled textarea: parsed before anything is sent, the parse error shown beside it. */
import type { ApiError } from '../api.js';
import { Field } from './form.js';

export function parseJson(text: string): { value?: unknown; error?: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export function JsonEditor({ id, label, value, onInput, error, rows = 12 }: { id: string; label: string; value: string; onInput: (v: string) => void; error?: ApiError | undefined; rows?: number }) {
  const parsed = parseJson(value);
  return (
    <Field id={id} label={label} error={error}>
      <textarea id={id} rows={rows} spellcheck={false} class="mono" aria-invalid={parsed.error !== undefined || error !== undefined} value={value} onInput={(e) => onInput((e.target as HTMLTextAreaElement).value)} />
      {value.trim() !== '' && parsed.error && (
        <p class="field-error" role="alert">
          Not valid JSON: {parsed.error}
        </p>
      )}
    </Field>
  );
}
