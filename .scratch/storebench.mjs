import { StateStore } from '/work/main/dist/state/store.js';
import { rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
const variant = process.argv[2] ?? 'current';
const path = `/tmp/storebench-${variant}.db`;
for (const f of [path, path + '-wal', path + '-shm']) rmSync(f, { force: true });
const store = StateStore.open(path);
const db = store['db'];
if (variant.includes('ckpt')) db.pragma('wal_autocheckpoint = 10000');
if (variant.includes('cache')) db.pragma('cache_size = -32000');
const n = 100000;
const attrs = (i) => ({ userName: `user${i}@contoso.example`, active: true, displayName: `User Number ${i}`, 'name.givenName': 'User', 'name.familyName': `Number${i}`, 'emails[type eq "work"].value': `user${i}@contoso.example`, title: 'Engineer', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'Research', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': String(100000 + i), preferredLanguage: 'en-US', locale: 'en-US', 'addresses[type eq "work"].country': 'US', 'phoneNumbers[type eq "work"].value': '+1 555 0100', externalId: randomUUID(), nickName: `u${i}` });
const t = performance.now(); const c = process.cpuUsage();
let claimMs = 0;
let batch = [];
for (let i = 0; i < n; i++) {
  const targetId = randomUUID();
  const t0 = performance.now();
  store.linkedSourceOf('bench', 'user', targetId);
  claimMs += performance.now() - t0;
  batch.push({ type: 'link', kind: 'user', link: { sourceId: randomUUID(), targetId, label: `user${i}@contoso.example`, state: 'active', attributes: attrs(i) } });
  if (batch.length === 1000) { store.writeBatch('bench', batch); batch = []; }
}
const cpu = process.cpuUsage(c);
console.log(variant, ((performance.now() - t) / n * 1000).toFixed(1), 'µs/link wall', ((cpu.user + cpu.system) / n).toFixed(1), 'µs cpu; claim', (claimMs / n * 1000).toFixed(1), 'µs');
