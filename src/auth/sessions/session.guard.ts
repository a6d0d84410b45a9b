import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Viewer } from '../../common/viewer';
import { unauthorized } from '../http/unauthorized';
import type { VerifiedToken } from '../jwt.strategy';
import { refusalReason } from '../token-refusal';
import { SessionsService } from './sessions.service';
import type { Session } from './sessions.repository';

/** A request that passed SessionGuard: the viewer, its verified token, and its live session. */
export type SessionRequest = FastifyRequest & {
  user: Viewer;
  authInfo: VerifiedToken;
  authSession: Session;
};

/**
 * The auth endpoint's own pages of an account (sessions, password, accounts):
 * AuthGuard('jwt'), and then the token's session must still be live. The auth
 * endpoint reads it from the database, where API servers rely on the
 * revocation feed. Refusals are JSON 401s with a `reason`.
 */
@Injectable()
export class SessionGuard extends AuthGuard('jwt') {
  constructor(private readonly sessions: SessionsService) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    await super.canActivate(context);
    const req = context.switchToHttp().getRequest<SessionRequest>();
    const sid = req.authInfo.payload.sid;
    const session = typeof sid === 'string' ? await this.sessions.live(sid) : undefined;
    if (!session || session.user_id !== req.user.user_id)
      throw unauthorized(context.switchToHttp().getResponse<FastifyReply>(), 'revoked', true);
    req.authSession = session;
    return true;
  }

  override handleRequest<T>(error: unknown, user: T, info: unknown, context: ExecutionContext): T {
    if (error) throw error;
    if (user) return user;
    const reason = refusalReason(info);
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    throw unauthorized(reply, reason, reason !== 'missing');
  }
}
