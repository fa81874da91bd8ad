// A real OpenID provider for the tests: node-oidc-provider (a certified implementation), one client,
// test accounts read afresh from a JSON file on every login and every token/userinfo answer, and
// login/consent pages of its own (a plain form; consent is granted without asking).
//
//   node identity/tests/idp/oidc_provider.mjs PORT
//
// Environment: OIDC_TEST_ISSUER (default http://127.0.0.1:PORT), OIDC_TEST_CLIENT_ID,
// OIDC_TEST_CLIENT_SECRET, OIDC_TEST_REDIRECT_URI, OIDC_TEST_POST_LOGOUT_REDIRECT_URI,
// OIDC_TEST_ACCOUNTS (path of {"<sub>": {"password", "amr", ...claims}}), OIDC_TEST_EVENTS (path of a
// file that gets one JSON line per login and per ended session, for the tests to read).
//
// The `amr` of an account is what the login asserts (the session's authentication methods): an
// account with ["pwd", "otp"] logs in "with a second factor", one with ["pwd"] without.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.argv[2] || process.env.OIDC_TEST_PORT);
if (!port) {
  console.error('usage: oidc_provider.mjs PORT (or OIDC_TEST_PORT)');
  process.exit(2);
}
const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};
const issuer = process.env.OIDC_TEST_ISSUER || `http://127.0.0.1:${port}`;
const accountsFile = env('OIDC_TEST_ACCOUNTS');
const eventsFile = process.env.OIDC_TEST_EVENTS;

const accounts = () => JSON.parse(readFileSync(accountsFile, 'utf-8'));
const record = (event) => {
  if (eventsFile) appendFileSync(eventsFile, `${JSON.stringify(event)}\n`);
};
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', use: 'sig', alg: 'RS256' };

const configuration = {
  clients: [
    {
      client_id: env('OIDC_TEST_CLIENT_ID'),
      client_secret: env('OIDC_TEST_CLIENT_SECRET'),
      redirect_uris: [env('OIDC_TEST_REDIRECT_URI')],
      post_logout_redirect_uris: [env('OIDC_TEST_POST_LOGOUT_REDIRECT_URI')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    // amr: the session's authentication methods, as the login asserted them, in the ID token.
    openid: ['sub', 'amr', 'acr', 'auth_time'],
    sid: null,
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Sign out</title></head><body>
          <h1>Sign out of the test provider?</h1>${form}
          <button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button></body></html>`;
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Signed out</title></head><body><h1>Signed out</h1></body></html>';
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, sub) => {
    const account = accounts()[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      claims: async () => {
        const { password, amr, ...claims } = accounts()[sub] ?? account;
        return { ...claims, sub };
      },
    };
  },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, AuthorizationCode: 60, IdToken: 600 },
};

const provider = new Provider(issuer, configuration);
provider.on('end_session.success', (ctx) => record({ event: 'end_session', sub: ctx.oidc.session?.accountId ?? null }));
const providerCallback = provider.callback();

const loginPage = (uid, error = '') => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Test provider: sign in</title></head>
<body><h1>Sign in to the test provider</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>Username <input name="login" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></body></html>`;

const readBody = (req) =>
  new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });

const send = (res, status, html) => {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
  res.end(html);
};

async function consent(req, res, details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  const savedId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId: savedId } }, { mergeWithLastSubmission: true });
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return send(res, 400, 'interaction mismatch');
  if (details.prompt.name === 'consent') return consent(req, res, details);
  if (req.method === 'GET' && !action) return send(res, 200, loginPage(uid));
  if (req.method === 'POST' && action === 'login') {
    const form = await readBody(req);
    const sub = form.get('login') || '';
    const account = accounts()[sub];
    if (!account || account.password !== form.get('password')) {
      return send(res, 200, loginPage(uid, 'Unknown user or wrong password.'));
    }
    record({ event: 'login', sub, amr: account.amr ?? ['pwd'] });
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: sub, amr: account.amr ?? ['pwd'] } },
      { mergeWithLastSubmission: false },
    );
  }
  return send(res, 405, 'method not allowed');
}

const server = http.createServer(async (req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(\w+))?$/.exec(new URL(req.url, issuer).pathname);
  if (!match) return providerCallback(req, res);
  try {
    await interaction(req, res, match[1], match[2]);
  } catch (error) {
    send(res, 400, `interaction failed: ${escape(error.message)}`);
  }
  return undefined;
});
server.listen(port, '127.0.0.1', () => console.log(`oidc test provider at ${issuer}`));
