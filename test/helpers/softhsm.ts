/**
 * A throwaway SoftHSM2 token for tests: a temp dir holding softhsm2.conf and the token store,
 * SOFTHSM2_CONF pointed at it for this process (and for processes it spawns), and one token made
 * with `softhsm2-util --init-token --free`.
 *
 * SoftHSM2 reads its config and scans its token directory at C_Initialize, which happens once per
 * process: make every token (initToken) before the first provider opens the library, and use one
 * createSoftHsm per process. The PINs are random and distinctive so leak checks can search for them.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SOFTHSM2_LIBRARY = '/usr/lib/softhsm/libsofthsm2.so';

export interface SoftHsmToken {
  tokenLabel: string;
  pin: string;
  soPin: string;
}

export interface SoftHsm extends SoftHsmToken {
  library: string;
  confPath: string;
  /** initializes another token in the same token directory (before the library is first used) */
  initToken(label: string): SoftHsmToken;
  /** removes the temp dir and restores SOFTHSM2_CONF */
  cleanup(): void;
}

function randomPin(): string {
  return `pin-${randomBytes(6).toString('hex')}`;
}

export function createSoftHsm(options: { tokenLabel?: string } = {}): SoftHsm {
  const dir = mkdtempSync(join(tmpdir(), 'strongbox-softhsm-'));
  const tokenDir = join(dir, 'tokens');
  mkdirSync(tokenDir, { mode: 0o700 });
  const confPath = join(dir, 'softhsm2.conf');
  writeFileSync(confPath, [`directories.tokendir = ${tokenDir}`, 'objectstore.backend = file', 'log.level = ERROR', 'slots.removable = false', ''].join('\n'), { mode: 0o600 });
  const previousConf = process.env['SOFTHSM2_CONF'];
  process.env['SOFTHSM2_CONF'] = confPath;

  const initToken = (label: string): SoftHsmToken => {
    const token = { tokenLabel: label, pin: randomPin(), soPin: randomPin() };
    execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', token.pin, '--so-pin', token.soPin], {
      env: { ...process.env, SOFTHSM2_CONF: confPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return token;
  };

  let first: SoftHsmToken;
  try {
    first = initToken(options.tokenLabel ?? 'strongbox-test');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    ...first,
    library: SOFTHSM2_LIBRARY,
    confPath,
    initToken,
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (previousConf === undefined) delete process.env['SOFTHSM2_CONF'];
      else process.env['SOFTHSM2_CONF'] = previousConf;
    },
  };
}
