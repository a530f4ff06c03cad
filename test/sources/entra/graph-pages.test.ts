/** The pure checks of graph-pages: which links may be followed, and which page elements are believed. */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { Client } from '@microsoft/microsoft-graph-client';
import { acceptItems, checkLink, graphGroupSchema, graphUserSchema, type GraphReader } from '../../../src/sources/entra/graph-pages.js';
import { SourceReadError, type RejectedObject } from '../../../src/sources/source.js';

const reader: GraphReader = {
  source: 'corp',
  client: {} as Client,
  maxRetries: 0,
  stats: { requests: 0, retries: 0, throttledMs: 0 },
  origins: new Set(['https://graph.contoso.example:8443', 'https://graph.microsoft.com']),
};

function rejections(items: unknown[], schema: z.ZodType = graphUserSchema, names?: string[]): { accepted: unknown[]; rejected: RejectedObject[] } {
  const rejected: RejectedObject[] = [];
  const accepted = acceptItems('corp', items, schema, (item) => `users page 3, item ${item}`, (r) => rejected.push(r), names);
  return { accepted, rejected };
}

describe('checkLink', () => {
  it('allows the configured origin and the cloud’s', () => {
    expect(() => checkLink(reader, 'https://graph.contoso.example:8443/v1.0/users?$skiptoken=x', 'link')).not.toThrow();
    expect(() => checkLink(reader, 'https://graph.microsoft.com/v1.0/users?$skiptoken=x', 'link')).not.toThrow();
  });

  it.each([
    ['another port', 'https://graph.contoso.example:9443/v1.0/users', 'https://graph.contoso.example:9443'],
    ['the default port of the same host', 'https://graph.contoso.example/v1.0/users', 'https://graph.contoso.example'],
    ['plain http', 'http://graph.contoso.example:8443/v1.0/users', 'http://graph.contoso.example:8443'],
    ['a look-alike host', 'https://graph.microsoft.com.evil.example/v1.0/users', 'https://graph.microsoft.com.evil.example'],
  ])('refuses %s', (_, link, origin) => {
    expect(() => checkLink(reader, link, "reading users (page 2): Graph's @odata.nextLink")).toThrow(
      new SourceReadError('corp', `reading users (page 2): Graph's @odata.nextLink points at ${origin}, not at the configured Graph endpoint (https://graph.contoso.example:8443 or https://graph.microsoft.com); it was not followed, so no token went there, and the read is incomplete`),
    );
  });

  it('refuses a relative link', () => {
    expect(() => checkLink(reader, '/v1.0/users?$skiptoken=x', 'link')).toThrow(/link is not an absolute URL/);
  });
});

describe('acceptItems', () => {
  it('keeps believable objects and reports the rest with a name, else their place', () => {
    const { accepted, rejected } = rejections([
      { id: 'u1', userPrincipalName: 'ada@contoso.example' },
      null,
      'a string',
      [],
      { userPrincipalName: 'grace@contoso.example' },
      { id: '', displayName: 'Ken' },
      { id: 42 },
      { id: 'u2', accountEnabled: 'false', userPrincipalName: 'linus@contoso.example' },
      { id: 'u3', onPremisesExtensionAttributes: { extensionAttribute1: { nested: true } } },
      { id: 'u4', accountEnabled: false },
    ]);
    expect(accepted).toEqual([{ id: 'u1', userPrincipalName: 'ada@contoso.example' }, { id: 'u4', accountEnabled: false }]);
    expect(rejected).toEqual([
      { label: 'users page 3, item 2', error: 'not a JSON object (null)' },
      { label: 'users page 3, item 3', error: 'not a JSON object (string)' },
      { label: 'users page 3, item 4', error: 'not a JSON object (an array)' },
      { label: 'grace@contoso.example', error: 'id: no string id' },
      { label: 'Ken', error: 'id: empty id' },
      { label: 'users page 3, item 7', error: 'id: no string id' },
      // A string "false" would read as enabled: the user is reported, with its id, not provisioned as enabled.
      { id: 'u2', label: 'linus@contoso.example', error: expect.stringMatching(/^accountEnabled: /) },
      { id: 'u3', label: 'users page 3, item 9', error: expect.stringMatching(/^onPremisesExtensionAttributes\.extensionAttribute1: /) },
    ]);
  });

  it('names groups by displayName', () => {
    expect(rejections([{ displayName: 'Engineers' }], graphGroupSchema, ['displayName']).rejected).toEqual([{ label: 'Engineers', error: 'id: no string id' }]);
  });

  it('without onRejected, a bad element fails the read rather than vanish', () => {
    expect(() => acceptItems('corp', [{ id: 'u1' }, null], graphUserSchema, (item) => `users page 1, item ${item}`, undefined)).toThrow(
      new SourceReadError('corp', 'users page 1, item 2: not a JSON object (null); the read is incomplete'),
    );
  });
});
