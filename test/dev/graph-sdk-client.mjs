// Drives the real @azure/identity + @microsoft/microsoft-graph-client against
// the Graph fake. It runs as a child process because the fake's self-signed
// certificate can only be trusted by the SDKs' default TLS stacks (MSAL's
// https agent and global fetch) through NODE_EXTRA_CA_CERTS, which Node reads
// once at startup; Node 20 has no tls.setDefaultCACertificates.
//
// Input: JSON in argv[2] ({ main, shortLived, clientCert, otherCert }).
// Output: one JSON line with the outcome of each scenario.
import { ClientCertificateCredential, ClientSecretCredential } from '@azure/identity';
import { Client, PageIterator } from '@microsoft/microsoft-graph-client';
// ESM cannot import the package's directory entry point, hence /index.js.
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';

const input = JSON.parse(process.argv[2]);
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

function graphClient(fake, credential) {
  const authProvider = new TokenCredentialAuthenticationProvider(credential, { scopes: [GRAPH_SCOPE] });
  return Client.initWithMiddleware({
    authProvider,
    // The SDK appends the version itself: baseUrl is the origin, not graphUrl.
    baseUrl: fake.graphBaseUrl,
    // The SDK only attaches tokens for Graph hosts; port is ignored in the match.
    customHosts: new Set(['127.0.0.1']),
  });
}

function secretCredential(fake, secret = fake.clientSecret) {
  return new ClientSecretCredential(fake.tenantId, fake.clientId, secret, {
    authorityHost: fake.authorityHost,
    disableInstanceDiscovery: true,
  });
}

function describeError(error) {
  return {
    name: error?.name,
    code: error?.code,
    statusCode: error?.statusCode,
    message: String(error?.message ?? error),
  };
}

async function admin(fake, path, method = 'POST') {
  const res = await fetch(`${fake.authorityHost}/_admin/${path}`, { method });
  return res.status === 204 ? undefined : res.json();
}

async function paging() {
  const client = graphClient(input.main, secretCredential(input.main));
  let page = await client.api('/users').select(['id', 'userPrincipalName', 'accountEnabled']).top(100).get();
  const ids = page.value.map((u) => u.id);
  const pageSizes = [page.value.length];
  while (page['@odata.nextLink']) {
    page = await client.api(page['@odata.nextLink']).get();
    ids.push(...page.value.map((u) => u.id));
    pageSizes.push(page.value.length);
  }
  // The SDK's own iterator follows the same links.
  let iterated = 0;
  const first = await client.api('/users').select('id').top(100).get();
  await new PageIterator(client, first, () => {
    iterated += 1;
    return true;
  }).iterate();
  return { count: ids.length, distinct: new Set(ids).size, pageSizes, iterated, sample: page.value[0] };
}

async function wrongSecret() {
  const client = graphClient(input.main, secretCredential(input.main, 'not-the-secret'));
  try {
    await client.api('/users').top(1).get();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

async function revokedToken() {
  const credential = secretCredential(input.main);
  const client = graphClient(input.main, credential);
  await client.api('/users').top(1).get();
  await admin(input.main, 'expireTokens');
  let afterExpire;
  try {
    await client.api('/users').top(1).get();
    afterExpire = { ok: true };
  } catch (error) {
    afterExpire = { ok: false, error: describeError(error) };
  }
  // A new credential has an empty MSAL cache, so it asks the authority again.
  const fresh = graphClient(input.main, secretCredential(input.main));
  const recovered = (await fresh.api('/users').top(1).get()).value.length;
  return { afterExpire, recovered };
}

async function naturalExpiry() {
  const fake = input.shortLived;
  const client = graphClient(fake, secretCredential(fake));
  await client.api('/users').top(1).get();
  const before = await admin(fake, 'stats', 'GET');
  await new Promise((resolve) => setTimeout(resolve, 1200)); // token lifetime is 1 s
  const users = (await client.api('/users').top(1).get()).value.length;
  const after = await admin(fake, 'stats', 'GET');
  return { users, tokensBefore: before.tokensIssued, tokensAfter: after.tokensIssued, unauthorized: after.unauthorized };
}

async function certificate() {
  const fake = input.main;
  const options = { authorityHost: fake.authorityHost, disableInstanceDiscovery: true };
  const good = new ClientCertificateCredential(fake.tenantId, fake.clientId, { certificate: input.clientCert }, options);
  const users = (await graphClient(fake, good).api('/users').top(1).get()).value.length;
  const bad = new ClientCertificateCredential(fake.tenantId, fake.clientId, { certificate: input.otherCert }, options);
  try {
    await graphClient(fake, bad).api('/users').top(1).get();
    return { users, unregistered: { ok: true } };
  } catch (error) {
    return { users, unregistered: { ok: false, error: describeError(error) } };
  }
}

async function throttled() {
  const client = graphClient(input.main, secretCredential(input.main));
  const before = await admin(input.main, 'stats', 'GET');
  await fetch(`${input.main.authorityHost}/_admin/throttle`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ next: 1, retryAfterSeconds: 0 }),
  });
  const users = (await client.api('/users').top(1).get()).value.length;
  const after = await admin(input.main, 'stats', 'GET');
  return { users, throttled: after.throttled - before.throttled };
}

const results = {};
for (const [name, scenario] of Object.entries({ paging, wrongSecret, revokedToken, naturalExpiry, certificate, throttled })) {
  try {
    results[name] = await scenario();
  } catch (error) {
    results[name] = { crashed: describeError(error) };
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);
// SDK keep-alive sockets would otherwise hold the process open for a while.
process.exit(0);
