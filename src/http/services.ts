/** The service calls the HTTP layer may make, bound to their context in app.ts. */
import type { ServiceContext } from '../service/context.js';
import type { Authenticator } from '../service/authenticate.js';

export interface Services {
  ctx: ServiceContext;
  auth: Authenticator;
}
