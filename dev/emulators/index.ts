/** The app emulators by name: the dev SCIM server with one app's rules (see each file's header for its guide). */
import type { ScimAppProfile } from '../scim-server/server.js';
import { flagsmith } from './flagsmith.js';
import { flip } from './flip.js';
import { flosum } from './flosum.js';
import { flowConnect } from './flow-connect.js';
import { genericPlatform } from './generic-platform.js';

export const EMULATORS: Readonly<Record<string, ScimAppProfile>> = {
  flagsmith,
  flip,
  flosum,
  'flow-connect': flowConnect,
  'generic-platform': genericPlatform,
};

export function emulator(name: string): ScimAppProfile {
  const profile = EMULATORS[name];
  if (!profile) throw new Error(`no emulator "${name}"; known: ${Object.keys(EMULATORS).join(', ')}`);
  return profile;
}
