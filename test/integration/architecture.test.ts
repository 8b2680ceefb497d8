/**
 * The import rules of docs/architecture.md, checked on the source tree: storage cannot decrypt,
 * interfaces go through the service layer (and never see a storage type), the SDK carries no server
 * code, there are no import cycles (type imports included), and the service's domain folders meet only
 * through service/shared/ (docs/architecture.md, "Map").
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

const src = join(repoRoot, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

interface Edge {
  from: string;
  to: string;
  /** `import type` / `export type`: carries no code */
  typeOnly: boolean;
}

/** Every import of project code, as paths relative to src/. */
function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of files(src)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'(\.[^']+)'|import\('(\.[^']+)'\)/gm)) {
      const spec = m[3] ?? m[4]!;
      out.push({ from: relative(src, file), to: relative(src, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'), typeOnly: m[2] !== undefined });
    }
  }
  return out;
}

/** The strongly connected components with more than one file (Tarjan): each is an import cycle. */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

const INTERFACES = /^(http|aws|ethrpc|cli|pkcs11|kmip)\//;

const valueRules: { name: string; from: RegExp; forbidden: RegExp }[] = [
  { name: 'storage/ never imports crypto/, keyring/ or providers/', from: /^storage\//, forbidden: /^(crypto|keyring|providers)\// },
  { name: 'interfaces (http/, aws/, ethrpc/, cli/, pkcs11/, kmip/) never import keyring/ or crypto/', from: INTERFACES, forbidden: /^(keyring|crypto)\// },
  { name: 'the KMIP codec (kmip/ttlv, tags, enums, json, message) is pure: it imports only itself', from: /^kmip\/(ttlv|tags|enums|json|message)\.ts$/, forbidden: /^(?!kmip\/(ttlv|tags|enums|json|message)\.ts$)/ },
  { name: 'sdk/ imports only protocol/', from: /^sdk\//, forbidden: /^(?!protocol\/|sdk\/)/ },
  { name: 'protocol/ imports nothing but protocol/', from: /^protocol\//, forbidden: /^(?!protocol\/)/ },
  { name: 'policy/ is pure: no storage, keyring, crypto, service or http', from: /^policy\//, forbidden: /^(storage|keyring|crypto|service|http)\// },
];

/** The service domain folder of a path (`service/keys/sign.ts` → `keys`), '' for service/'s top level, undefined outside service/. */
function serviceDomain(path: string): string | undefined {
  const m = /^service\/(?:([^/]+)\/)?[^/]+$/.exec(path);
  return m === null ? undefined : (m[1] ?? '');
}

describe('architecture: import rules', () => {
  const all = edges();
  const values = all.filter((e) => !e.typeOnly);

  it('finds the imports it checks', () => {
    assert.ok(values.length > 100, `only ${values.length} value imports found`);
    assert.ok(all.some((e) => e.typeOnly), 'control: type imports are seen');
    assert.ok(values.some((e) => e.from.startsWith('http/') && e.to.startsWith('service/')), 'control: http → service imports are seen');
  });

  for (const rule of valueRules) {
    it(rule.name, () => {
      assert.deepEqual(values.filter((e) => rule.from.test(e.from) && rule.forbidden.test(e.to)), []);
    });
  }

  it('no interface imports from storage/, not even a type (they see the service layer’s ServiceKey / ServiceWallet)', () => {
    assert.deepEqual(all.filter((e) => INTERFACES.test(e.from) && e.to.startsWith('storage/')), []);
  });

  it('the cycle finder finds cycles (control: a → b → c → a, and a self-import)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a', 'd']],
      ['d', []],
      ['e', ['e']],
    ]);
    assert.deepEqual(importCycles(g), [['a', 'b', 'c'], ['e']]);
  });

  it('no import cycles among source files, type imports included', () => {
    const graph = new Map<string, string[]>();
    for (const e of all) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to]);
    assert.deepEqual(importCycles(graph), []);
  });

  it('service/shared/ imports nothing from the service domains above it', () => {
    assert.deepEqual(all.filter((e) => serviceDomain(e.from) === 'shared' && serviceDomain(e.to) !== undefined && serviceDomain(e.to) !== 'shared'), []);
  });

  it('a service domain folder imports another domain only through service/shared/ (or the registries at service/’s top level)', () => {
    const bad = all.filter((e) => {
      const from = serviceDomain(e.from);
      const to = serviceDomain(e.to);
      return from !== undefined && from !== '' && from !== 'shared' && to !== undefined && to !== '' && to !== 'shared' && to !== from;
    });
    assert.deepEqual(bad, []);
  });
});

describe('architecture: rooms', () => {
  /** Registries and indexes: the only files allowed at the top of a folder of rooms. */
  const topLevel: Record<string, readonly string[]> = {
    'service': ['approval-operations.ts'],
    'http/routes': ['index.ts'],
    'cli/commands': [],
  };
  for (const [dir, allowed] of Object.entries(topLevel)) {
    it(`src/${dir}/ holds only domain folders${allowed.length > 0 ? ` and ${allowed.join(', ')}` : ''}`, () => {
      const loose = readdirSync(join(src, dir)).filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts') && !allowed.includes(n));
      assert.deepEqual(loose, []);
    });
  }

  it('no folder under src/ holds more than about twenty source files', () => {
    const counts = new Map<string, number>();
    for (const f of files(src)) counts.set(dirname(relative(src, f)), (counts.get(dirname(relative(src, f))) ?? 0) + 1);
    assert.ok(counts.size > 20, 'control: the folders are seen');
    assert.deepEqual([...counts].filter(([, n]) => n > 22), []);
  });

  it('routes, commands and services use the same domain words', () => {
    const domains = (dir: string): string[] => readdirSync(join(src, dir)).filter((n) => statSync(join(src, dir, n)).isDirectory());
    const services = new Set(domains('service'));
    for (const dir of ['http/routes', 'cli/commands']) {
      assert.deepEqual(domains(dir).filter((d) => !services.has(d)), [], `${dir} has a folder with no service domain of that name`);
    }
  });
});
