import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { compileOriginPattern, isValidOriginPattern } from './cors-origins';
import { z } from 'zod';
import { parseDurationMs } from './duration';
import { productionRefusals } from './production-rules';

/** The algorithms passport-jwt's verifier (jsonwebtoken) supports with asymmetric keys; it has no EdDSA. */
export const JWT_ALGORITHMS = ['ES256', 'RS256', 'PS256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type AppRole = 'all' | 'api' | 'auth';
export type NodeEnv = 'development' | 'production' | 'test';

/**
 * Per-request features `npm run bench:breakdown` switches off one at a time
 * (BENCH_FEATURES_OFF) to measure what each costs. Benchmarks only: each one
 * off weakens the service (docs/performance.md), and start-up says so.
 */
export const BENCH_FEATURES = [
  'request-log',
  'request-id-header',
  'async-context',
  'security-headers',
  'cors',
  'cookies',
  'address-limit',
  'viewer-limit',
  'query-limits',
  'cost-limit',
  'request-plugin',
  'error-formatting',
  'browser-navigation',
] as const;
export type BenchFeature = (typeof BENCH_FEATURES)[number];

/** The whole validated configuration; nothing else reads `process.env`. */
export interface AppConfig {
  readonly env: NodeEnv;
  readonly isProduction: boolean;
  /** Which halves of the service this process runs: API, auth endpoint, or both. */
  readonly role: AppRole;
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly shutdownTimeoutMs: number;
    /** On SIGTERM, how long to keep serving with readiness failing before closing. */
    readonly shutdownDrainMs: number;
    readonly bodyLimitBytes: number;
    /**
     * Which peers' X-Forwarded-For/-Proto/-Host are believed (Fastify's trustProxy): none,
     * the last N hops, or these addresses/CIDRs. It decides the client address that rate
     * limits, logs and origin checks see.
     */
    readonly trustProxy: TrustProxy;
  };
  readonly memory: {
    /** One compacting collection after start-up, before listening (docs/performance.md, Memory). */
    readonly releaseAfterStart: boolean;
  };
  readonly database: {
    /** Unset: start the embedded database. */
    readonly uri: string | undefined;
    /** Production refuses to start without `uri` unless this says to run the embedded database. */
    readonly embeddedInProduction: boolean;
    readonly debugLog: boolean;
    readonly dataDir: string;
    /** How long a query may wait for an unreachable database before failing. */
    readonly operationTimeoutMs: number;
    readonly ferretdbBin: string | undefined;
    readonly mongodBin: string | undefined;
    readonly seedSampleData: boolean;
  };
  readonly log: { readonly level: LogLevel; readonly pretty: boolean };
  readonly graphql: {
    readonly defaultPageSize: number;
    readonly maxPageSize: number;
    readonly introspection: boolean;
    /** Serve GraphiQL to signed-in browsers at /graph and /graphql. */
    readonly graphiql: boolean;
    readonly maxDepth: number;
    readonly maxAliases: number;
    readonly maxDirectives: number;
    readonly maxTokens: number;
    /** Fields weighted by list sizes (first/last, default page size, ids). */
    readonly maxCost: number;
    /** GraphQL requests per minute per viewer (per address before authentication). */
    readonly rateLimitPerMinute: number;
  };
  readonly cors: { readonly origins: readonly RegExp[] };
  readonly metrics: {
    /** Where `GET /metrics` is served: not at all, on PORT, or on a port of its own (0: any free one). */
    readonly port: 'off' | 'same' | number;
  };
  readonly rateLimits: {
    /**
     * Unset: sign-in and sign-up limits are counted in MongoDB (shared by every process),
     * GraphQL limits in each process's memory. Set: every limit is counted in this Redis.
     */
    readonly redisUrl: string | undefined;
  };
  readonly auth: {
    /** Where the login page lives; unset means this server. */
    readonly url: string | undefined;
    readonly jwt: {
      readonly alg: JwtAlgorithm;
      readonly issuer: string;
      readonly audience: string;
      readonly ttlSeconds: number;
      readonly clockToleranceSeconds: number;
      readonly privateKey: KeySource | undefined;
      readonly publicKeys: KeySource | undefined;
      readonly jwksUrl: string | undefined;
      /** How long a fetched key set is used before it is fetched again (a withdrawn key's last day). */
      readonly jwksCacheMaxAgeMs: number;
    };
    readonly cookie: {
      readonly name: string;
      readonly secure: boolean;
      readonly sameSite: 'lax' | 'strict' | 'none';
      readonly domain: string | undefined;
    };
    readonly sessionMaxAgeSeconds: number;
    readonly returnToOrigins: readonly string[];
    readonly loginRateLimit: { readonly perUsername: number; readonly perAddress: number };
    /** Sign-ups per client address per minute. */
    readonly signupRateLimitPerAddress: number;
    /** Cache verified tokens until their `exp` (off only to measure what it saves). */
    readonly tokenCache: boolean;
    /** Where a token that misses the cache is verified (src/auth/token/verify-thread.ts). */
    readonly verifyThread: VerifyThreadMode;
    /**
     * Benchmarks only: every GraphQL request runs as this user id without any
     * token check, to measure what authentication costs. Refused in production.
     */
    readonly insecureFixedViewer: string | undefined;
  };
  /** Problems that are allowed outside production but deserve a warning at start. */
  readonly warnings: readonly string[];
  /** BENCH_FEATURES_OFF: per-request features switched off to measure them (benchmarks only). */
  readonly benchFeaturesOff: ReadonlySet<BenchFeature>;
}

/**
 * AUTH_VERIFY_THREAD: `auto` moves signature checks to a second thread while
 * many tokens miss the cache; `on` sends every miss there; `off` never.
 */
export const VERIFY_THREAD_MODES = ['auto', 'on', 'off'] as const;
export type VerifyThreadMode = (typeof VERIFY_THREAD_MODES)[number];

/** Whether a per-request feature runs (all do unless a benchmark switched one off). */
export function featureOn(config: AppConfig, feature: BenchFeature): boolean {
  return !config.benchFeaturesOff.has(feature);
}

/** Where a PEM key comes from: its text (from `*_B64`) or a file path (from `*_FILE`). */
export type KeySource =
  { readonly kind: 'pem'; readonly pem: string } | { readonly kind: 'file'; readonly path: string };

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

/** `false`, a hop count, or addresses/CIDRs (and proxy-addr's names loopback, linklocal, uniquelocal). */
export type TrustProxy = false | number | string[];
const PROXY_ADDRESS = z.union([
  z.enum(['loopback', 'linklocal', 'uniquelocal']),
  z.ipv4(),
  z.ipv6(),
  z.cidrv4(),
  z.cidrv6(),
]);
const TRUST_PROXY: z.ZodType<TrustProxy, string> = z.union([
  z.enum(['false', 'off', 'no', '0']).transform(() => false as const),
  z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(1).max(10)),
  z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()))
    .pipe(z.array(PROXY_ADDRESS).min(1)),
]);
const MONGODB_URI = z.string().regex(/^mongodb(\+srv)?:\/\/\S+$/);
const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off', ''];

/** Reads, validates and types the configuration from an environment (plus `.env`). */
export function loadConfig(
  processEnv: Env,
  options: { cwd?: string; dotenv?: boolean } = {},
): AppConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.dotenv === false ? processEnv : withDotenv(processEnv, cwd);
  const problems: string[] = [];
  const warnings: string[] = [];

  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const fail = (name: string, value: string, accepts: string): undefined => {
    problems.push(`${name}=${JSON.stringify(value)} is not valid: expected ${accepts}`);
    return undefined;
  };
  /** One variable through a zod schema; a refusal is one line naming the variable, the value and what it accepts. */
  const read = <T>(
    name: string,
    schema: z.ZodType<T, string>,
    accepts: string,
    fallback: T,
    alias?: string,
  ): T => {
    const value = raw(name) ?? (alias ? raw(alias) : undefined);
    if (value === undefined) return fallback;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    return fail(alias && !raw(name) ? alias : name, value, accepts) ?? fallback;
  };
  const oneOf = <T extends string>(
    name: string,
    values: readonly T[],
    fallback: T,
    alias?: string,
  ): T =>
    read(
      name,
      z.string().transform((text, context) => {
        const found = values.find((v) => v.toLowerCase() === text.toLowerCase());
        if (found) return found;
        context.addIssue({ code: 'custom', message: 'not one of the values' });
        return z.NEVER;
      }),
      `one of ${values.join(', ')}`,
      fallback,
      alias,
    );
  const integer = (name: string, fallback: number, min: number, max: number): number =>
    read(
      name,
      z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max)),
      `an integer from ${min} to ${max}`,
      fallback,
    );
  const boolean = (name: string, fallback: boolean): boolean => {
    // Set but empty means the default, as in a commented-out line of .env made blank.
    if (env[name] !== undefined && env[name]!.trim() === '') return fallback;
    return read(
      name,
      z
        .string()
        .transform((text) => text.toLowerCase())
        .pipe(z.enum([...TRUE_WORDS, ...FALSE_WORDS] as [string, ...string[]]))
        .transform((word) => TRUE_WORDS.includes(word)),
      'true or false (also 1/0, yes/no, on/off)',
      fallback,
    );
  };
  const duration = (name: string, fallbackMs: number, minMs: number, maxMs: number): number =>
    read(
      name,
      z
        .string()
        .transform((text) => parseDurationMs(text))
        .pipe(z.number().min(minMs).max(maxMs)),
      `a duration such as 900 (seconds), 30s, 15m, 12h or 7d, between ${minMs / 1000}s and ${maxMs / 1000}s`,
      fallbackMs,
    );
  const url = (name: string): string | undefined =>
    read<string | undefined>(
      name,
      z.url({ protocol: /^https?$/ }).transform((text) => text.replace(/\/+$/, '')),
      'an absolute http(s) URL',
      undefined,
    );
  const keySource = (b64Name: string, fileName: string): KeySource | undefined => {
    const b64 = raw(b64Name);
    if (b64 !== undefined) {
      const pem = Buffer.from(b64, 'base64').toString('utf8');
      if (pem.includes('-----BEGIN ')) return { kind: 'pem', pem };
      problems.push(`${b64Name} is not valid: expected the base64 of a PEM key (value not shown)`);
      return undefined;
    }
    const file = raw(fileName);
    if (file === undefined) return undefined;
    const path = isAbsolute(file) ? file : resolve(cwd, file);
    if (existsSync(path)) return { kind: 'file', path };
    return fail(fileName, file, 'the path of an existing PEM file');
  };

  const nodeEnv = oneOf<NodeEnv>('NODE_ENV', ['development', 'production', 'test'], 'development');
  const isProduction = nodeEnv === 'production';

  const mongodbUri = raw('MONGODB_URI') ?? legacyMongoUri(raw('DB_URI'), raw('DB_NAME'));
  // No spaces: a value with a trailing comment (`... # unset: embedded`) must not pass for a URI.
  if (mongodbUri !== undefined && !MONGODB_URI.safeParse(mongodbUri).success) {
    problems.push(
      `MONGODB_URI is not valid: expected a mongodb:// or mongodb+srv:// URI without spaces (value not shown: it may hold a password)`,
    );
  }

  const corsOrigins = parseCorsOrigins(raw('CORS_ORIGINS'), raw('CORS_REGEX'), problems);
  const cookieSecure = boolean('COOKIE_SECURE', true);
  const cookieSameSite = oneOf('COOKIE_SAMESITE', ['lax', 'strict', 'none'] as const, 'lax');
  const returnToOrigins = (raw('AUTH_RETURN_TO_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const origin of returnToOrigins) {
    if (!/^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/.test(origin)) {
      fail(
        'AUTH_RETURN_TO_ORIGINS',
        origin,
        'a comma-separated list of origins such as https://app.example.com',
      );
    }
  }

  const config: AppConfig = {
    env: nodeEnv,
    isProduction,
    role: oneOf<AppRole>('APP_ROLE', ['all', 'api', 'auth'], 'all'),
    http: {
      host: raw('HOST') ?? '0.0.0.0',
      port: integer('PORT', 8080, 0, 65535),
      shutdownTimeoutMs: duration('SHUTDOWN_TIMEOUT', 10_000, 0, 600_000),
      shutdownDrainMs: duration('SHUTDOWN_DRAIN_DELAY', 0, 0, 120_000),
      bodyLimitBytes: integer('BODY_LIMIT_BYTES', 100 * 1024, 1024, 50 * 1024 * 1024),
      trustProxy: read<TrustProxy>(
        'TRUST_PROXY',
        TRUST_PROXY,
        'off, a number of proxy hops (1-10), or comma-separated proxy addresses or CIDRs (e.g. 10.0.0.0/8,127.0.0.1)',
        false,
      ),
    },
    memory: {
      releaseAfterStart: boolean('RELEASE_STARTUP_MEMORY', false),
    },
    database: {
      uri: mongodbUri,
      embeddedInProduction: boolean('EMBEDDED_DATABASE_IN_PRODUCTION', false),
      debugLog: boolean('DB_DEBUG_LOG', false),
      dataDir: resolve(cwd, raw('DATA_DIR') ?? '.data'),
      operationTimeoutMs: duration('DB_TIMEOUT', 2_000, 100, 120_000),
      ferretdbBin: raw('FERRETDB_BIN'),
      mongodBin: raw('MONGOMS_SYSTEM_BINARY'),
      seedSampleData: boolean('SEED_SAMPLE_DATA', !isProduction),
    },
    log: {
      level: oneOf<LogLevel>(
        'LOG_LEVEL',
        LOG_LEVELS,
        isProduction ? 'info' : 'debug',
        'LOGGING_LEVEL',
      ),
      pretty: boolean('LOG_PRETTY', !isProduction && process.stdout.isTTY === true),
    },
    cors: { origins: corsOrigins.patterns },
    metrics: {
      port: read<'off' | 'same' | number>(
        'METRICS_PORT',
        z.union([
          z.enum(['off', 'same']),
          z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(0).max(65535)),
        ]),
        'off, same (GET /metrics on PORT), or a port number for a metrics listener of its own',
        isProduction ? 'off' : 'same',
      ),
    },
    rateLimits: {
      redisUrl: redisUrl(raw('RATE_LIMIT_REDIS_URL'), problems),
    },
    graphql: {
      defaultPageSize: integer('DEFAULT_PAGE_SIZE', 20, 1, 1000),
      maxPageSize: integer('MAX_PAGE_SIZE', 100, 1, 1000),
      introspection: boolean('GRAPHQL_INTROSPECTION', !isProduction),
      graphiql: boolean('GRAPHIQL', !isProduction),
      maxDepth: integer('GRAPHQL_MAX_DEPTH', 12, 2, 100),
      maxAliases: integer('GRAPHQL_MAX_ALIASES', 15, 0, 1000),
      maxDirectives: integer('GRAPHQL_MAX_DIRECTIVES', 20, 0, 1000),
      maxTokens: integer('GRAPHQL_MAX_TOKENS', 2000, 100, 100_000),
      maxCost: integer('GRAPHQL_MAX_COST', 25_000, 10, 10_000_000),
      rateLimitPerMinute: integer('GRAPHQL_RATE_LIMIT_PER_MINUTE', 600, 1, 10_000_000),
    },
    auth: {
      url: url('AUTH_URL'),
      jwt: {
        alg: oneOf<JwtAlgorithm>('JWT_ALG', JWT_ALGORITHMS, 'ES256'),
        issuer: raw('JWT_ISSUER') ?? 'user-order-auth',
        audience: raw('JWT_AUDIENCE') ?? 'user-order-api',
        ttlSeconds: duration('JWT_TTL', 15 * 60_000, 10_000, 24 * 3_600_000) / 1000,
        clockToleranceSeconds: duration('JWT_CLOCK_TOLERANCE', 30_000, 0, 300_000) / 1000,
        privateKey: keySource('JWT_PRIV_KEY_B64', 'JWT_PRIV_KEY_FILE'),
        publicKeys: keySource('JWT_PUB_KEY_B64', 'JWT_PUB_KEY_FILE'),
        jwksUrl: url('JWKS_URL'),
        jwksCacheMaxAgeMs: duration('JWKS_CACHE_MAX_AGE', 5 * 60_000, 1_000, 24 * 3_600_000),
      },
      cookie: {
        name: cookieName(raw('COOKIE_NAME'), problems),
        secure: cookieSecure,
        sameSite: cookieSameSite,
        domain: raw('COOKIE_DOMAIN'),
      },
      sessionMaxAgeSeconds:
        duration('SESSION_MAX_AGE', 7 * 86_400_000, 60_000, 365 * 86_400_000) / 1000,
      returnToOrigins,
      loginRateLimit: {
        perUsername: integer('LOGIN_RATE_LIMIT_PER_USERNAME', 5, 1, 100_000),
        perAddress: integer('LOGIN_RATE_LIMIT_PER_ADDRESS', 30, 1, 100_000),
      },
      signupRateLimitPerAddress: integer('SIGNUP_RATE_LIMIT_PER_ADDRESS', 10, 1, 100_000),
      tokenCache: boolean('AUTH_TOKEN_CACHE', true),
      verifyThread: oneOf('AUTH_VERIFY_THREAD', VERIFY_THREAD_MODES, 'auto'),
      insecureFixedViewer: raw('INSECURE_FIXED_VIEWER'),
    },
    warnings,
    benchFeaturesOff: new Set(
      read<BenchFeature[]>(
        'BENCH_FEATURES_OFF',
        z
          .string()
          .transform((text) => text.split(',').map((part) => part.trim()))
          .pipe(z.array(z.enum(BENCH_FEATURES))),
        `a comma-separated list of ${BENCH_FEATURES.join(', ')} (benchmarks only)`,
        [],
      ),
    ),
  };
  if (config.benchFeaturesOff.size > 0) {
    warnings.push(
      `BENCH_FEATURES_OFF: ${[...config.benchFeaturesOff].join(', ')} switched off (benchmarks only; never in service)`,
    );
  }

  if (cookieSameSite === 'none' && !cookieSecure) {
    problems.push(
      'COOKIE_SAMESITE="none" requires COOKIE_SECURE=true (browsers drop such cookies otherwise)',
    );
  }
  if (isProduction) {
    problems.push(...productionRefusals(config, env));
  } else {
    if (!cookieSecure)
      warnings.push(
        'COOKIE_SECURE=false: the token cookie is sent over plain HTTP (development only)',
      );
    if (corsOrigins.wildcard)
      warnings.push('CORS_ORIGINS="*" allows every origin with credentials (development only)');
    if (raw('INSECURE_FIXED_VIEWER') !== undefined) {
      warnings.push(
        'INSECURE_FIXED_VIEWER is set: GraphQL authentication is OFF (benchmarks only)',
      );
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function legacyMongoUri(dbUri: string | undefined, dbName: string | undefined): string | undefined {
  if (dbUri === undefined) return undefined;
  if (dbName === undefined) return dbUri;
  const url = new URL(dbUri.replace(/^mongodb(\+srv)?:\/\//, 'http://'));
  if (url.pathname.length > 1) return dbUri;
  const [base, query] = dbUri.split('?');
  return `${base.replace(/\/+$/, '')}/${dbName}${query ? `?${query}` : ''}`;
}

/** Checked like MONGODB_URI, and for the same reason never echoed: it may hold a password. */
function redisUrl(value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (z.url({ protocol: /^rediss?$/ }).safeParse(value).success) return value;
  problems.push(
    'RATE_LIMIT_REDIS_URL is not valid: expected a redis:// or rediss:// URL (value not shown: it may hold a password)',
  );
  return undefined;
}

const DEFAULT_CORS_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*'];

function parseCorsOrigins(
  list: string | undefined,
  legacyRegex: string | undefined,
  problems: string[],
): { patterns: RegExp[]; wildcard: boolean } {
  if (list === undefined && legacyRegex !== undefined) {
    try {
      return { patterns: [new RegExp(legacyRegex)], wildcard: legacyRegex === '.*' };
    } catch {
      problems.push(
        `CORS_REGEX=${JSON.stringify(legacyRegex)} is not valid: expected a regular expression`,
      );
      return { patterns: [], wildcard: false };
    }
  }
  const entries = (list ?? DEFAULT_CORS_ORIGINS.join(','))
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.includes('*')) return { patterns: [/^.*$/], wildcard: true };
  const patterns: RegExp[] = [];
  for (const entry of entries) {
    if (isValidOriginPattern(entry)) patterns.push(compileOriginPattern(entry));
    else
      problems.push(
        `CORS_ORIGINS entry ${JSON.stringify(entry)} is not valid: expected origins such as https://app.example.com or http://localhost:*, separated by commas`,
      );
  }
  return { patterns, wildcard: false };
}

function cookieName(value: string | undefined, problems: string[]): string {
  if (value === undefined) return 'token';
  if (/^[A-Za-z0-9_-]{1,64}$/.test(value)) return value;
  problems.push(
    `COOKIE_NAME=${JSON.stringify(value)} is not valid: expected 1-64 letters, digits, _ or -`,
  );
  return 'token';
}

function withDotenv(processEnv: Env, cwd: string): Env {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return processEnv;
  // The real environment wins over the file.
  return { ...parseDotenv(readFileSync(file, 'utf8')), ...processEnv };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
