/** Server-rendered sign-in and sign-up pages: no script, no external asset, work without JavaScript. */
import { FAVICON_SVG } from '../../common/http/favicon';

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `
  *{box-sizing:border-box}
  body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}
  main{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 2px 12px rgba(0,0,0,.08);width:100%;max-width:24rem}
  h1{font-size:1.4rem;margin:0 0 1rem}
  label{display:block;font-weight:600;margin-top:1rem}
  input{width:100%;padding:.6rem;margin-top:.25rem;border:1px solid #8a93a6;border-radius:4px;font:inherit}
  input:focus,button:focus,a:focus{outline:3px solid #2f6fde;outline-offset:2px}
  button{margin-top:1.5rem;width:100%;padding:.7rem;border:0;border-radius:4px;background:#2f5fc4;color:#fff;font:inherit;font-weight:600;cursor:pointer}
  .error{background:#fdecec;border:1px solid #c0392b;color:#8e1b10;padding:.6rem .8rem;border-radius:4px}
  p.alt{margin-top:1.25rem;text-align:center}
`;

const PRODUCT_NAME = 'User-Order API';

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${PRODUCT_NAME}</title>
<link rel="icon" href="data:image/svg+xml,${encodeURIComponent(FAVICON_SVG)}">
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

function errorBlock(error: string | undefined): string {
  // role=alert makes screen readers announce the error when the page loads.
  return error ? `<p class="error" role="alert" id="form-error">${escapeHtml(error)}</p>` : '';
}

export interface LoginForm {
  readonly returnTo: string;
  readonly error?: string;
  readonly username?: string;
  /** Development only: name the sample accounts (their passwords are in data/sample-data.yaml). */
  readonly sampleAccountsHint?: boolean;
}

export function loginPage({ returnTo, error, username, sampleAccountsHint }: LoginForm): string {
  const described = error ? ' aria-describedby="form-error"' : '';
  const hint = sampleAccountsHint
    ? `<p class="alt">Development data: sign in as <code>jane01</code>, <code>john01</code> or the admin <code>admin01</code>, with the password <code>&lt;username&gt;-dev-password</code>.</p>`
    : '';
  return layout(
    'Sign in',
    `<h1>Sign in to ${PRODUCT_NAME}</h1>
${errorBlock(error)}
<form method="post" action="/auth/login"${described}>
  <input type="hidden" name="return_to" value="${escapeHtml(returnTo)}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required maxlength="100" value="${escapeHtml(username ?? '')}"${username ? '' : ' autofocus'}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128"${username ? ' autofocus' : ''}>
  <button type="submit">Sign in</button>
</form>
<p class="alt">No account? <a href="/auth/signup?return_to=${encodeURIComponent(returnTo)}">Create one</a></p>
${hint}`,
  );
}

export interface SignupForm {
  readonly returnTo: string;
  readonly error?: string;
  readonly values?: Partial<Record<'username' | 'primary_email' | 'full_name', string>>;
}

export function signupPage({ returnTo, error, values = {} }: SignupForm): string {
  const value = (name: keyof NonNullable<SignupForm['values']>) => escapeHtml(values[name] ?? '');
  return layout(
    'Create an account',
    `<h1>Create an account</h1>
${errorBlock(error)}
<form method="post" action="/auth/signup">
  <input type="hidden" name="return_to" value="${escapeHtml(returnTo)}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required maxlength="100" value="${value('username')}" autofocus>
  <label for="full_name">Full name (optional)</label>
  <input id="full_name" name="full_name" autocomplete="name" maxlength="200" value="${value('full_name')}">
  <label for="primary_email">Email</label>
  <input id="primary_email" name="primary_email" type="email" autocomplete="email" required maxlength="254" value="${value('primary_email')}">
  <label for="password">Password (8 to 128 characters)</label>
  <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="128">
  <button type="submit">Create account</button>
</form>
<p class="alt">Already registered? <a href="/auth/login?return_to=${encodeURIComponent(returnTo)}">Sign in</a></p>`,
  );
}

/** What a person sees when the service cannot answer right now (the database is down). */
export function unavailablePage(requestId: string): string {
  return layout(
    'Temporarily unavailable',
    `<h1>Temporarily unavailable</h1>
<p class="error" role="alert">We cannot sign you in right now. Please try again in a minute.</p>
<p class="alt">Reference: <code>${escapeHtml(requestId)}</code></p>`,
  );
}
