import passport from 'passport';
import type { Viewer } from '../common/viewer';

/**
 * Runs the passport-jwt strategy ('jwt') on a request where no guard runs
 * (a Fastify hook): the viewer, or undefined when the token is missing or
 * refused. Guards use AuthGuard('jwt'), which makes the same call.
 */
export function requestViewer(req: object, res: object): Promise<Viewer | undefined> {
  return new Promise((resolve, reject) => {
    const authenticate = passport.authenticate(
      'jwt',
      { session: false },
      (error: unknown, user: Viewer | false) =>
        error ? reject(error) : resolve(user || undefined),
    ) as (req: object, res: object, next: (error?: unknown) => void) => void;
    authenticate(req, res, (error) => (error ? reject(error) : resolve(undefined)));
  });
}
