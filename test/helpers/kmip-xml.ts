/**
 * Reads the OASIS KMIP profile test cases (XML, KMIP Profiles §5.5 "XML Encoding"; copies in
 * test/vectors/kmip/oasis/) into the JSON TTLV form `{tag, type, value}` (KMIP Profiles §5.4) that
 * src/kmip/json.ts decodes. The XML subset the test cases use is small: elements named by tag, leaves
 * `<Tag type="T" value="V"/>`, structures as nested elements, and comments. Enumerations stay names (the
 * JSON decoder maps them); Integers and Intervals become numbers, Booleans true/false.
 */
import { readFileSync } from 'node:fs';

export type JsonTtlv = { tag: string; type?: string; value: unknown };

export interface XmlTestCase {
  /** RequestMessage / ResponseMessage, in file order */
  messages: JsonTtlv[];
}

const TOKEN = /<!--[\s\S]*?-->|<(\/?)([A-Za-z0-9_]+)((?:\s+[a-z]+="[^"]*")*)\s*(\/?)>/g;

function leafValue(type: string, value: string): unknown {
  switch (type) {
    case 'Integer':
    case 'Interval':
      return /^-?[0-9]+$/.test(value) ? Number(value) : value;
    case 'Boolean':
      return value === 'true';
    default:
      return value;
  }
}

export function parseKmipXml(xml: string): XmlTestCase {
  const stack: JsonTtlv[] = [{ tag: 'KMIP', value: [] }];
  for (const m of xml.matchAll(TOKEN)) {
    if (m[0].startsWith('<!--')) continue;
    const [, closing, name, attrText, selfClosing] = m;
    if (name === 'KMIP') continue;
    if (closing) {
      const done = stack.pop()!;
      if (done.tag !== name) throw new Error(`unbalanced XML: </${name}> closes <${done.tag}>`);
      continue;
    }
    const attrs = Object.fromEntries([...(attrText ?? '').matchAll(/([a-z]+)="([^"]*)"/g)].map((a) => [a[1], a[2]]));
    const node: JsonTtlv = attrs['type'] === undefined ? { tag: name!, value: [] } : { tag: name!, type: attrs['type'], value: leafValue(attrs['type'], attrs['value'] ?? '') };
    (stack.at(-1)!.value as JsonTtlv[]).push(node);
    if (!selfClosing && attrs['type'] === undefined) stack.push(node);
  }
  if (stack.length !== 1) throw new Error('unbalanced XML: unclosed elements');
  return { messages: stack[0]!.value as JsonTtlv[] };
}

export function readKmipXml(path: string): XmlTestCase {
  return parseKmipXml(readFileSync(path, 'utf8'));
}

/**
 * Replaces `$UNIQUE_IDENTIFIER_n` placeholders (the test cases' server-chosen identifiers) and, when `now`
 * is given, the Date-Time `$NOW` (ISO 8601).
 */
export function substitute(item: JsonTtlv, ids: string[], now?: string): JsonTtlv {
  if (Array.isArray(item.value)) return { ...item, value: (item.value as JsonTtlv[]).map((c) => substitute(c, ids, now)) };
  if (typeof item.value === 'string') {
    const m = /^\$UNIQUE_IDENTIFIER_([0-9]+)$/.exec(item.value);
    if (m) return { ...item, value: ids[Number(m[1])] ?? item.value };
    if (item.value === '$NOW' && now !== undefined) return { ...item, value: now };
  }
  return item;
}

/** The first child with this tag. */
export const xmlChild = (item: JsonTtlv | undefined, tag: string): JsonTtlv | undefined => (Array.isArray(item?.value) ? (item!.value as JsonTtlv[]).find((c) => c.tag === tag) : undefined);
export const xmlChildren = (item: JsonTtlv | undefined, tag: string): JsonTtlv[] => (Array.isArray(item?.value) ? (item!.value as JsonTtlv[]).filter((c) => c.tag === tag) : []);

/** The request/response pair of the test case step `step=N` (by Client Correlation Value, or position). */
export function stepOf(tc: XmlTestCase, step: number): { request: JsonTtlv; response: JsonTtlv } {
  const requests = tc.messages.filter((m) => m.tag === 'RequestMessage');
  const responses = tc.messages.filter((m) => m.tag === 'ResponseMessage');
  const i = requests.findIndex((r) => (xmlChild(xmlChild(r, 'RequestHeader'), 'ClientCorrelationValue')?.value as string | undefined)?.endsWith(`step=${step}`));
  const at = i >= 0 ? i : step;
  if (requests[at] === undefined || responses[at] === undefined) throw new Error(`no step ${step}`);
  return { request: requests[at]!, response: responses[at]! };
}
