import type { AppConfig } from './app-config';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * What production refuses to start with: settings that would lose data or
 * open a door. One line per refusal, naming the variable; docs/deployment.md
 * lists every rule here and src/config/app-config.spec.ts tests each.
 */
export function productionRefusals(config: AppConfig, env: Env): string[] {
  const raw = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const refusals: string[] = [];

  if (config.database.uri === undefined && !config.database.embeddedInProduction) {
    refusals.push(
      'MONGODB_URI (or DB_URI) is required in production: without it the process would serve from a throwaway embedded database (EMBEDDED_DATABASE_IN_PRODUCTION=true to mean it)',
    );
  }

  const corsOrigins = raw('CORS_ORIGINS');
  if (corsOrigins === undefined && raw('CORS_REGEX') !== undefined) {
    refusals.push(
      'CORS_REGEX is refused in production: a regular expression can match origins nobody listed; list exact origins in CORS_ORIGINS',
    );
  } else if (corsOrigins === undefined) {
    refusals.push(
      'CORS_ORIGINS is required in production: list the exact origins of the frontends (the development default allows every localhost port)',
    );
  } else if (corsOrigins.split(',').some((entry) => entry.trim() === '*')) {
    refusals.push(
      'CORS_ORIGINS="*" is refused in production: credentials (cookies) must never be sent cross-site to any origin',
    );
  } else {
    const wildcards = corsOrigins
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.includes('*'));
    if (wildcards.length > 0) {
      refusals.push(
        `CORS_ORIGINS entry ${JSON.stringify(wildcards[0])} is refused in production: a wildcard sends credentials (cookies) to origins nobody listed; list exact origins`,
      );
    }
  }

  if (!config.auth.cookie.secure) {
    refusals.push('COOKIE_SECURE=false is refused in production: the token cookie must be Secure');
  }
  if (raw('INSECURE_FIXED_VIEWER') !== undefined) {
    refusals.push('INSECURE_FIXED_VIEWER is refused in production: it turns authentication off');
  }

  const runsApi = config.role !== 'auth';
  const runsAuth = config.role !== 'api';
  if (runsAuth && !config.auth.jwt.privateKey) {
    refusals.push(
      'JWT_PRIV_KEY_FILE or JWT_PRIV_KEY_B64 is required in production (the auth endpoint signs tokens with it)',
    );
  }
  if (runsApi && !runsAuth && !config.auth.jwt.publicKeys && !config.auth.jwt.jwksUrl) {
    refusals.push(
      'JWT_PUB_KEY_FILE, JWT_PUB_KEY_B64 or JWKS_URL is required in production for an API-only process',
    );
  }
  return refusals;
}
