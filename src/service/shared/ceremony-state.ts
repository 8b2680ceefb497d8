/**
 * The state of the quorum ceremonies that the service context holds (per node, in memory):
 * generate-root, rekey and the cold-storage attempts. Each collects shares towards a threshold.
 */
import { wipe } from '../../crypto/wipe.js';
import { UnsealProgress } from './unseal-progress.js';

export class GenerateRootState {
  nonce: string | undefined;
  otp: Uint8Array | undefined;
  readonly progress = new UnsealProgress();

  reset(): void {
    this.nonce = undefined;
    wipe(this.otp);
    this.otp = undefined;
    this.progress.reset();
  }
}

export class RekeyState {
  nonce: string | undefined;
  target: { shares: number; threshold: number } | undefined;
  readonly progress = new UnsealProgress();
  reset(): void {
    this.nonce = undefined;
    this.target = undefined;
    this.progress.reset();
  }
}

export class QuorumAttempt {
  nonce: string | undefined;
  kind: 'escrow' | 'restore-hsm' | undefined;
  target: { shares: number; threshold: number } | undefined;
  readonly progress = new UnsealProgress();
  reset(): void {
    this.nonce = undefined;
    this.kind = undefined;
    this.target = undefined;
    this.progress.reset();
  }
}
