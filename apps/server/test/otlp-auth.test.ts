import { storeTargets } from '@flowline/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthServer, authServer, basic, type Role } from './auth/auth-server.js';
import { otlpProtobufBody } from './otlp-fixtures.js';

// With basic auth, exporting spans needs EDIT on the experiment of the x-mlflow-experiment-id header (as
// logging to an experiment does). Runs once buildServer registers POST /v1/traces with its rule.

describe('POST /v1/traces with basic auth', () => {
  let server: AuthServer;
  let experimentId: string;
  let registered = false;

  beforeAll(async () => {
    server = await authServer(storeTargets()[0]!);
    registered = server.app.hasRoute({ method: 'POST', url: '/v1/traces' });
    experimentId = await server.tracking.createExperiment({ name: 'otlp-auth' });
    await server.grantRoles({ experimentId });
  });
  afterAll(async () => server?.close());

  const post = (headers: Record<string, string>) =>
    server.app.inject({
      method: 'POST',
      url: '/v1/traces',
      payload: otlpProtobufBody(),
      headers: {
        'content-type': 'application/x-protobuf',
        'x-mlflow-experiment-id': experimentId,
        ...headers,
      },
    });

  it('needs credentials, then EDIT on the header’s experiment', async (ctx) => {
    if (!registered) return ctx.skip();
    expect((await post({})).statusCode).toBe(401);
    const expected: Record<Role, number> = { none: 403, read: 403, edit: 200, manage: 200, admin: 200 };
    const answers: Record<string, number> = {};
    for (const role of Object.keys(expected) as Role[]) answers[role] = (await post(basic(role))).statusCode;
    expect(answers).toEqual(expected);
  });

  it('refuses a request without the header, with MLflow’s error', async (ctx) => {
    if (!registered) return ctx.skip();
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/traces',
      payload: otlpProtobufBody(),
      headers: { 'content-type': 'application/x-protobuf', ...basic('edit') },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe('INVALID_PARAMETER_VALUE');
  });
});
