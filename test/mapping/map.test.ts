import { describe, expect, it } from 'vitest';
import type { MappingConfig } from '../../src/config/schema.js';
import { compileMappings, mapObject, MappingConfigError, type MappingSet } from '../../src/mapping/map.js';
import type { Attributes } from '../../src/sources/source.js';

const env = { now: () => new Date('2026-01-01T00:00:00Z'), random: () => 0.5 };
const m = (mapping: Partial<MappingConfig> & { target: string }): MappingConfig => ({ apply: 'always', required: false, ...mapping }) as MappingConfig;

function map(set: MappingSet, attributes: Attributes, softDeleted = false) {
  return mapObject({ id: 'u1', attributes }, softDeleted, set, env);
}

const FLIP_CUSTOM = 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User:attributes';
const FLIP_JSON = 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User:value';

describe('mapObject', () => {
  it('maps direct, constant and expression mappings, case-insensitively on source names', () => {
    const set = compileMappings([
      m({ target: 'userName', source: 'userPrincipalName' }),
      m({ target: 'title', constant: 'Staff' }),
      m({ target: 'displayName', expression: 'Join(" ", [GivenName], [surname])' }),
    ]);
    expect(map(set, { userPrincipalName: 'ada@x', givenName: 'Ada', surname: 'Lovelace' })).toEqual({
      ok: true,
      value: { attributes: { userName: 'ada@x', title: 'Staff', displayName: 'Ada Lovelace', active: true }, createOnly: {} },
    });
    expect(set.sourceAttributes).toEqual(['userPrincipalName', 'GivenName', 'surname']);
  });

  it('Flosum: Switch([IsSoftDeleted], …) gives active true in scope and false once soft-deleted', () => {
    const set = compileMappings([m({ target: 'active', expression: 'Switch([IsSoftDeleted],,"False","True","True","False")' })]);
    expect(map(set, {})).toMatchObject({ ok: true, value: { attributes: { active: true } } });
    expect(map(set, {}, true)).toMatchObject({ ok: true, value: { attributes: { active: false } } });
    expect(set.mapsActive).toBe(true);
  });

  it('sends apply: on-create mappings in the create only', () => {
    const set = compileMappings([m({ target: 'userName', source: 'upn' }), m({ target: 'password', expression: 'RandomString(8, 2, 0, 2, 2)', apply: 'on-create' })]);
    const result = map(set, { upn: 'a' });
    expect(result.ok && Object.keys(result.value.createOnly)).toEqual(['password']);
    expect(result.ok && result.value.attributes).not.toHaveProperty('password');
  });

  it('uses the default for a null or empty value, and skips an empty one without default (Entra never sends null)', () => {
    const set = compileMappings([m({ target: 'title', source: 'jobTitle', default: 'Employee' }), m({ target: 'nickName', source: 'nick' })]);
    expect(map(set, { jobTitle: '' })).toMatchObject({ ok: true, value: { attributes: { title: 'Employee' } } });
    const result = map(set, { jobTitle: 'CTO', nick: null });
    expect(result.ok && result.value.attributes).toEqual({ title: 'CTO', active: true });
  });

  it('skips the object with a clear error when a required value is missing', () => {
    const set = compileMappings([m({ target: 'userName', source: 'userPrincipalName', required: true })]);
    expect(map(set, {})).toEqual({ ok: false, error: 'required attribute userName is empty (mapping 0)' });
  });

  it('coerces "True"/"False" to booleans and reports an unparsable value naming the attribute', () => {
    const set = compileMappings([m({ target: 'active', source: 'flag' }), m({ target: 'urn:x:ext:2.0:User:level', source: 'level', type: 'integer' })]);
    expect(map(set, { flag: 'TRUE', level: '7' })).toMatchObject({ ok: true, value: { attributes: { active: true, 'urn:x:ext:2.0:User:level': 7 } } });
    expect(map(set, { flag: 'maybe' })).toEqual({ ok: false, error: 'active: expected a boolean ("True" or "False"), got "maybe"' });
    expect(map(set, { flag: 'true', level: 'seven' })).toEqual({ ok: false, error: 'urn:x:ext:2.0:User:level: expected an integer, got "seven"' });
  });

  it('drops an attribute when IgnoreFlowIfNullOrEmpty says so', () => {
    const set = compileMappings([m({ target: 'honorificPrefix', expression: 'IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr."))' })]);
    expect(map(set, { prefix: '9' })).toEqual({ ok: true, value: { attributes: { active: true }, createOnly: {} } });
    expect(map(set, { prefix: '3443' })).toMatchObject({ ok: true, value: { attributes: { honorificPrefix: 'Dr.' } } });
  });

  it('customJson: gathers Flip custom attributes into one escaped JSON string for the create', () => {
    const set = compileMappings(
      [
        m({ target: 'userName', source: 'upn' }),
        m({ target: `${FLIP_CUSTOM}[technicalName eq "custom_team"].value`, source: 'department' }),
        m({ target: `${FLIP_CUSTOM}[technicalName eq "custom_location"].value`, source: 'city' }),
      ],
      { customJson: FLIP_JSON },
    );
    const plain = map(set, { upn: 'a', department: 'Engineering', city: 'Berlin' });
    expect(plain.ok && plain.value.createOnly[FLIP_JSON]).toBe(
      '{"attributes":[{"technicalName":"custom_team","value":"Engineering"},{"technicalName":"custom_location","value":"Berlin"}]}',
    );
    // The values a hand-built Join would break on: quotes, backslashes, non-ASCII.
    const tricky = map(set, { upn: 'a', department: 'R&D "Core" \\ Ops', city: 'Zürich' });
    const json = tricky.ok ? (tricky.value.createOnly[FLIP_JSON] as string) : '';
    expect(JSON.parse(json)).toEqual({ attributes: [{ technicalName: 'custom_team', value: 'R&D "Core" \\ Ops' }, { technicalName: 'custom_location', value: 'Zürich' }] });
    // Updates keep using the standard extension paths.
    expect(tricky.ok && tricky.value.attributes[`${FLIP_CUSTOM}[technicalName eq "custom_location"].value`]).toBe('Zürich');
  });

  it('Flip: the hand-written Join from Flip’s guide renders the same JSON', () => {
    const join = `Join(
  "",
  "{\\"attributes\\":[{\\"technicalName\\":\\"custom_team\\",\\"value\\":\\"",
  [department],
  "\\"},{\\"technicalName\\":\\"custom_location\\",\\"value\\":\\"",
  [city],
  "\\"}]}"
)`;
    const set = compileMappings([m({ target: FLIP_JSON, expression: join })]);
    expect(map(set, { department: 'Engineering', city: 'Berlin' })).toMatchObject({
      ok: true,
      value: { attributes: { [FLIP_JSON]: '{"attributes":[{"technicalName":"custom_team","value":"Engineering"},{"technicalName":"custom_location","value":"Berlin"}]}' } },
    });
  });

  it('refuses mappings that cannot work, naming the mapping and the column', () => {
    expect(() => compileMappings([m({ target: 'a', expression: 'Join(", ", [x]' })])).toThrow(MappingConfigError);
    const wrongArity = () => compileMappings([m({ target: 'userName', source: 'a' }), m({ target: 'title', expression: 'ToLower([a], "en-US", "x")' })]);
    expect(wrongArity).toThrow(expect.objectContaining({ index: 1, field: 'expression', message: expect.stringMatching(/^column \d+: /) }));
    expect(() => compileMappings([m({ target: 'userName', source: 'a' }), m({ target: 'UserName', source: 'b' })])).toThrow(/already mapped by mapping 0/);
  });
});

describe('onEmpty: clear', () => {
  const WORK = 'emails[type eq "work"].value';

  it('lists the clear mappings whose value is empty (null or ""), and only those', () => {
    const set = compileMappings([m({ target: 'userName', source: 'upn' }), m({ target: WORK, source: 'mail', onEmpty: 'clear' }), m({ target: 'title', source: 'title' })]);
    expect(map(set, { upn: 'a', mail: null, title: null })).toMatchObject({ ok: true, value: { cleared: [WORK] } });
    expect(map(set, { upn: 'a', mail: '', title: '' })).toMatchObject({ ok: true, value: { cleared: [WORK] } });
    const kept = map(set, { upn: 'a', mail: 'a@x', title: null });
    expect(kept.ok && kept.value.cleared).toBeUndefined();
  });

  it('a default fills an empty value before clearing is considered', () => {
    const set = compileMappings([m({ target: 'title', source: 'title', onEmpty: 'clear', default: 'Staff' })]);
    expect(map(set, { title: null })).toMatchObject({ ok: true, value: { attributes: { title: 'Staff' } } });
  });
});
