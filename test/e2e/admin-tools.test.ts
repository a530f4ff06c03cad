/** The identity admin's tools: expr, preview, plan — and Flip's customJson on a real create. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eEnvironment, writes } from './harness.js';

const FLIP_CUSTOM = 'urn:ietf:params:scim:schemas:extension:flip:custom:2.0:User';
const FLIP_JSON = 'urn:ietf:params:scim:schemas:extension:flip:customJson:2.0:User';
const FLIP_LOCATION = 'urn:ietf:params:scim:schemas:extension:flip:location:2.0:User';

let env: E2eEnvironment;
let config: string;
let adaId: string;

beforeAll(async () => {
  env = await E2eEnvironment.start();
  adaId = env.graph.upsertUser({ userPrincipalName: 'ada@contoso.example', mail: 'ada@contoso.example', givenName: 'Ada', surname: 'Lovelace', department: 'Engineering "Core"', city: 'Zürich' });
  config = env.writeConfig({
    users: {
      match: [{ target: 'externalId', source: 'objectId' }, { target: 'userName', source: 'userPrincipalName' }],
      mappings: [
        { target: 'userName', source: 'userPrincipalName', required: true },
        { target: 'externalId', source: 'objectId' },
        { target: 'active', expression: 'Switch([IsSoftDeleted], , "False", "True", "True", "False")' },
        { target: 'name.givenName', source: 'givenName' },
        { target: 'name.familyName', source: 'surname' },
        { target: `${FLIP_LOCATION}:value`, source: 'city' },
        { target: `${FLIP_CUSTOM}:attributes[technicalName eq "custom_team"].value`, source: 'department' },
        { target: 'password', expression: 'RandomString(16, 2, 2, 2, 2)', apply: 'on-create' },
        { target: 'nickName', expression: 'Redact(ToLower([givenName]))' },
      ],
      customJson: `${FLIP_JSON}:value`,
    },
  });
});
afterAll(async () => env?.stop());

describe('admin tools', () => {
  it('expr evaluates an Entra expression against given attributes', async () => {
    const run = await env.runCli(['expr', 'ToLower(Join(".", [givenName], [surname]))', '--attrs', '{"givenName":"Ada","surname":"Lovelace"}']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('ada.lovelace\n');
    const soft = await env.runCli(['expr', 'Switch([IsSoftDeleted], , "False", "True", "True", "False")', '--soft-deleted']);
    expect(soft.stdout).toBe('False\n');
  });

  it('expr points at the column of a mistake', async () => {
    const run = await env.runCli(['expr', 'Join(", ", [a], tolower([b]))']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('                ^');
    expect(run.stderr).toMatch(/column 17: Unknown function "tolower" — did you mean "ToLower"\?/);
  });

  it('preview shows what a user becomes on create, without sending anything', async () => {
    await env.clearScimRequests();
    const run = await env.runCli(['preview', '--job', 'app', '--user', 'ada@contoso.example', '--config', config]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`user ${adaId}: in scope`);
    expect(run.stdout).toContain('POST /Users');
    expect(run.stdout).toContain('"value": "{\\"attributes\\":[{\\"technicalName\\":\\"custom_team\\",\\"value\\":\\"Engineering \\\\\\"Core\\\\\\"\\"}]}"');
    expect(run.stdout).toContain('not linked yet');
    // Passwords and Redact() values are sent, but never shown.
    expect(run.stdout).toContain('"password": "[Redact]"');
    expect(run.stdout).toContain('"nickName": "[Redact]"');
    expect(await env.scimRequests()).toEqual([]);
  });

  it('plan lists the creates with their attributes and sends only GETs (here: none)', async () => {
    const run = await env.runCli(['plan', '--config', config]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Job app: 1 operation(s) planned (read 1 users, 1 in scope)');
    expect(run.stdout).toContain('Create (1)');
    expect(run.stdout).toContain(`+ ${FLIP_LOCATION}:value = "Zürich"`);
    expect(run.stdout).toContain('+ password = [Redact]');
    expect(run.stdout).toContain('+ nickName = [Redact]');
    expect((await env.scimRequests()).filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('a Flip create carries the custom attributes as customJson; an update uses the custom extension', async () => {
    const first = await env.runCli(['--sync-now', '--config', config]);
    expect(first.code, first.stdout).toBe(0);
    const [post] = writes(await env.scimRequests());
    const body = post?.body as Record<string, unknown>;
    expect(body[FLIP_JSON]).toEqual({ value: '{"attributes":[{"technicalName":"custom_team","value":"Engineering \\"Core\\""}]}' });
    expect(body).not.toHaveProperty(FLIP_CUSTOM);
    expect(body[FLIP_LOCATION]).toEqual({ value: 'Zürich' });
    expect(body.password).toMatch(/^\S{16}$/);
    expect(body.nickName).toBe('ada');

    await env.clearScimRequests();
    env.graph.patchUser(adaId, { department: 'Research' });
    const plan = await env.runCli(['plan', '--config', config]);
    expect(plan.stdout).toContain(`~ ${FLIP_CUSTOM}:attributes[technicalName eq "custom_team"].value: "Engineering \\"Core\\"" → "Research"`);
    expect(await env.scimRequests()).toEqual([]);
    const second = await env.runCli(['--sync-now', '--config', config]);
    expect(second.code, second.stdout).toBe(0);
    expect(writes(await env.scimRequests()).map((r) => r.body)).toEqual([
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'replace', path: `${FLIP_CUSTOM}:attributes[technicalName eq "custom_team"].value`, value: 'Research' }],
      },
    ]);
  });
});
