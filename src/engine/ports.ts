/**
 * What the engine needs from the outside world to work on one job, each behind an interface the
 * engine declares: the IdP (Source), the app (ScimClient), the snapshot (StateStore), a logger, and
 * the clock and environment that expressions see. A cycle, provision on demand and reconcile all
 * take these; the adapters in sources/, scim/ and state/ implement them.
 */
import type { PreparedJob } from '../config/load.js';
import type { Logger } from '../log.js';
import type { MappingEnvironment } from '../mapping/map.js';
import type { ScimClient } from '../scim/client.js';
import type { Source } from '../sources/source.js';
import type { StateStore } from '../state/store.js';

export interface JobPorts {
  readonly job: PreparedJob;
  readonly source: Source;
  readonly store: StateStore;
  readonly client: ScimClient;
  readonly log: Logger;
  readonly env: MappingEnvironment;
}
