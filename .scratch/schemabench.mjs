import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { randomUUID, hash } from 'node:crypto';
const variant = process.argv[2];
const batchSize = Number(process.argv[3] ?? 1000);
const path = `/tmp/schemabench.db`;
for (const f of [path, path + '-wal', path + '-shm']) rmSync(f, { force: true });
const db = new Database(path);
db.pragma('journal_mode = WAL'); db.pragma('synchronous = NORMAL'); db.pragma('temp_store = MEMORY');
if (variant.includes('ckpt')) db.pragma('wal_autocheckpoint = ' + (process.env.CK ?? 20000) + '');
if (variant.includes('cache')) db.pragma('cache_size = -32000');
const rowid = variant.includes('rowid');
db.exec(`CREATE TABLE links (job TEXT NOT NULL, kind TEXT NOT NULL, source_id TEXT NOT NULL, target_id TEXT NOT NULL, label TEXT NOT NULL, state TEXT NOT NULL, attributes TEXT NOT NULL, hash TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL ${rowid ? '' : ', PRIMARY KEY (job, kind, source_id)'}) ${rowid ? '' : 'WITHOUT ROWID'};
 ${rowid ? 'CREATE UNIQUE INDEX links_pk ON links (job, kind, source_id);' : ''}
 CREATE INDEX links_by_target ON links (job, kind, target_id);
 CREATE TABLE pending (job TEXT, kind TEXT, source_id TEXT, PRIMARY KEY (job, kind, source_id)) WITHOUT ROWID;`);
const ins = db.prepare(`INSERT INTO links (job, kind, source_id, target_id, label, state, attributes, hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
 ON CONFLICT (job, kind, source_id) DO UPDATE SET target_id = excluded.target_id, label = excluded.label, state = excluded.state, attributes = excluded.attributes, hash = excluded.hash, updated_at = excluded.updated_at`);
const del = db.prepare('DELETE FROM pending WHERE job = ? AND kind = ? AND source_id = ?');
const claim = db.prepare("SELECT source_id, label FROM links INDEXED BY links_by_target WHERE job = ? AND kind = ? AND target_id = ? AND state != 'deleted' LIMIT 1");
const attrs = (i) => ({ userName: `user${i}@contoso.example`, active: true, displayName: `User Number ${i}`, 'name.givenName': 'User', 'name.familyName': `Number${i}`, 'emails[type eq "work"].value': `user${i}@contoso.example`, title: 'Engineer', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'Research', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber': String(100000 + i), preferredLanguage: 'en-US', externalId: randomUUID() });
const n = 100000; let batch = [];
const write = db.transaction((rows) => { for (const r of rows) { const now = new Date().toISOString(); ins.run('bench', 'user', r.s, r.t, r.l, 'active', JSON.stringify(r.a), hash('sha256', JSON.stringify(r.a), 'base64url').slice(0, 22), now, now); if (!variant.includes('nodel')) del.run('bench', 'user', r.s); } });
const t = performance.now(); const c = process.cpuUsage();
for (let i = 0; i < n; i++) {
  const t2 = randomUUID();
  claim.get('bench', 'user', t2);
  batch.push({ s: randomUUID(), t: t2, l: `user${i}@contoso.example`, a: attrs(i) });
  if (batch.length === batchSize) { write(batch); batch = []; }
}
const cpu = process.cpuUsage(c);
console.log(variant, batchSize, ((performance.now() - t) / n * 1000).toFixed(1), 'µs/link wall', ((cpu.user + cpu.system) / n).toFixed(1), 'µs cpu');
