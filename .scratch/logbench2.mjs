import { pino, destination } from 'pino';
import { openSync } from 'node:fs';
import { REDACTED_PATHS } from '/work/main/dist/log.js';
const fd = openSync('/tmp/logbench.out', 'w');
const SECRET = new Set(['token','clientSecret','certificatePassword','password','authorization','apiToken','privateKey']);
function scrub(value, depth) {
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) { let out; for (let i = 0; i < value.length; i++) { const v = value[i]; const s = scrub(v, depth + 1); if (s !== v) { out ??= value.slice(); out[i] = s; } } return out ?? value; }
  let out;
  for (const key in value) { const v = value[key]; const s = SECRET.has(key) ? '[redacted]' : (typeof v === 'object' && v !== null ? scrub(v, depth + 1) : v); if (s !== v) { out ??= { ...value }; out[key] = s; } }
  return out ?? value;
}
const base = { level: 'info', base: { service: 'provisiond' }, timestamp: pino.stdTimeFunctions.isoTime };
const variants = {
  plainPaths: () => pino({ ...base, formatters: { level: (l) => ({ level: l }) }, redact: { paths: REDACTED_PATHS.filter(p => !p.includes('*')), censor: '[redacted]' } }, destination({ dest: fd, sync: true, minLength: 8192 })),
  scrubFormatter: () => pino({ ...base, formatters: { level: (l) => ({ level: l }), log: (o) => scrub(o, 0) } }, destination({ dest: fd, sync: true, minLength: 8192 })),
  noredact: () => pino({ ...base, formatters: { level: (l) => ({ level: l }) } }, destination({ dest: fd, sync: true, minLength: 8192 })),
};
for (const round of [1,2]) for (const [name, make] of Object.entries(variants)) {
  const log = make().child({ job: 'flip', runId: 12 });
  const n = 100000; const t = performance.now(); const c = process.cpuUsage();
  for (let i = 0; i < n; i++) log.info({ op: 'create', sourceId: `0000${i}-aaaa-bbbb-cccc-dddddddddddd`, user: `user${i}@contoso.example`, targetId: `ffff${i}-aaaa-bbbb-cccc-dddddddddddd`, outcome: 'created', status: 201 }, `created user${i}@contoso.example`);
  const cpu = process.cpuUsage(c);
  if (round === 2) console.log(name, ((performance.now() - t) / n * 1000).toFixed(1), 'µs/line wall', ((cpu.user + cpu.system) / n).toFixed(1), 'µs cpu');
  await new Promise(r => setTimeout(r, 200));
}
const l = pino({ ...base, formatters: { log: (o) => scrub(o, 0) } }); l.info({ a: { token: 'x', b: [{ password: 'y' }] }, clientSecret: 's' }, 'check');
