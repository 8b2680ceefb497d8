/** The service calls the HTTP layer may make, bound to their context in app.ts. */
import type { ServiceContext } from '../service/shared/context.js';
import type { Authenticator } from '../service/access/authenticate.js';

export interface Services {
  ctx: ServiceContext;
  auth: Authenticator;
}
