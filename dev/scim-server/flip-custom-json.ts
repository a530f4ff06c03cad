/**
 * What Flip does with its customJson extension: the JSON string's attributes become the user's
 * custom attributes. Emulated here so end-to-end tests see a create carrying customJson followed
 * by updates to the standard custom extension paths behave as they do against Flip.
 */
const CUSTOM_JSON = 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User';
const CUSTOM = 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User';

interface CustomAttribute {
  technicalName: string;
  value: unknown;
}

export function applyFlipCustomJson(user: Record<string, unknown>): void {
  const carrier = user[CUSTOM_JSON] as { value?: unknown } | undefined;
  if (typeof carrier?.value !== 'string') return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(carrier.value);
  } catch {
    return; // Flip ignores a customJson it cannot parse; so does the fake.
  }
  const incoming = (parsed as { attributes?: unknown }).attributes;
  if (!Array.isArray(incoming)) return;
  const custom = (user[CUSTOM] as { attributes?: CustomAttribute[] } | undefined) ?? {};
  const attributes = [...(custom.attributes ?? [])];
  for (const entry of incoming as CustomAttribute[]) {
    if (typeof entry?.technicalName !== 'string') continue;
    const index = attributes.findIndex((a) => a.technicalName === entry.technicalName);
    if (index === -1) attributes.push({ technicalName: entry.technicalName, value: entry.value });
    else attributes[index] = { technicalName: entry.technicalName, value: entry.value };
  }
  user[CUSTOM] = { ...custom, attributes };
}
