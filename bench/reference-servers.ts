/**
 * The physical references `npm run bench` measures the API against, run as
 * their own processes: `raw` is node:http answering a small JSON (the floor),
 * `apollo` a bare Apollo Server 5 on Fastify with one field (what NestJS,
 * authentication and everything else are measured against), and `nest` the
 * smallest NestJS + Apollo app on Fastify (what the framework alone costs),
 * `nest-mongoose` that app connected to MONGODB_URI (memory only), and `typical`
 * the stack a NestJS team writes by default, following each library's docs
 * (Express, Apollo code-first, passport-jwt behind `AuthGuard('jwt')`,
 * nestjs-pino's pinoHttp, cookie-parser), checking the API's own cookie token.
 */
import 'reflect-metadata';
import { createServer } from 'node:http';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type ExecutionContext, Injectable, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GqlExecutionContext, GraphQLModule, Query, Resolver } from '@nestjs/graphql';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import type { Request } from 'express';
import { Logger, LoggerModule } from 'nestjs-pino';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { ApolloServer } from '@apollo/server';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify from 'fastify';

const port = Number(process.env.PORT);
const host = process.env.HOST ?? '127.0.0.1';

async function raw(): Promise<void> {
  const body = Buffer.from(JSON.stringify({ data: { __typename: 'Query' } }));
  createServer((req, res) => {
    req.resume();
    req.once('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  }).listen(port, host);
}

async function apollo(): Promise<void> {
  const fastify = Fastify();
  const server = new ApolloServer({
    typeDefs: 'type Query { hello: String }',
    resolvers: { Query: { hello: () => 'world' } },
    plugins: [fastifyApolloDrainPlugin(fastify)],
  });
  await server.start();
  await fastify.register(fastifyApollo(server), { path: '/graphql' });
  await fastify.listen({ port, host });
}

@Resolver()
class HelloResolver {
  @Query(() => String)
  hello(): string {
    return 'world';
  }
}

@Module({
  imports: [
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      autoSchemaFile: true,
      path: '/graphql',
    }),
  ],
  providers: [HelloResolver],
})
class MinimalNestModule {}

async function nest(): Promise<void> {
  const app = await NestFactory.create(MinimalNestModule, new FastifyAdapter(), { logger: false });
  await app.listen(port, host);
}

/**
 * The same app connected to MongoDB through @nestjs/mongoose and nothing else:
 * what the database library this design requires costs in memory before any
 * feature is written (only its idle RSS is reported). Mongoose is loaded here
 * only, so the other references do not carry it.
 */
async function nestMongoose(): Promise<void> {
  const { MongooseModule } = await import('@nestjs/mongoose');
  @Module({ imports: [MinimalNestModule, MongooseModule.forRoot(process.env.MONGODB_URI ?? '')] })
  class MinimalNestMongooseModule {}
  const app = await NestFactory.create(MinimalNestMongooseModule, new FastifyAdapter(), {
    logger: false,
  });
  await app.listen(port, host);
}

/** passport-jwt as its docs show it: the token from the cookie, verified with a PEM public key. */
@Injectable()
class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([
        (req: Request) =>
          (req.cookies as Record<string, string> | undefined)?.[
            process.env.COOKIE_NAME ?? 'token'
          ] ?? null,
      ]),
      secretOrKey: process.env.JWT_PUBLIC_KEY_PEM ?? '',
      algorithms: [(process.env.JWT_ALG ?? 'ES256') as 'ES256'],
    });
  }

  validate(payload: { sub: string; roles?: string[] }) {
    return { userId: payload.sub, roles: payload.roles ?? [] };
  }
}

@Injectable()
class GqlAuthGuard extends AuthGuard('jwt') {
  override getRequest(context: ExecutionContext) {
    return GqlExecutionContext.create(context).getContext<{ req: Request }>().req;
  }
}

@Resolver()
class GuardedHelloResolver {
  @Query(() => String)
  @UseGuards(GqlAuthGuard)
  hello(): string {
    return 'world';
  }
}

@Module({
  imports: [
    LoggerModule.forRoot({ pinoHttp: {} }),
    PassportModule,
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      autoSchemaFile: true,
      path: '/graphql',
      context: ({ req }: { req: Request }) => ({ req }),
    }),
  ],
  providers: [JwtStrategy, GuardedHelloResolver],
})
class TypicalNestModule {}

async function typical(): Promise<void> {
  const app = await NestFactory.create<NestExpressApplication>(TypicalNestModule, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.use(cookieParser());
  await app.listen(port, host);
}

const servers: Record<string, () => Promise<void>> = {
  raw,
  apollo,
  nest,
  'nest-mongoose': nestMongoose,
  typical,
};
const start = servers[process.argv[2] ?? ''];
if (!start) {
  console.error(`usage: reference-servers.js ${Object.keys(servers).join('|')}`);
  process.exit(2);
}
start().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
process.once('SIGTERM', () => process.exit(0));
