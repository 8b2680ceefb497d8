/** The app-wide banner: the server cannot be reached, or it is sealed. Never a blank page. */
import type { BannerKind } from '../api.js';

export function Banner({ kind }: { kind: BannerKind }) {
  if (kind === null) return null;
  return (
    <div class={`banner banner-${kind}`} role="alert">
      {kind === 'network' ? (
        <span>The server cannot be reached. Check the connection; the console retries on its own.</span>
      ) : (
        <span>
          The server is <strong>sealed</strong>: keys cannot be used until custodians unseal it. <a href="#/status">Go to the unseal ceremony</a>
        </span>
      )}
    </div>
  );
}
