/**
 * `npm run demo`: provisiond end to end with no IdP at hand. Starts the Graph/Entra fake (HTTPS,
 * throwaway certificate) with a small directory and a SCIM 2.0 server, then runs the real CLI
 * (`node dist/main.js --sync-now`) twice — an initial sync, then a sync of a few changes — and
 * prints what the app received.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGraphFake } from './graph-fake.js';
import { startScimServer } from './scim-server.js';
import { writeTestCertificate } from './tls.js';

// The demo is built into dist-dev/dev/; the product it runs is the one in dist/.
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');
// Demo-only credentials for the local fakes; a real deployment passes its own through the environment.
const DEMO_SECRET = 'demo-client-secret';
const DEMO_TOKEN = 'demo-scim-token';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'provisiond-demo-'));
  const tls = writeTestCertificate(dir);
  const graph = await startGraphFake({ tls, tenantId: 'contoso-demo', clientId: 'provisiond-demo', clientSecret: DEMO_SECRET, pageSize: 3 });
  const scim = await startScimServer({ token: DEMO_TOKEN });
  try {
    const people = [
      ['Ada', 'Lovelace', 'Analyst', 'Research'],
      ['Grace', 'Hopper', 'Rear Admiral', 'Navy'],
      ['Alan', 'Turing', 'Cryptanalyst', 'Research'],
      ['Katherine', 'Johnson', 'Mathematician', 'Flight'],
      ['Edsger', 'Dijkstra', 'Professor', 'Research'],
      ['Barbara', 'Liskov', 'Professor', 'Research'],
    ] as const;
    const ids = people.map(([given, surname, title, department]) =>
      graph.upsertUser({
        userPrincipalName: `${given.toLowerCase()}@contoso.example`,
        mail: `${given.toLowerCase()}@contoso.example`,
        givenName: given,
        surname,
        displayName: `${given} ${surname}`,
        jobTitle: title,
        department,
      }),
    );
    graph.upsertUser({ userPrincipalName: 'mallory@contoso.example', givenName: 'Mallory', surname: 'Disabled', accountEnabled: false });

    const config = join(dir, 'provisiond.yaml');
    writeFileSync(
      config,
      [
        `state: { path: ${JSON.stringify(join(dir, 'provisiond.db'))} }`,
        'sources:',
        '  contoso:',
        '    type: entra',
        '    tenantId: contoso-demo',
        '    clientId: provisiond-demo',
        '    clientSecret: ${ENTRA_CLIENT_SECRET}',
        `    graphUrl: ${graph.graphUrl}`,
        `    authorityHost: ${graph.authorityHost}`,
        'jobs:',
        '  - name: demo-app',
        '    source: contoso',
        '    target:',
        `      url: ${scim.url}`,
        '      token: ${DEMO_APP_SCIM_TOKEN}',
        '    users:',
        '      mappings:',
        '        - { target: userName, source: userPrincipalName, required: true }',
        '        - { target: externalId, source: objectId }',
        '        - { target: active, expression: \'Switch([IsSoftDeleted], , "False", "True", "True", "False")\' }',
        '        - { target: displayName, expression: \'Join(" ", [givenName], [surname])\' }',
        '        - { target: name.givenName, source: givenName }',
        '        - { target: name.familyName, source: surname }',
        '        - { target: \'emails[type eq "work"].value\', source: mail }',
        '        - { target: title, source: jobTitle }',
        '        - { target: \'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department\', source: department }',
        '    safety: { maxDeletes: 2 }',
      ].join('\n'),
    );

    console.log(`Graph fake ${graph.graphUrl} — ${people.length + 1} users (one disabled), 3 per page`);
    console.log(`SCIM server ${scim.url}\n`);

    console.log('1) Initial sync: provisiond --sync-now');
    await runCli(config, dir, tls.certPath);
    printRequests(scim.requests);
    printUsers(scim.users());

    graph.patchUser(ids[0] as string, { jobTitle: 'Countess of Lovelace' });
    graph.patchUser(ids[1] as string, { accountEnabled: false });
    graph.hardDeleteUser(ids[2] as string);
    scim.clearRequests();
    console.log('\n2) Ada changed title, Grace was disabled, Alan was deleted: provisiond --sync-now');
    await runCli(config, dir, tls.certPath);
    printRequests(scim.requests);
    printUsers(scim.users());
    console.log(`\nThe snapshot is in ${join(dir, 'provisiond.db')} (removed on exit). Next: cp config/example.yaml config/provisiond.yaml`);
  } finally {
    await scim.close();
    await graph.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function runCli(config: string, cwd: string, certPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--sync-now', '--config', config], {
      cwd,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath, ENTRA_CLIENT_SECRET: DEMO_SECRET, DEMO_APP_SCIM_TOKEN: DEMO_TOKEN },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        const record = JSON.parse(line) as { msg?: string; outcome?: string; counts?: Record<string, number>; reason?: string; mode?: string };
        if (record.mode) console.log(`   ${record.msg}`);
        if (record.msg?.startsWith('cycle ')) {
          const c = record.counts ?? {};
          console.log(`   cycle ${record.outcome}: read ${c.read}, in scope ${c.inScope}, created ${c.created}, updated ${c.updated}, disabled ${c.disabled}, deleted ${c.deleted}, failed ${c.failed}${record.reason ? ` — ${record.reason}` : ''}`);
        }
      }
      console.log(`   exit code ${code}`);
      resolve();
    });
  });
}

function printRequests(requests: readonly { method: string; path: string; status: number; body: unknown }[]): void {
  const writes = requests.filter((r) => r.method !== 'GET');
  console.log(`   the app received ${requests.length} requests, ${writes.length} of them writes:`);
  for (const r of writes) {
    const ops = (r.body as { Operations?: { op: string; path: string; value: unknown }[] } | undefined)?.Operations;
    const detail = ops ? ops.map((o) => `${o.op} ${o.path}=${JSON.stringify(o.value)}`).join(', ') : r.method === 'POST' ? String((r.body as { userName?: string }).userName) : '';
    console.log(`     ${r.method} ${r.path.split('?')[0]} → ${r.status}  ${detail}`);
  }
}

function printUsers(users: readonly Record<string, unknown>[]): void {
  console.table(
    users.map((u) => ({
      userName: u.userName,
      displayName: u.displayName,
      title: u.title,
      active: u.active,
    })),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
