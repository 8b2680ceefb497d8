/**
 * Policy evaluation: default deny; an allow statement that matches action, resource and conditions
 * allows; any matching deny statement wins over every allow. Pure: no I/O, no clock of its own.
 */
import { BlockList, isIP } from 'node:net';
import { globMatch } from './glob.js';
import { EXPLICIT_ONLY_ACTIONS } from './actions.js';
import { couldMatchWalletName } from './wallet-key-glob.js';
import type { CallerCondition, CallerFacts, Conditions, PolicyDocument, RequestFacts, Resource, Statement } from './types.js';

export interface Decision {
  allowed: boolean;
  /** why, for the audit log: "allowed by admin#0", "denied by payments#2", "no statement allows" */
  reason: string;
}

function actionMatches(pattern: string, action: string): boolean {
  if (pattern === action) return true;
  if (EXPLICIT_ONLY_ACTIONS.has(action)) return false;
  if (pattern === '*') return true;
  return pattern.endsWith(':*') && action.startsWith(pattern.slice(0, -1));
}

/** The resource strings a resource answers to; a statement matches when any glob matches any of them. */
export function resourceNames(resource: Resource): string[] {
  switch (resource.kind) {
    case 'key': {
      const names = [`key:${resource.id}`];
      if (resource.name !== null) names.push(`key:name/${resource.name}`);
      for (const alias of resource.aliases ?? []) names.push(`key:alias/${alias}`);
      const w = resource.wallet;
      if (w !== undefined) {
        names.push(`key:wallet/${w.id}/${w.path}`);
        if (typeof w.name === 'string') names.push(`key:wallet/name/${w.name}/${w.path}`);
      }
      return names;
    }
    case 'keys':
      // the key collection (list, create); a create with a name also answers to that name
      return resource.name === undefined ? ['key:*'] : ['key:*', `key:name/${resource.name}`];
    case 'wallet':
      return resource.name === null ? [`wallet:${resource.id}`] : [`wallet:${resource.id}`, `wallet:name/${resource.name}`];
    case 'wallets':
      return resource.name === undefined ? ['wallet:*'] : ['wallet:*', `wallet:name/${resource.name}`];
    case 'secret':
      return [`secret:${resource.path}`];
    case 'policy':
      return [`policy:${resource.name}`];
    case 'token':
      return ['token:*'];
    case 'audit':
      return ['audit:*'];
    case 'sys':
      return ['sys:*'];
  }
}

function resourceMatches(pattern: string, names: string[], subject: string): boolean {
  const glob = pattern.replaceAll('${subject}', subject);
  if (glob === '*') return true;
  // `key:*` covers every key resource, including the collection ("keys") used by create and list.
  return names.some((n) => globMatch(glob, n));
}

const blockLists = new WeakMap<string[], BlockList>();

function ipAllowed(cidrs: string[], ip: string | undefined): boolean {
  if (ip === undefined) return false;
  let list = blockLists.get(cidrs);
  if (list === undefined) {
    list = new BlockList();
    for (const cidr of cidrs) {
      const [addr, bits] = cidr.split('/');
      const family = isIP(addr!) === 6 ? 'ipv6' : 'ipv4';
      list.addSubnet(addr!, Number(bits ?? (family === 'ipv6' ? 128 : 32)), family);
    }
    blockLists.set(cidrs, list);
  }
  const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  return list.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** A caller condition holds only for a measured caller (the Unix socket) whose every listed attribute matches. */
function callerMatches(c: CallerCondition, caller: CallerFacts | undefined): boolean {
  if (caller === undefined) return false;
  if (c.uid !== undefined && !c.uid.includes(caller.uid)) return false;
  if (c.gid !== undefined && !c.gid.includes(caller.gid)) return false;
  if (c.exeSha256 !== undefined && !c.exeSha256.some((h) => caller.exeSha256 !== null && h.toLowerCase() === caller.exeSha256)) return false;
  if (c.scriptSha256 !== undefined && !c.scriptSha256.some((h) => caller.scriptSha256 !== null && h.toLowerCase() === caller.scriptSha256)) return false;
  return true;
}

function conditionsHold(c: Conditions | undefined, facts: RequestFacts): boolean {
  if (c === undefined) return true;
  if (c.sourceIp !== undefined && !ipAllowed(c.sourceIp, facts.sourceIp)) return false;
  if (c.caller !== undefined && !callerMatches(c.caller, facts.caller)) return false;
  if (c.timeWindow !== undefined) {
    const { start, end, days } = c.timeWindow;
    const now = facts.now.getUTCHours() * 60 + facts.now.getUTCMinutes();
    const s = minutes(start);
    const e = minutes(end);
    const inside = s <= e ? now >= s && now < e : now >= s || now < e;
    if (!inside) return false;
    // A window spanning midnight belongs to the day it starts: Fri 22:00-06:00 includes Sat 01:00.
    const day = s > e && now < e ? (facts.now.getUTCDay() + 6) % 7 : facts.now.getUTCDay();
    if (days !== undefined && !days.includes(DAYS[day]!)) return false;
  }
  return true;
}

/**
 * Whether deciding needs the name of the derived key's wallet (facts.resource.wallet.name is not
 * looked up yet): some statement for this action has a resource glob that matches none of the key's
 * other names but could match `key:wallet/name/...`. When false, the decision without the name is
 * the decision with it, so the lookup is skipped — most policies never name a wallet.
 */
export function needsWalletName(policies: ReadonlyMap<string, PolicyDocument>, facts: RequestFacts): boolean {
  const r = facts.resource;
  if (r.kind !== 'key' || r.wallet === undefined || r.wallet.name !== undefined) return false;
  const names = resourceNames(r);
  for (const doc of policies.values()) {
    for (const st of doc.statements) {
      if (!st.actions.some((a) => actionMatches(a, facts.action))) continue;
      if (st.resources.some((p) => resourceMatches(p, names, facts.subject))) continue;
      if (st.resources.some((p) => couldMatchWalletName(p.replaceAll('${subject}', facts.subject)))) return true;
    }
  }
  return false;
}

function matches(st: Statement, facts: RequestFacts, names: string[]): boolean {
  return st.actions.some((a) => actionMatches(a, facts.action)) && st.resources.some((r) => resourceMatches(r, names, facts.subject)) && conditionsHold(st.conditions, facts);
}

export function evaluate(policies: ReadonlyMap<string, PolicyDocument>, facts: RequestFacts): Decision {
  const names = resourceNames(facts.resource);
  let allowedBy: string | undefined;
  for (const [name, doc] of policies) {
    for (const [i, st] of doc.statements.entries()) {
      if (!matches(st, facts, names)) continue;
      if (st.effect === 'deny') return { allowed: false, reason: `denied by ${name}#${i}` };
      allowedBy ??= `allowed by ${name}#${i}`;
    }
  }
  return allowedBy === undefined ? { allowed: false, reason: 'no statement allows' } : { allowed: true, reason: allowedBy };
}
