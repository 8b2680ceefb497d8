/** Repository paths for tests (compiled tests run from dist/test/..., fixtures stay in test/). */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const fixture = (...parts: string[]): string => join(repoRoot, 'test', ...parts);
export const cliPath = join(repoRoot, 'dist', 'src', 'bin', 'strongbox.js');
