import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/**
 * Apollo refuses some requests before any context exists (CSRF prevention,
 * batched arrays, a mutation over GET), so no plugin can stamp them: this
 * adds the request id to each of their errors on the way out, as every other
 * error of the API carries it. Only error answers of /graphql are read.
 */
@Injectable()
export class GraphQLErrorEnvelope implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (
        reply.statusCode < 400 ||
        typeof payload !== 'string' ||
        !payload.startsWith('{"errors"') ||
        payload.includes('"requestId"') ||
        !request.url.startsWith('/graphql')
      )
        return done(null, payload);
      try {
        const body = JSON.parse(payload) as { errors?: { extensions?: Record<string, unknown> }[] };
        for (const error of body.errors ?? [])
          error.extensions = { code: 'BAD_REQUEST', ...error.extensions, requestId: request.id };
        done(null, JSON.stringify(body));
      } catch {
        done(null, payload);
      }
    });
  }
}
