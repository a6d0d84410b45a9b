import {
  ForbiddenException,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { isAllowedStateChange } from './origin-check';

/** Refuses (403) a state-changing request (not GET or HEAD) from a foreign site (http/origin-check.ts). */
@Injectable()
export class CrossSiteGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    if (req.method === 'GET' || req.method === 'HEAD') return true;
    const ownOrigin = `${req.protocol}://${req.host}`;
    if (isAllowedStateChange(req.headers, ownOrigin, this.config.cors.origins)) return true;
    throw new ForbiddenException({ statusCode: 403, message: 'Cross-site request refused' });
  }
}
