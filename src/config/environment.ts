import { z } from 'zod';
import { parseDurationMs } from './duration';

/**
 * The environment variables the service reads, each with the format it accepts and its default:
 * app-config.ts builds the configuration from them, production-rules.ts checks them.
 */

/** The algorithms passport-jwt's verifier (jsonwebtoken) supports with asymmetric keys; it has no EdDSA. */
export const JWT_ALGORITHMS = ['ES256', 'RS256', 'PS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
const boolean = () =>
  z
    .stringbool({ truthy: ['true', '1', 'yes', 'on'], falsy: ['false', '0', 'no', 'off'] })
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

/** The entries of a comma-separated list, trimmed, blanks dropped. */
export const commaList = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);

/**
 * Every variable the service reads, as it arrives (trimmed, blank meaning unset). Defaults that
 * depend on NODE_ENV, aliases and rules between variables are applied in `configSchema`.
 */
export const ENVIRONMENT = z.object({
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
