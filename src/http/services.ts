/** The service calls the HTTP layer may make, bound to their context in app.ts. */
import type { ServiceContext } from '../service/shared/context.js';
import type { Authenticator } from '../service/access/authenticate.js';
import type { SourceThrottle } from './source-throttle.js';

export interface Services {
  ctx: ServiceContext;
  auth: Authenticator;
  /** what unauthenticated traffic from one address may cost (429s, aggregate audit records) */
  throttle: SourceThrottle;
}
