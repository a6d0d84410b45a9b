import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { compileOriginPattern, isValidOriginPattern } from './cors-origins';
import { parseDurationMs } from './duration';
import { productionRefusals } from './production-rules';

/** The algorithms passport-jwt's verifier (jsonwebtoken) supports with asymmetric keys; it has no EdDSA. */
export const JWT_ALGORITHMS = ['ES256', 'RS256', 'PS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Where a PEM key comes from: its text (from `*_B64`) or a file path (from `*_FILE`). */
export type KeySource =
  { readonly kind: 'pem'; readonly pem: string } | { readonly kind: 'file'; readonly path: string };

// One schema per kind of variable. Each describes what it accepts: a refusal quotes it.
const oneOf = <const T extends readonly [string, ...string[]]>(values: T, upper = false) =>
  z
    .string()
    .transform((text) => (upper ? text.toUpperCase() : text.toLowerCase()))
    .pipe(z.enum(values))
    .describe(`one of ${values.join(', ')}`);
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .describe(`an integer from ${min} to ${max}`);
const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const boolean = () =>
  z
    .string()
    .toLowerCase()
    .pipe(z.enum([...TRUE_WORDS, 'false', '0', 'no', 'off']))
    .transform((word) => TRUE_WORDS.includes(word))
    .describe('true or false (also 1/0, yes/no, on/off)');
/** In milliseconds; a bare number is seconds. */
const duration = (minMs: number, maxMs: number) =>
  z
    .string()
    .transform((text) => parseDurationMs(text))
    .pipe(z.number().min(minMs).max(maxMs))
    .describe(
      `a duration such as 900 (seconds), 30s, 15m, 12h or 7d, between ${minMs / 1000}s and ${maxMs / 1000}s`,
    );
const httpUrl = () =>
  z
    .url({ protocol: /^https?$/ })
    .transform((text) => text.replace(/\/+$/, ''))
    .describe('an absolute http(s) URL');
/** A value that is never echoed in a refusal: it may hold a password or a key. */
const secret = <T extends z.ZodType>(schema: T, accepts: string) =>
  schema.meta({ description: accepts, secret: true });
const mongodbUri = () =>
  // No spaces: a value with a trailing comment (`... # unset: embedded`) must not pass for a URI.
  secret(
    z.string().regex(/^mongodb(\+srv)?:\/\/\S+$/),
    'a mongodb:// or mongodb+srv:// URI without spaces (value not shown: it may hold a password)',
  );
const redisUrl = () =>
  secret(
    z.url({ protocol: /^rediss?$/ }),
    'a redis:// or rediss:// URL (value not shown: it may hold a password)',
  );
const pemBase64 = () =>
  secret(
    z
      .string()
      .transform((b64) => Buffer.from(b64, 'base64').toString('utf8'))
      .refine((pem) => pem.includes('-----BEGIN '))
      .transform((pem) => ({ kind: 'pem' as const, pem })),
    'the base64 of a PEM key (value not shown)',
  );
const PROXY_ADDRESS = z.union([
  z.enum(['loopback', 'linklocal', 'uniquelocal']),
  z.ipv4(),
  z.ipv6(),
  z.cidrv4(),
  z.cidrv6(),
]);
const trustProxy = () =>
  z
    .union([
      z.enum(['false', 'off', 'no', '0']).transform(() => false as const),
      z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(10)),
      z
        .string()
        .transform((text) => text.split(',').map((part) => part.trim()))
        .pipe(z.array(PROXY_ADDRESS).min(1)),
    ])
    .describe(
      'off, a number of proxy hops (1-10), or comma-separated proxy addresses or CIDRs (e.g. 10.0.0.0/8,127.0.0.1)',
    );

/**
 * Every variable the service reads, as it arrives (trimmed, blank meaning unset). Defaults that
 * depend on NODE_ENV, aliases and rules between variables are applied in `configSchema`.
 */
const ENVIRONMENT = z.object({
  NODE_ENV: oneOf(['development', 'production', 'test']).default('development'),
  /** Which halves of the service this process runs: API, auth endpoint, or both. */
  APP_ROLE: oneOf(['all', 'api', 'auth']).default('all'),
  HOST: z.string().default('0.0.0.0'),
  PORT: integer(0, 65535).default(8080),
  SHUTDOWN_TIMEOUT: duration(0, 600_000).default(10_000),
  SHUTDOWN_DRAIN_DELAY: duration(0, 120_000).default(0),
  BODY_LIMIT_BYTES: integer(1024, 50 * 1024 * 1024).default(100 * 1024),
  TRUST_PROXY: trustProxy().default(false),

  MONGODB_URI: mongodbUri().optional(),
  DB_URI: mongodbUri().optional(),
  DB_NAME: z.string().optional(),
  DB_DEBUG_LOG: boolean().default(false),
  DATA_DIR: z.string().default('.data'),
  DB_TIMEOUT: duration(100, 120_000).default(2_000),
  FERRETDB_BIN: z.string().optional(),
  MONGOMS_SYSTEM_BINARY: z.string().optional(),
  /** Production refuses to start without a database URI unless this says to run the embedded one. */
  EMBEDDED_DATABASE_IN_PRODUCTION: boolean().default(false),
  SEED_SAMPLE_DATA: boolean().optional(),

  LOG_LEVEL: oneOf(LOG_LEVELS).optional(),
  LOGGING_LEVEL: oneOf(LOG_LEVELS).optional(),
  LOG_PRETTY: boolean().optional(),

  CORS_ORIGINS: z.string().optional(),
  CORS_REGEX: z.string().optional(),
  METRICS_PORT: z
    .union([z.enum(['off', 'same']), integer(0, 65535)])
    .describe(
      'off, same (GET /metrics on PORT), or a port number for a metrics listener of its own',
    )
    .optional(),
  REDIS_URL: redisUrl().optional(),
  RATE_LIMIT_REDIS_URL: redisUrl().optional(),

  DEFAULT_PAGE_SIZE: integer(1, 1000).default(20),
  MAX_PAGE_SIZE: integer(1, 1000).default(100),
  GRAPHQL_INTROSPECTION: boolean().optional(),
  GRAPHIQL: boolean().optional(),
  GRAPHQL_MAX_DEPTH: integer(2, 100).default(12),
  GRAPHQL_MAX_ALIASES: integer(0, 1000).default(15),
  GRAPHQL_MAX_DIRECTIVES: integer(0, 1000).default(20),
  GRAPHQL_MAX_TOKENS: integer(100, 100_000).default(2000),
  GRAPHQL_MAX_COST: integer(10, 10_000_000).default(25_000),
  GRAPHQL_RATE_LIMIT_PER_MINUTE: integer(1, 10_000_000).default(600),
  WS_MAX_OPERATIONS_PER_CONNECTION: integer(1, 1000).default(10),
  WS_MAX_CONNECTIONS_PER_VIEWER: integer(1, 100_000).default(20),
  WS_KEEP_ALIVE: duration(100, 600_000).default(12_000),
  TRUSTED_DOCUMENTS: z.string().optional(),
  TRUSTED_DOCUMENTS_ONLY: boolean().default(false),

  AUTH_URL: httpUrl().optional(),
  JWT_ALG: oneOf(JWT_ALGORITHMS, true).default('ES256'),
  JWT_ISSUER: z.string().default('user-order-auth'),
  JWT_AUDIENCE: z.string().default('user-order-api'),
  JWT_TTL: duration(10_000, 24 * 3_600_000).default(15 * 60_000),
  JWT_CLOCK_TOLERANCE: duration(0, 300_000).default(30_000),
  JWT_PRIV_KEY_B64: pemBase64().optional(),
  JWT_PRIV_KEY_FILE: z.string().optional(),
  JWT_PUB_KEY_B64: pemBase64().optional(),
  JWT_PUB_KEY_FILE: z.string().optional(),
  JWKS_URL: httpUrl().optional(),
  JWKS_CACHE_MAX_AGE: duration(1_000, 24 * 3_600_000).default(5 * 60_000),
  /** Default `__Host-token` in production without COOKIE_DOMAIN, else `token`. */
  COOKIE_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .describe('1-64 letters, digits, _ or -')
    .optional(),
  COOKIE_SECURE: boolean().default(true),
  COOKIE_SAMESITE: oneOf(['lax', 'strict', 'none']).default('lax'),
  COOKIE_DOMAIN: z.string().optional(),
  SESSION_MAX_AGE: duration(60_000, 365 * 86_400_000).default(7 * 86_400_000),
  AUTH_RETURN_TO_ORIGINS: z.string().optional(),
  LOGIN_RATE_LIMIT_PER_USERNAME: integer(1, 100_000).default(5),
  LOGIN_RATE_LIMIT_PER_ADDRESS: integer(1, 100_000).default(30),
  SIGNUP_RATE_LIMIT_PER_ADDRESS: integer(1, 100_000).default(10),
});

/** The environment as the schema parsed it, before the rules between variables. */
export type Environment = z.infer<typeof ENVIRONMENT>;

/** The names of every variable the configuration reads, legacy aliases included. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(ENVIRONMENT.shape);

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
    const returnToOrigins = (env.AUTH_RETURN_TO_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim().replace(/\/+$/, ''))
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

/** The configured default and maximum page sizes, as keyset paging takes them. */
export function pageLimitsOf(config: AppConfig): { defaultSize: number; maxSize: number } {
  return { defaultSize: config.graphql.defaultPageSize, maxSize: config.graphql.maxPageSize };
}

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
  const entries = (list ?? DEFAULT_CORS_ORIGINS.join(','))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
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
