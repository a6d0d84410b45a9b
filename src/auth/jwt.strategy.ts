import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { IncomingMessage } from 'node:http';
import { Strategy } from 'passport-strategy';
import type { Viewer } from './viewer';
import { ViewerAuthenticator } from './viewer-authenticator';

/**
 * Passport's view of the token check, for HTTP routes guarded with
 * `AuthGuard('jwt')`. The work is ViewerAuthenticator's, shared with GraphQL,
 * so both accept exactly the same tokens. (passport-jwt's verifier,
 * jsonwebtoken, knows no EdDSA and re-parses PEM keys on every call; see
 * docs/auth.md.)
 */
type VerifyCallback = (viewer: Viewer, done: (error: unknown, user?: unknown) => void) => void;

class ViewerTokenStrategy extends Strategy {
  constructor(
    private readonly authenticator: ViewerAuthenticator,
    private readonly verify: VerifyCallback,
  ) {
    super();
  }

  override authenticate(req: IncomingMessage & { raw?: IncomingMessage }): void {
    this.authenticator.authenticate(req.raw ?? req).then(
      (result) => {
        if (!result.ok) return this.fail(401);
        this.verify(result.verified.viewer, (error, user) =>
          // The verified token goes along as `req.authInfo` (refresh needs its auth_time).
          error
            ? this.error(error as Error)
            : user
              ? this.success(user, result.verified)
              : this.fail(401),
        );
      },
      (error: unknown) => this.error(error as Error),
    );
  }
}

@Injectable()
export class JwtStrategy extends PassportStrategy(ViewerTokenStrategy, 'jwt') {
  constructor(authenticator: ViewerAuthenticator) {
    super(authenticator);
  }

  validate(viewer: Viewer): Viewer {
    return viewer;
  }
}
