import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { compileOriginPattern, isValidOriginPattern } from './cors-origins';
import { commaList, ENVIRONMENT } from './environment';
import { productionRefusals } from './production-rules';

/** Where a PEM key comes from: its text (from `*_B64`) or a file path (from `*_FILE`). */
export type KeySource =
  { readonly kind: 'pem'; readonly pem: string } | { readonly kind: 'file'; readonly path: string };

/** The environment schema turned into the service's configuration, with the rules between variables. */
function configSchema(cwd: string) {
  return ENVIRONMENT.transform((env, context) => {
    const problem = (message: string) => context.addIssue({ code: 'custom', message });
    const warnings: string[] = [];
    const isProduction = env.NODE_ENV === 'production';
    const keyFile = (name: string, file: string | undefined): KeySource | undefined => {
      if (file === undefined) return undefined;
      const path = isAbsolute(file) ? file : resolve(cwd, file);
      if (existsSync(path)) return { kind: 'file', path };
      problem(notValid(name, file, 'the path of an existing PEM file'));
      return undefined;
    };
    const cors = corsOrigins(env.CORS_ORIGINS, env.CORS_REGEX, problem);
    const returnToOrigins = commaList(env.AUTH_RETURN_TO_ORIGINS)
      .map((origin) => origin.replace(/\/+$/, ''))
      .filter(Boolean);
    for (const origin of returnToOrigins)
      if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(origin))
        problem(
          notValid(
            'AUTH_RETURN_TO_ORIGINS',
            origin,
            'a comma-separated list of origins such as https://app.example.com',
          ),
        );

    const config = {
      env: env.NODE_ENV,
      isProduction,
      role: env.APP_ROLE,
      http: {
        host: env.HOST,
        port: env.PORT,
        shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
        /** On SIGTERM, how long to keep serving with readiness failing before closing. */
        shutdownDrainMs: env.SHUTDOWN_DRAIN_DELAY,
        bodyLimitBytes: env.BODY_LIMIT_BYTES,
        /**
         * Which peers' X-Forwarded-For/-Proto/-Host are believed (Fastify's trustProxy): it
         * decides the client address that rate limits, logs and origin checks see.
         */
        trustProxy: env.TRUST_PROXY,
      },
      database: {
        /** Unset: start the embedded database. */
        uri: env.MONGODB_URI ?? legacyMongoUri(env.DB_URI, env.DB_NAME),
        embeddedInProduction: env.EMBEDDED_DATABASE_IN_PRODUCTION,
        debugLog: env.DB_DEBUG_LOG,
        dataDir: resolve(cwd, env.DATA_DIR),
        /** How long a query may run (its maxTimeMS) or wait for an unreachable database. */
        operationTimeoutMs: env.DB_TIMEOUT,
        ferretdbBin: env.FERRETDB_BIN,
        mongodBin: env.MONGOMS_SYSTEM_BINARY,
        seedSampleData: env.SEED_SAMPLE_DATA ?? !isProduction,
      },
      log: {
        level: env.LOG_LEVEL ?? env.LOGGING_LEVEL ?? (isProduction ? 'info' : 'debug'),
        pretty: env.LOG_PRETTY ?? (!isProduction && process.stdout.isTTY === true),
      },
      graphql: {
        defaultPageSize: env.DEFAULT_PAGE_SIZE,
        maxPageSize: env.MAX_PAGE_SIZE,
        introspection: env.GRAPHQL_INTROSPECTION ?? !isProduction,
        /** Serve GraphiQL to signed-in browsers at /graph and /graphql. */
        graphiql: env.GRAPHIQL ?? !isProduction,
        maxDepth: env.GRAPHQL_MAX_DEPTH,
        maxAliases: env.GRAPHQL_MAX_ALIASES,
        maxDirectives: env.GRAPHQL_MAX_DIRECTIVES,
        maxTokens: env.GRAPHQL_MAX_TOKENS,
        /** Fields weighted by list sizes (first/last, default page size, ids). */
        maxCost: env.GRAPHQL_MAX_COST,
        /** GraphQL requests per minute per viewer (per address before authentication). */
        rateLimitPerMinute: env.GRAPHQL_RATE_LIMIT_PER_MINUTE,
        /** Subscriptions (graphql-ws): operations open at once on one connection. */
        maxOperationsPerConnection: env.WS_MAX_OPERATIONS_PER_CONNECTION,
        /** Subscriptions (graphql-ws): connections open at once per viewer, on this process. */
        maxConnectionsPerViewer: env.WS_MAX_CONNECTIONS_PER_VIEWER,
        /** Subscriptions (graphql-ws): how often sockets are pinged; a peer that does not answer in as long is dropped. */
        keepAliveMs: env.WS_KEEP_ALIVE,
        /** Path of a manifest of trusted documents (hash → text) clients may name by id. */
        trustedDocuments: env.TRUSTED_DOCUMENTS,
        /** Refuse every other document text (admins excepted). */
        trustedDocumentsOnly: env.TRUSTED_DOCUMENTS_ONLY,
      },
      cors: { origins: cors.patterns },
      metrics: {
        /** Where `GET /metrics` is served: not at all, on PORT, or on a port of its own (0: any free one). */
        port: env.METRICS_PORT ?? (isProduction ? 'off' : 'same'),
      },
      /**
       * REDIS_URL (or RATE_LIMIT_REDIS_URL): rate-limit counters, the session revocation feed and
       * subscription events. Unset: sign-in and sign-up limits are counted in MongoDB, GraphQL
       * limits in each process's memory, and events stay within the process.
       */
      redis: { url: env.REDIS_URL ?? env.RATE_LIMIT_REDIS_URL },
      auth: {
        /** Where the login page lives; unset means this server. */
        url: env.AUTH_URL,
        jwt: {
          alg: env.JWT_ALG,
          issuer: env.JWT_ISSUER,
          audience: env.JWT_AUDIENCE,
          ttlSeconds: env.JWT_TTL / 1000,
          clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE / 1000,
          privateKey: env.JWT_PRIV_KEY_B64 ?? keyFile('JWT_PRIV_KEY_FILE', env.JWT_PRIV_KEY_FILE),
          publicKeys: env.JWT_PUB_KEY_B64 ?? keyFile('JWT_PUB_KEY_FILE', env.JWT_PUB_KEY_FILE),
          jwksUrl: env.JWKS_URL,
          /** How long a fetched key set is used before it is fetched again (a withdrawn key's last day). */
          jwksCacheMaxAgeMs: env.JWKS_CACHE_MAX_AGE,
        },
        cookie: {
          // `__Host-` makes browsers refuse a cookie planted by a sibling sub-domain; it cannot carry a Domain.
          name: env.COOKIE_NAME ?? (isProduction && !env.COOKIE_DOMAIN ? '__Host-token' : 'token'),
          secure: env.COOKIE_SECURE,
          sameSite: env.COOKIE_SAMESITE,
          domain: env.COOKIE_DOMAIN,
        },
        sessionMaxAgeSeconds: env.SESSION_MAX_AGE / 1000,
        returnToOrigins,
        loginRateLimit: {
          perUsername: env.LOGIN_RATE_LIMIT_PER_USERNAME,
          perAddress: env.LOGIN_RATE_LIMIT_PER_ADDRESS,
        },
        /** Sign-ups per client address per minute. */
        signupRateLimitPerAddress: env.SIGNUP_RATE_LIMIT_PER_ADDRESS,
      },
      /** Problems that are allowed outside production but deserve a warning at start. */
      warnings,
    };

    if (env.TRUSTED_DOCUMENTS_ONLY && !env.TRUSTED_DOCUMENTS)
      problem(
        'TRUSTED_DOCUMENTS_ONLY=true needs TRUSTED_DOCUMENTS: the path of the manifest of trusted documents',
      );
    if (env.COOKIE_SAMESITE === 'none' && !env.COOKIE_SECURE)
      problem(
        'COOKIE_SAMESITE="none" requires COOKIE_SECURE=true (browsers drop such cookies otherwise)',
      );
    if (isProduction) {
      for (const refusal of productionRefusals(env)) problem(refusal);
    } else {
      if (!env.COOKIE_SECURE)
        warnings.push(
          'COOKIE_SECURE=false: the token cookie is sent over plain HTTP (development only)',
        );
      if (cors.wildcard)
        warnings.push('CORS_ORIGINS="*" allows every origin with credentials (development only)');
    }
    return config;
  });
}

/**
 * The whole validated configuration. Entry points hand `process.env` to `loadConfig`; apart from
 * them only `npm run keys` (JWT_ALG as its default) and the embedded database's launcher (PATH,
 * GOPATH and the like, to find a binary) read it (docs/architecture.md, Decisions).
 */
export type AppConfig = z.infer<ReturnType<typeof configSchema>>;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads, validates and types the configuration from an environment (plus `.env`). */
export function loadConfig(
  processEnv: Env,
  options: { cwd?: string; dotenv?: boolean } = {},
): AppConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = withoutBlanks(options.dotenv === false ? processEnv : withDotenv(processEnv, cwd));
  const result = configSchema(cwd).safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => problemLine(issue, env)));
}

/** One line per refusal, naming the variable, the value (unless secret) and what it accepts. */
function problemLine(issue: z.core.$ZodIssue, env: Env): string {
  const name = issue.path[0];
  if (typeof name !== 'string') return issue.message;
  let schema: z.ZodType = ENVIRONMENT.shape[name as keyof typeof ENVIRONMENT.shape];
  while (schema.description === undefined && 'unwrap' in schema)
    schema = (schema as z.ZodOptional | z.ZodDefault).unwrap() as z.ZodType;
  const accepts = schema.description ?? issue.message;
  return schema.meta()?.secret
    ? `${name} is not valid: expected ${accepts}`
    : notValid(name, env[name] ?? '', accepts);
}

function notValid(name: string, value: string, accepts: string): string {
  return `${name}=${JSON.stringify(value)} is not valid: expected ${accepts}`;
}

/** Trimmed values; a variable set but empty means its default, as a blanked line of .env. */
function withoutBlanks(env: Env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) =>
      value === undefined || value.trim() === '' ? [] : [[name, value.trim()]],
    ),
  );
}

function legacyMongoUri(dbUri: string | undefined, dbName: string | undefined): string | undefined {
  if (dbUri === undefined) return undefined;
  if (dbName === undefined) return dbUri;
  const url = new URL(dbUri.replace(/^mongodb(\+srv)?:\/\//, 'http://'));
  if (url.pathname.length > 1) return dbUri;
  const [base, query] = dbUri.split('?');
  return `${base.replace(/\/+$/, '')}/${dbName}${query ? `?${query}` : ''}`;
}

const DEFAULT_CORS_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'];

function corsOrigins(
  list: string | undefined,
  legacyRegex: string | undefined,
  problem: (message: string) => void,
): { patterns: RegExp[]; wildcard: boolean } {
  if (list === undefined && legacyRegex !== undefined) {
    try {
      return { patterns: [new RegExp(legacyRegex)], wildcard: legacyRegex === '.*' };
    } catch {
      problem(notValid('CORS_REGEX', legacyRegex, 'a regular expression'));
      return { patterns: [], wildcard: false };
    }
  }
  const entries = list === undefined ? DEFAULT_CORS_ORIGINS : commaList(list);
  if (entries.includes('*')) return { patterns: [/^.*$/], wildcard: true };
  const patterns: RegExp[] = [];
  for (const entry of entries) {
    if (isValidOriginPattern(entry)) patterns.push(compileOriginPattern(entry));
    else
      problem(
        `CORS_ORIGINS entry ${JSON.stringify(entry)} is not valid: expected origins such as https://app.example.com or http://localhost:*, separated by commas`,
      );
  }
  return { patterns, wildcard: false };
}

function withDotenv(processEnv: Env, cwd: string): Env {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return processEnv;
  // The real environment wins over the file.
  return { ...parseDotenv(readFileSync(file, 'utf8')), ...processEnv };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
