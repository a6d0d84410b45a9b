import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

/**
 * AuthGuard('jwt') that lets the request through either way: with a valid
 * access token, `req.user` and `req.authInfo` (the verified token) are set;
 * without one, neither is (sign-out works with any leftover cookie).
 */
@Injectable()
export class OptionalAccessToken extends AuthGuard('jwt') {
  override handleRequest<T>(error: unknown, user: T, _info: unknown, context: ExecutionContext): T {
    if (user && !error) return user;
    // passport's refusal was left in authInfo; a refused token names no session.
    context.switchToHttp().getRequest<{ authInfo?: unknown }>().authInfo = undefined;
    return undefined as T;
  }
}
