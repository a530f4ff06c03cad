/**
 * What an Okta user or group must be to be believed. The SDK deserializes whatever Okta sends
 * into its models without checking them, so a user without an id, or with a status or profile of
 * the wrong type, would otherwise reach the engine (an empty id, a profile read character by character).
 */
import { z } from 'zod';

const id = z.string({ error: 'no string id' }).min(1, { error: 'empty id' });
/** The SDK's models are class instances: looseObject takes them, z.record would not. */
const profile = z.looseObject({}, { error: 'profile is not an object' }).nullish();
/** The user profile: `managerId` is the manager's Okta user id, which a manager mapping resolves as a reference. */
const userProfile = z
  .looseObject({ managerId: z.string({ error: 'profile.managerId is not a string' }).nullish() }, { error: 'profile is not an object' })
  .nullish();

export const oktaUserSchema = z.looseObject({ id, status: z.string({ error: 'status is not a string' }).nullish(), profile: userProfile });
export const oktaGroupSchema = z.looseObject({ id, type: z.string({ error: 'type is not a string' }).nullish(), profile });

/** Why `value` cannot be believed, or undefined when it can. */
export function problemWith(schema: z.ZodType, value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `not an object (${value === null ? 'null' : typeof value})`;
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  return result.error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

/** The org's user schema (`/api/v1/meta/schemas/user/default`): only the custom attributes' names are read. */
export const oktaUserSchemaDocument = z.looseObject({
  definitions: z
    .looseObject({ custom: z.looseObject({ properties: z.looseObject({}).nullish() }).nullish() })
    .nullish(),
});

