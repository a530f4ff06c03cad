import { describe, expect, it } from 'vitest';
import { ScimResponseError } from '../../src/scim/errors.js';
import { parseListResponse, resourceIdOf, withResourceIds } from '../../src/scim/responses.js';

const context = { method: 'POST', path: '/Users', status: 201 };

function problemOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ScimResponseError);
    expect(error).toMatchObject(context);
    return (error as ScimResponseError).problem;
  }
  throw new Error('expected a ScimResponseError');
}

describe('resourceIdOf', () => {
  it('returns a string id as it is and a numeric one as its decimal string', () => {
    expect(resourceIdOf({ id: 'a b/c', userName: 'x' }, context)).toBe('a b/c');
    expect(resourceIdOf({ id: 42 }, context)).toBe('42');
    expect(resourceIdOf({ id: 0 }, context)).toBe('0');
  });

  it('names what is wrong with a body that has no usable id', () => {
    expect(problemOf(() => resourceIdOf({ id: '  ' }, context))).toBe("the resource's id is empty");
    expect(problemOf(() => resourceIdOf({ id: null }, context))).toBe("the resource's id is null, not a string");
    expect(problemOf(() => resourceIdOf({ id: { value: '1' } }, context))).toBe("the resource's id is an object, not a string");
    // JSON.parse has already rounded an id beyond 2^53; its string would name another resource.
    expect(problemOf(() => resourceIdOf(JSON.parse('{"id":12345678901234567890}'), context))).toContain('cannot be read exactly');
    expect(problemOf(() => resourceIdOf(null, context))).toBe('the body is null, not a JSON object');
    expect(problemOf(() => resourceIdOf('x'.repeat(200), context))).toMatch(/^the body is text "x{60}…", not a JSON object$/);
  });

  it('puts the request and status into the error message', () => {
    expect(() => resourceIdOf({}, context)).toThrow("POST /Users → 201: the app's answer is not a valid SCIM response: the resource's id is missing");
  });
});

describe('parseListResponse', () => {
  it('returns the resources and the paging numbers the app gave', () => {
    expect(parseListResponse({ schemas: ['x'], totalResults: 3, itemsPerPage: 1, startIndex: 2, Resources: [{ id: 'b' }] }, context)).toEqual({
      resources: [{ id: 'b' }],
      totalResults: 3,
      itemsPerPage: 1,
      startIndex: 2,
    });
    expect(parseListResponse({ Resources: [] }, context)).toEqual({ resources: [] });
    expect(parseListResponse({ totalResults: 0 }, context)).toEqual({ resources: [], totalResults: 0 });
  });

  it('refuses paging numbers that are not whole non-negative numbers', () => {
    expect(problemOf(() => parseListResponse({ Resources: [], totalResults: '3' }, context))).toBe('the ListResponse totalResults is text "3", not a number');
    expect(problemOf(() => parseListResponse({ Resources: [], totalResults: -1 }, context))).toBe('the ListResponse totalResults is negative');
    expect(problemOf(() => parseListResponse({ Resources: [], itemsPerPage: 2.5 }, context))).toBe('the ListResponse itemsPerPage is not a whole number');
  });

  it('names every broken resource up to three', () => {
    expect(problemOf(() => parseListResponse({ Resources: [{}, 1, 'a', [], true] }, context))).toBe(
      'the ListResponse Resources[1] is a number (1), not an object; Resources[2] is text "a", not an object; Resources[3] is an array, not an object',
    );
  });
});

describe('withResourceIds', () => {
  it('keeps resources with string ids untouched and converts numeric ids', () => {
    const kept = { id: 'a', userName: 'x' };
    const [first, second] = withResourceIds([kept, { id: 7, userName: 'y' }], context);
    expect(first).toBe(kept);
    expect(second).toEqual({ id: '7', userName: 'y' });
  });

  it('fails on the first resource without a usable id, naming its position', () => {
    expect(problemOf(() => withResourceIds([{ id: 'a' }, { id: '' }, {}], context))).toBe('Resources[1].id is empty');
  });
});
