/**
 * A key's transaction rules (docs/policies.md, "Transaction rules"): shown as the server normalized
 * them, edited as JSON, parsed here first and then validated by the server on save — its problem
 * (UNKNOWN_FIELD, INVALID_ARGUMENT naming the member) is shown beside the editor.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Denied, FormError, Section } from '../components/form.js';
import { JsonEditor, parseJson } from '../components/json-editor.js';
import { useAction, useLoad } from '../hooks.js';

const EXAMPLE = {
  version: 1,
  maxValuePerTransaction: '1000000000000000000',
  approval: { aboveValue: '0', required: 2, approvers: { subjects: ['alice', 'bob', 'carol'] } },
};

export function RulesEditor({ keyId }: { keyId: string }) {
  const path = `/v1/keys/${encodeURIComponent(keyId)}/transaction-rules`;
  const current = useLoad(() => api<{ rules: unknown; updatedAt: string }>('GET', path).catch((err: { code?: string }) => (err.code === 'TRANSACTION_RULES_NOT_FOUND' ? null : Promise.reject(err))), [keyId]);
  const [text, setText] = useState('');
  const [saved, setSaved] = useState<string | undefined>();
  useEffect(() => {
    if (current.data !== undefined) setText(JSON.stringify(current.data === null ? EXAMPLE : current.data.rules, null, 2));
  }, [current.data]);
  const save = useAction(async () => {
    const parsed = parseJson(text);
    if (parsed.error !== undefined) throw new Error(`the rules are not valid JSON: ${parsed.error}`);
    return api<{ rules: unknown; updatedAt: string }>('PUT', path, parsed.value);
  });
  const remove = useAction(() => api('DELETE', path));
  if (current.denied) {
    return (
      <Section title="Transaction rules">
        <Denied what="reading this key's transaction rules" />
      </Section>
    );
  }
  return (
    <Section title="Transaction rules">
      <p>
        {current.data === null ? 'No rules: every transaction this key is asked to sign is signed. An example to start from:' : current.data ? `Saved ${new Date(current.data.updatedAt).toLocaleString()}.` : ''}
      </p>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const r = await save.run();
          if (r) {
            setText(JSON.stringify(r.rules, null, 2));
            setSaved(`Saved ${new Date(r.updatedAt).toLocaleString()}`);
            current.reload();
          }
        }}
      >
        <JsonEditor id="rules-json" label="Rules (JSON)" value={text} onInput={(v) => (setText(v), setSaved(undefined))} error={save.error} rows={14} />
        {saved && (
          <p role="status" class="ok">
            {saved}
          </p>
        )}
        <div class="row">
          <button type="submit" disabled={save.busy || save.denied}>
            Save rules
          </button>
          {current.data && (
            <button type="button" class="danger" disabled={remove.busy} onClick={async () => (await remove.run()) && current.reload()}>
              Delete rules
            </button>
          )}
        </div>
        <FormError error={remove.error} />
      </form>
    </Section>
  );
}
