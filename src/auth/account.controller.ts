import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ServiceUnavailableError } from '../common/errors';
import { httpErrorBody } from '../common/http/error-body';
import { AuthService } from './auth.service';
import { CrossSiteGuard } from './http/cross-site.guard';
import { unauthorized } from './http/unauthorized';
import { SessionGuard, type SessionRequest } from './sessions/session.guard';
import { SessionsService, type SessionSummary } from './sessions/sessions.service';

type Fields = Record<string, unknown>;

/**
 * A signed-in user's own sessions and password, and the admins' switch for
 * accounts (docs/auth.md). JSON only; each needs a live session.
 */
@Controller('auth')
@UseGuards(CrossSiteGuard, SessionGuard)
export class AccountController {
  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
  ) {}

  @Get('sessions')
  @Header('cache-control', 'no-store')
  async list(@Req() req: SessionRequest): Promise<{ sessions: SessionSummary[] }> {
    return { sessions: await this.sessions.list(req.user.user_id, req.authSession._id) };
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  async revoke(@Req() req: SessionRequest, @Param('id') id: string): Promise<void> {
    const own = (await this.sessions.list(req.user.user_id, undefined)).some((s) => s.id === id);
    // Another user's session is answered as if it did not exist.
    if (!own || !(await this.sessions.revoke(id))) throw notFound('No such session');
  }

  @Post('password')
  async changePassword(
    @Req() req: SessionRequest,
    @Res() reply: FastifyReply,
    @Body() body: Fields | undefined,
  ): Promise<void> {
    const result = await this.auth.changePassword(
      req.user,
      req.authSession._id,
      { current: body?.current_password, next: body?.new_password },
      req.ip,
    );
    const requestId = String(req.id);
    switch (result.kind) {
      case 'changed':
        return void reply.status(204).send();
      case 'invalid':
        throw unauthorized(reply, 'invalid', false, 'The current password is wrong');
      case 'bad_password':
        return void reply.status(400).send(httpErrorBody(400, result.msg, requestId));
      case 'rate_limited':
        void reply.header('retry-after', String(result.retryAfterSeconds));
        return void reply
          .status(429)
          .send(httpErrorBody(429, 'Too many attempts. Try again in a minute.', requestId));
      case 'unavailable':
        throw new ServiceUnavailableError(
          'Rate-limit counters unavailable: password change refused',
        );
    }
  }

  @Post('accounts/:user_id/disable')
  @HttpCode(204)
  disable(@Req() req: SessionRequest, @Param('user_id') userId: string): Promise<void> {
    return this.setDisabled(req, userId, true);
  }

  @Post('accounts/:user_id/enable')
  @HttpCode(204)
  enable(@Req() req: SessionRequest, @Param('user_id') userId: string): Promise<void> {
    return this.setDisabled(req, userId, false);
  }

  private async setDisabled(req: SessionRequest, userId: string, disabled: boolean): Promise<void> {
    const result = await this.auth.setAccountDisabled(req.user, userId, disabled);
    if (result === 'forbidden')
      throw new ForbiddenException({ statusCode: 403, message: 'Only an admin may do this' });
    if (result === 'not_found') throw notFound('No such account');
  }
}

function notFound(message: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, message });
}
