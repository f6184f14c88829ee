import type { ActorResolver } from '../http/command-context.factory';
import type { AuthenticatedRequest } from './auth.guard';

/** With auth on, the actor is the authenticated identity; an X-Actor header is ignored. */
export const identityActorResolver: ActorResolver = {
  resolve(request) {
    return (request as AuthenticatedRequest).identity?.actor ?? 'anonymous';
  },
};
