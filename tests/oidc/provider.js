// A real OpenID Connect provider (the certified `oidc-provider` package) for the single
// sign-on tests. Loopback only, one static client, a few accounts, the package's own
// development login screen (no consent screen for this first-party app), and it exits by
// itself after OIDC_MAX_SECONDS.
//
//   OIDC_PORT=9100 OIDC_REDIRECT_URIS=http://127.0.0.1:8501/api/sso/callback node provider.js
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 9100);
const issuer = `http://127.0.0.1:${port}`;
const redirectUris = (process.env.OIDC_REDIRECT_URIS || '').split(',').filter(Boolean);
const maxSeconds = Number(process.env.OIDC_MAX_SECONDS || 900);

// Who can sign in at this provider (type the key as the login; any password).
const ACCOUNTS = {
  known: { email: 'Known.Person@Example.COM', email_verified: true, name: 'Known Person' },
  newcomer: { email: 'newcomer@example.com', email_verified: true, name: 'New Comer' },
  gone: { email: 'gone@example.com', email_verified: true, name: 'Gone Person' },
  unverified: { email: 'known.person@example.com', email_verified: false, name: 'Not Verified' },
};

const configuration = {
  clients: [
    {
      client_id: 'training-app',
      client_secret: 'test-only-client-secret',
      redirect_uris: redirectUris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...account }; } };
  },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['test-only-cookie-key'] },
  // The app is a first-party client: grant its scopes without a consent screen, as an
  // organisation's own provider usually does.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  features: { devInteractions: { enabled: true } },
};

const provider = new Provider(issuer, configuration);
const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ready at ${issuer}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(() => { console.log('oidc-provider: time is up, exiting'); process.exit(0); }, maxSeconds * 1000).unref();
