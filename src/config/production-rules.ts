import { commaList, type Environment } from './environment';

/**
 * What production refuses to start with: settings that would lose data or
 * open a door. One line per refusal, naming the variable; docs/deployment.md
 * lists every rule here and production-rules.spec.ts tests each.
 */
export function productionRefusals(env: Environment): string[] {
  const refusals: string[] = [];

  if (env.MONGODB_URI === undefined && env.DB_URI === undefined) {
    if (!env.EMBEDDED_DATABASE_IN_PRODUCTION)
      refusals.push(
        'MONGODB_URI (or DB_URI) is required in production: without it the process would serve from a throwaway embedded database (EMBEDDED_DATABASE_IN_PRODUCTION=true to mean it)',
      );
  }

  const origins = commaList(env.CORS_ORIGINS);
  if (env.CORS_ORIGINS === undefined && env.CORS_REGEX !== undefined) {
    refusals.push(
      'CORS_REGEX is refused in production: a regular expression can match origins nobody listed; list exact origins in CORS_ORIGINS',
    );
  } else if (origins.length === 0) {
    refusals.push(
      'CORS_ORIGINS is required in production: list the exact origins of the frontends (the development default allows every localhost port)',
    );
  } else if (origins.includes('*')) {
    refusals.push(
      'CORS_ORIGINS="*" is refused in production: credentials (cookies) must never be sent cross-site to any origin',
    );
  } else {
    const wildcard = origins.find((entry) => entry.includes('*'));
    if (wildcard !== undefined)
      refusals.push(
        `CORS_ORIGINS entry ${JSON.stringify(wildcard)} is refused in production: a wildcard sends credentials (cookies) to origins nobody listed; list exact origins`,
      );
  }

  if (!env.COOKIE_SECURE)
    refusals.push('COOKIE_SECURE=false is refused in production: the token cookie must be Secure');

  const runsAuth = env.APP_ROLE !== 'api';
  if (runsAuth && env.JWT_PRIV_KEY_B64 === undefined && env.JWT_PRIV_KEY_FILE === undefined)
    refusals.push(
      'JWT_PRIV_KEY_FILE or JWT_PRIV_KEY_B64 is required in production (the auth endpoint signs tokens with it)',
    );
  if (
    env.APP_ROLE === 'api' &&
    env.JWT_PUB_KEY_B64 === undefined &&
    env.JWT_PUB_KEY_FILE === undefined &&
    env.JWKS_URL === undefined
  )
    refusals.push(
      'JWT_PUB_KEY_FILE, JWT_PUB_KEY_B64 or JWKS_URL is required in production for an API-only process',
    );
  return refusals;
}
