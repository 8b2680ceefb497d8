/**
 * The web console (docs/console.md) in a real browser: Debian's chromium driven by playwright-core
 * against the built server (one server for the file, spawned on a free port; browser contexts are
 * the people). Covers the 2-of-3 unseal ceremony done by three custodians, a key created and its
 * transaction rules set in the browser, a held transaction approved by two approvers in two contexts
 * (one on a phone-sized screen) and seen signed by the third — the signature checked independently
 * with viem — a reader who sees no Approve button and no policies editor, the audit chain verified in
 * the page, axe-core on every screen, and no Content-Security-Policy violation anywhere.
 * Screenshots of every screen are written under this test's temporary directory.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { recoverTransactionAddress, type TransactionSerialized } from 'viem';
import { api, spawnServer, type SpawnedServer } from '../helpers/server.js';
import { repoRoot } from '../helpers/paths.js';

const CHROMIUM = '/usr/bin/chromium';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('web console in chromium', { timeout: 600_000 }, () => {
  let dir: string;
  let shotDir: string;
  let server: SpawnedServer;
  let browser: Browser;
  let rootToken = '';
  const contexts: BrowserContext[] = [];
  /** CSP violations and uncaught page errors, from every page of every context */
  const pageProblems: string[] = [];

  async function open(viewport = DESKTOP): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) pageProblems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => pageProblems.push(`pageerror: ${e.message}`));
    return page;
  }

  async function signIn(page: Page, token: string): Promise<void> {
    await page.goto(`${server.addr}/ui/`);
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  async function go(page: Page, screen: string, heading: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: heading }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    assert.ok(page.url().endsWith(`#/${screen}`), page.url());
  }

  /** axe-core injected through the DevTools protocol (the page's CSP forbids inline script, as it should). */
  async function axe(page: Page, label: string): Promise<void> {
    if (!(await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe !== 'undefined'))) await page.evaluate(axeSource);
    const violations = await page.evaluate(async () => {
      const result = await (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3) }));
    });
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(serious, [], `${label}: axe-core found serious or critical violations`);
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(shotDir, `${name}.png`), fullPage: true });
  }

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: npm test installs Debian's chromium (scripts/test.mjs)`);
    assert.ok(existsSync(join(repoRoot, 'dist', 'ui', 'index.html')), 'dist/ui is missing: run npm run build (scripts/build-ui.mjs)');
    dir = mkdtempSync(join(tmpdir(), 'strongbox-console-'));
    // Kept after the run for people to look at (the path is printed); the server's data is deleted.
    shotDir = mkdtempSync(join(tmpdir(), 'strongbox-console-screenshots-'));
    server = await spawnServer(['--data-dir', join(dir, 'data'), '--log-level', 'warn']);
    // Playwright gives each launch a fresh --user-data-dir of its own (it refuses one in `args`).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (shotDir) console.log(`console screenshots: ${shotDir}`);
  });

  it('serves the console with a strict CSP, no referrer and nosniff', async () => {
    const res = await fetch(`${server.addr}/ui/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.headers.get('content-security-policy'), "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/i, 'no inline script or style');
  });

  it('init in the browser, then the 2-of-3 unseal ceremony by three custodians on their own machines', async () => {
    const operator = await open();
    await operator.goto(`${server.addr}/ui/#/status`);
    await operator.getByText('not initialized').waitFor();
    await axe(operator, 'status (uninitialized)');
    await shot(operator, 'status-init');
    await operator.getByLabel('Shares').fill('3');
    await operator.getByLabel('Threshold').fill('2');
    await operator.getByRole('button', { name: 'Initialize' }).click();
    const shareList = operator.getByRole('region', { name: 'Unseal shares' });
    await shareList.waitFor();
    await operator.getByText('shown ONCE').waitFor();
    const shares = (await shareList.locator('li code').allTextContents()).map((s) => s.trim());
    assert.equal(shares.length, 3);
    rootToken = (await operator.locator('p:has-text("Root token:") code').textContent())!.trim();
    assert.ok(rootToken.length > 10);
    await shot(operator, 'status-shares-once');
    await operator.getByRole('button', { name: 'I have saved them: hide' }).click();
    assert.equal(await operator.getByRole('region', { name: 'Unseal shares' }).count(), 0, 'the shares are gone from the page');
    await operator.getByRole('button', { name: 'Continue to unseal' }).click();

    const custodians = [await open(), await open(), await open(PHONE)];
    for (const c of custodians) {
      await c.goto(`${server.addr}/ui/#/status`);
      await c.getByText('Unseal progress: 0 of 2 shares').waitFor();
    }
    await custodians[0]!.getByRole('alert').filter({ hasText: 'sealed' }).first().waitFor();
    await axe(custodians[0]!, 'unseal ceremony');
    // A share of the right shape that is not one of this set: the server's problem next to the field.
    const forged = shares[0]!.slice(0, -2) + (shares[0]!.endsWith('00') ? '01' : '00');
    await custodians[0]!.getByLabel('Unseal share', { exact: true }).fill(forged);
    await custodians[0]!.getByRole('button', { name: 'Unseal' }).click();
    await custodians[0]!.locator('.field.invalid code').filter({ hasText: /^(UNKNOWN_SHARE|INVALID_SHARE)$/ }).waitFor();
    await custodians[0]!.getByLabel('Unseal share', { exact: true }).fill(shares[0]!);
    await custodians[0]!.getByRole('button', { name: 'Unseal' }).click();
    // Every custodian sees the progress, polled.
    for (const c of custodians) await c.getByText('Unseal progress: 1 of 2 shares').waitFor();
    await shot(custodians[2]!, 'unseal-progress-phone');
    await custodians[1]!.getByLabel('Unseal share', { exact: true }).fill(shares[2]!);
    await custodians[1]!.getByRole('button', { name: 'Unseal' }).click();
    for (const c of custodians) await c.getByTestId('seal-state').getByText('unsealed', { exact: true }).waitFor();
    // The third custodian's share is no longer needed: the form is gone, and the server says unsealed.
    assert.equal(await custodians[2]!.getByLabel('Unseal share', { exact: true }).count(), 0);
    assert.equal((await api(server.addr, 'GET', '/v1/sys/health', null)).body.sealed, false);
    await shot(custodians[2]!, 'status-unsealed');
  });

  const ADDRESS_TO = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
  let keyAddress = '';
  let approvalId = '';
  const tokens = new Map<string, string>();

  it('a key created and its transaction rules set in the browser; the server names a bad member next to the editor', async () => {
    const pol = (name: string, actions: string[]) => api(server.addr, 'PUT', `/v1/policies/${name}`, rootToken, { statements: [{ effect: 'allow', actions, resources: ['*'] }] });
    assert.equal((await pol('approver', ['approvals:read', 'approvals:write', 'keys:read'])).status, 200);
    assert.equal((await pol('requester', ['keys:sign', 'approvals:read'])).status, 200);
    assert.equal((await pol('reader', ['approvals:read', 'keys:read', 'wallets:read'])).status, 200);
    for (const [subject, policy] of [['alice', 'approver'], ['bob', 'approver'], ['carol', 'approver'], ['ops-bot', 'requester'], ['dave', 'reader']] as const) {
      const t = await api(server.addr, 'POST', '/v1/tokens', rootToken, { policies: [policy], subject, ttl: '1h' });
      assert.equal(t.status, 201, JSON.stringify(t.body));
      tokens.set(subject, t.body.token);
    }

    const admin = await open();
    await signIn(admin, rootToken);
    await go(admin, 'keys', 'Keys');
    await axe(admin, 'keys');
    await admin.getByLabel('Type').selectOption('secp256k1');
    await admin.getByLabel('Name', { exact: true }).fill('treasury');
    await admin.getByRole('button', { name: 'Create key' }).click();
    await admin.getByRole('heading', { level: 1, name: 'treasury' }).waitFor();
    keyAddress = (await admin.getByTestId('key-address').textContent())!.trim();
    assert.match(keyAddress, /^0x[0-9a-fA-F]{40}$/);
    const created = await api(server.addr, 'GET', '/v1/keys/treasury', rootToken);
    assert.equal(created.body.address, keyAddress, 'the page shows the address the API reports');

    // Sign and verify a test digest in the page.
    await admin.getByRole('button', { name: 'Sign', exact: true }).click();
    await admin.getByRole('button', { name: 'Verify', exact: true }).click();
    await admin.getByText('Signature valid').waitFor();
    await axe(admin, 'key detail');

    const editor = admin.getByLabel('Rules (JSON)');
    await editor.fill(JSON.stringify({ version: 1, dailyLimt: '5' }));
    await admin.getByRole('button', { name: 'Save rules' }).click();
    await admin.locator('.field.invalid').getByText('UNKNOWN_FIELD').waitFor();
    assert.equal((await api(server.addr, 'GET', '/v1/keys/treasury/transaction-rules', rootToken)).status, 404, 'nothing was saved');
    await editor.fill(JSON.stringify({ version: 1, approval: { aboveValue: '1000', required: 2, approvers: { subjects: ['alice', 'bob', 'carol'] } } }, null, 2));
    await admin.getByRole('button', { name: 'Save rules' }).click();
    await admin.getByText(/^Saved /).first().waitFor();
    const rules = await api(server.addr, 'GET', '/v1/keys/treasury/transaction-rules', rootToken);
    assert.equal(rules.status, 200);
    assert.equal(rules.body.rules.approval.required, 2);
    await shot(admin, 'key-detail');
  });

  it('a held transaction: two approvers approve in two contexts (one a phone), the third sees it signed; viem recovers the key', async () => {
    const held = await api(server.addr, 'POST', '/v1/keys/treasury/ethereum/sign-transaction', tokens.get('ops-bot')!, {
      transaction: { chainId: 1, nonce: 0, to: ADDRESS_TO, value: '5000', gas: 21000, maxFeePerGas: 10, maxPriorityFeePerGas: 1 },
    });
    assert.equal(held.status, 202, JSON.stringify(held.body));
    approvalId = held.body.approvalId;

    const alice = await open();
    const bob = await open(PHONE);
    const carol = await open();
    for (const [page, who] of [[alice, 'alice'], [bob, 'bob'], [carol, 'carol']] as const) {
      await signIn(page, tokens.get(who)!);
      await go(page, 'approvals', 'Approvals');
    }
    await carol.getByLabel('Show').selectOption('');
    const card = (p: Page) => p.locator(`[data-approval="${approvalId}"]`);
    await card(alice).getByText('0 of 2').waitFor();
    // The decoded summary: amount, destination, requester, the rule that held it.
    await card(alice).getByText('5000', { exact: true }).waitFor();
    await card(alice).locator('dd span.mono', { hasText: ADDRESS_TO }).waitFor();
    await card(alice).getByText('ops-bot', { exact: true }).waitFor();
    await card(alice).getByText(/at or above/).waitFor();
    await axe(alice, 'approvals');
    await shot(alice, 'approvals');
    await card(alice).getByRole('button', { name: 'Approve' }).click();
    await card(alice).getByText('1 of 2').waitFor();
    // Bob's page refreshes by itself and shows alice's approval.
    await card(bob).getByText('1 of 2').waitFor();
    await axe(bob, 'approvals (phone)');
    await shot(bob, 'approvals-phone');
    await card(bob).getByRole('button', { name: 'Approve' }).click();
    // Carol never clicked: her page refreshes into the signed result.
    await card(carol).getByText('signed', { exact: true }).waitFor();
    const raw = (await card(carol).getByTestId('signed-raw').inputValue()).trim();
    assert.equal(await recoverTransactionAddress({ serializedTransaction: raw as TransactionSerialized }), keyAddress);
    assert.equal(await card(carol).getByRole('button', { name: 'Approve' }).count(), 0, 'nothing left to approve');
    await shot(carol, 'approvals-signed');
  });

  it('a reader sees no Approve button and cannot reach the policies editor', async () => {
    const held = await api(server.addr, 'POST', '/v1/keys/treasury/ethereum/sign-transaction', tokens.get('ops-bot')!, {
      transaction: { chainId: 1, nonce: 1, to: ADDRESS_TO, value: '7000', gas: 21000, maxFeePerGas: 10, maxPriorityFeePerGas: 1 },
    });
    assert.equal(held.status, 202);
    const reader = await open();
    await signIn(reader, tokens.get('dave')!);
    await go(reader, 'approvals', 'Approvals');
    const card = reader.locator(`[data-approval="${held.body.approvalId}"]`);
    await card.getByText('0 of 2').waitFor();
    assert.equal(await card.getByRole('button', { name: 'Approve' }).count(), 0);
    assert.equal(await card.getByRole('button', { name: 'Reject' }).count(), 0);
    // The control a 403 hides: the server agrees the reader may not approve.
    assert.equal((await api(server.addr, 'POST', `/v1/approvals/${held.body.approvalId}/approve`, tokens.get('dave')!)).status, 403);
    await go(reader, 'access', 'Access');
    await reader.getByText("Your token's policies do not allow reading policies.").waitFor();
    assert.equal(await reader.getByLabel('Policy document (JSON)').count(), 0);
    assert.equal(await reader.getByRole('button', { name: 'Save policy' }).count(), 0);
    await axe(reader, 'access (reader)');
    await go(reader, 'audit', 'Audit');
    await reader.getByText("Your token's policies do not allow reading the audit log.").waitFor();
    await go(reader, 'overview', 'Overview');
    await reader.getByText(/do not allow reading the server's metrics/).waitFor();
    await shot(reader, 'reader-overview');
    // Sign out forgets the token: a reload shows the sign-in form.
    await reader.getByRole('button', { name: 'Sign out' }).click();
    await reader.reload();
    await reader.getByLabel('Token').waitFor();
    assert.equal(await reader.evaluate(() => {
      const g = globalThis as unknown as { sessionStorage: { length: number }; localStorage: { length: number } };
      return g.sessionStorage.length + g.localStorage.length;
    }), 0);
  });

  it('the audit page verifies the chain in the browser; every other screen passes axe', async () => {
    const admin = await open();
    await signIn(admin, rootToken);
    await go(admin, 'audit', 'Audit');
    await admin.getByRole('button', { name: 'Verify chain' }).click();
    const result = admin.getByTestId('verify-result');
    await result.getByText('Chain intact').waitFor({ timeout: 60_000 });
    const text = (await result.textContent()) ?? '';
    const m = /(\d+) records/.exec(text);
    assert.ok(m && Number(m[1]) > 20, text);
    await axe(admin, 'audit');
    await shot(admin, 'audit');
    // The verifier can fail: one record's status edited on its way to the page breaks the chain.
    await admin.route('**/v1/audit?*', async (route) => {
      const response = await route.fetch();
      const body = (await response.json()) as { records: { seq: number; status: number }[] };
      for (const r of body.records) if (r.seq === 5) r.status = 201;
      await route.fulfill({ response, json: body });
    });
    await admin.getByRole('button', { name: 'Verify chain' }).click();
    await result.getByText('Chain NOT intact').waitFor({ timeout: 60_000 });
    assert.match((await result.textContent()) ?? '', /seq 5|record 5|5:/);
    await admin.unroute('**/v1/audit?*');
    // Filters go to the server: only denied records.
    await admin.getByLabel('Outcome').selectOption('denied');
    await admin.getByRole('button', { name: 'Apply filters' }).click();
    await admin.locator('tbody tr').first().getByText('403').waitFor();

    for (const [screen, heading] of [
      ['overview', 'Overview'],
      ['wallets', 'Wallets'],
      ['access', 'Access'],
      ['status', 'Status'],
    ] as const) {
      await go(admin, screen, heading);
      await admin.waitForLoadState('networkidle').catch(() => undefined);
      await axe(admin, screen);
      await shot(admin, screen);
    }
    // Wallets: create one and derive a key in the browser.
    await go(admin, 'wallets', 'Wallets');
    await admin.getByLabel('Name', { exact: true }).fill('hot');
    await admin.getByRole('button', { name: 'Create wallet' }).click();
    await admin.getByRole('button', { name: 'hot' }).click();
    await admin.getByRole('button', { name: 'Derive key' }).click();
    await admin.locator('.derived li').filter({ hasText: "m/44'/60'/0'/0/0" }).waitFor();
    await shot(admin, 'wallets-derived');
    // The policies editor: invalid JSON is caught in the page; a bad statement gets the server's detail.
    await go(admin, 'access', 'Access');
    await admin.getByLabel('Name (new or existing)').fill('ops');
    await admin.getByLabel('Policy document (JSON)').fill('{"statements": [');
    await admin.getByText(/Not valid JSON/).waitFor();
    await admin.getByLabel('Policy document (JSON)').fill(JSON.stringify({ statements: [{ effect: 'allow', actions: ['keys:fly'], resources: ['*'] }] }));
    await admin.getByRole('button', { name: 'Save policy' }).click();
    await admin.locator('.field.invalid').getByRole('alert').waitFor();
    assert.equal((await api(server.addr, 'GET', '/v1/policies/ops', rootToken)).status, 404);
    await shot(admin, 'access-policy-error');
  });

  it('a network error gives a banner, not a blank page', async () => {
    const page = await open();
    await signIn(page, rootToken);
    await go(page, 'keys', 'Keys');
    await page.route('**/v1/**', (route) => route.abort('connectionrefused'));
    await page.getByLabel('Name', { exact: true }).fill('offline');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.locator('.banner[role="alert"]').filter({ hasText: 'The server cannot be reached' }).waitFor();
    // …and the form says so next to its button.
    await page.locator('.form-error').filter({ hasText: 'NETWORK' }).waitFor();
    await page.getByRole('heading', { level: 1, name: 'Keys' }).waitFor();
    await page.unroute('**/v1/**');
  });

  it('no page broke its Content-Security-Policy or threw', () => {
    assert.deepEqual(pageProblems, []);
  });
});
