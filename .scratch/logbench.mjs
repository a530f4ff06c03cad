import { pino, destination } from 'pino';
import { openSync } from 'node:fs';
import { REDACTED_PATHS } from '/work/main/dist/log.js';
const fd = openSync('/tmp/logbench.out', 'w');
const variants = {
  current: () => pino({ level: 'info', base: { service: 'provisiond' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (l) => ({ level: l }) }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination({ dest: fd, sync: true })),
  buffered: () => pino({ level: 'info', base: { service: 'provisiond' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (l) => ({ level: l }) }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination({ dest: fd, sync: true, minLength: 8192 })),
  noredact: () => pino({ level: 'info', base: { service: 'provisiond' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (l) => ({ level: l }) } }, destination({ dest: fd, sync: true, minLength: 8192 })),
  noredactEpoch: () => pino({ level: 'info', base: { service: 'provisiond' }, formatters: { level: (l) => ({ level: l }) } }, destination({ dest: fd, sync: true, minLength: 8192 })),
  asyncBuf: () => pino({ level: 'info', base: { service: 'provisiond' }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (l) => ({ level: l }) }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination({ dest: fd, sync: false, minLength: 8192 })),
};
for (const round of [1,2]) for (const [name, make] of Object.entries(variants)) {
  const log = make().child({ job: 'flip', runId: 12 });
  const n = 100000; const t = performance.now(); const c = process.cpuUsage();
  for (let i = 0; i < n; i++) log.info({ op: 'create', sourceId: `0000${i}-aaaa-bbbb-cccc-dddddddddddd`, user: `user${i}@contoso.example`, targetId: `ffff${i}-aaaa-bbbb-cccc-dddddddddddd`, outcome: 'created', status: 201 }, `created user${i}@contoso.example`);
  const cpu = process.cpuUsage(c);
  if (round === 2) console.log(name, ((performance.now() - t) / n * 1000).toFixed(1), 'µs/line wall', ((cpu.user + cpu.system) / n).toFixed(1), 'µs cpu');
  await new Promise(r => setTimeout(r, 200));
}
