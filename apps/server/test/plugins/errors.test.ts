import { ErrorCode, MlflowError } from '@flowline/core';
import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlflowErrors, openAiErrors, registerErrorHandling } from '../../src/plugins/errors.js';

// One error plugin, a formatter per protocol, chosen per encapsulated route area: the same failures thrown
// in an MLflow area and an OpenAI area answer with the same statuses, each in its protocol's JSON.

const lines: string[] = [];
let app: FastifyInstance;

/** The same failing routes, for one area. */
async function failingRoutes(area: FastifyInstance): Promise<void> {
  area.get('/internal', async () => {
    throw MlflowError.internal('the database went away');
  });
  area.get('/unavailable', async () => {
    throw new MlflowError(ErrorCode.TEMPORARILY_UNAVAILABLE, 'try later');
  });
  area.get('/bug', async () => {
    throw new TypeError('secret path /srv/app/x.js broke');
  });
  area.get('/missing', async () => {
    throw MlflowError.resourceDoesNotExist('no such run');
  });
  area.post('/typed', { schema: { body: Type.Object({ n: Type.Integer() }) } }, async () => ({}));
}

beforeAll(async () => {
  const logger: FastifyBaseLogger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  app = Fastify({ loggerInstance: logger });
  registerErrorHandling(app, { format: mlflowErrors() });
  await app.register(failingRoutes, { prefix: '/mlflow' });
  await app.register(
    async (area) => {
      registerErrorHandling(area, { format: openAiErrors });
      await failingRoutes(area);
    },
    { prefix: '/v1' },
  );
  await app.ready();
});
afterAll(async () => app.close());

const get = (url: string) => app.inject({ method: 'GET', url });

describe('the error plugin', () => {
  it("answers MLflow's JSON in an MLflow area: 5xx stay 5xx, with the table's status", async () => {
    const internal = await get('/mlflow/internal');
    expect(internal.statusCode).toBe(500);
    expect(internal.json()).toEqual({ error_code: 'INTERNAL_ERROR', message: 'the database went away' });
    expect((await get('/mlflow/unavailable')).statusCode).toBe(503);
    const missing = await get('/mlflow/missing');
    expect([missing.statusCode, missing.json().error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
  });

  it("answers OpenAI's JSON in an OpenAI area, with the same statuses", async () => {
    const internal = await get('/v1/internal');
    expect(internal.statusCode).toBe(500);
    expect(internal.json()).toEqual({
      error: { message: 'the database went away', type: 'server_error', param: null, code: 'INTERNAL_ERROR' },
    });
    expect((await get('/v1/unavailable')).statusCode).toBe(503);
    const missing = await get('/v1/missing');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({
      type: 'invalid_request_error',
      code: 'RESOURCE_DOES_NOT_EXIST',
    });
  });

  it('turns schema failures into INVALID_PARAMETER_VALUE (MLflow) and invalid_request_error (OpenAI)', async () => {
    const send = (url: string) =>
      app.inject({
        method: 'POST',
        url,
        payload: { n: 'x' },
        headers: { 'content-type': 'application/json' },
      });
    const mlflow = await send('/mlflow/typed');
    expect(mlflow.statusCode).toBe(400);
    expect(mlflow.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: /'n'/ });
    const openai = await send('/v1/typed');
    expect(openai.statusCode).toBe(400);
    expect(openai.json().error).toMatchObject({ type: 'invalid_request_error', message: /'n'/, param: null });
  });

  it('answers an unexpected error with a generic 500 and sends its stack trace only to the log', async () => {
    for (const url of ['/mlflow/bug', '/v1/bug']) {
      lines.length = 0;
      const bug = await get(url);
      expect(bug.statusCode, url).toBe(500);
      expect(bug.body, url).not.toMatch(/secret|x\.js|TypeError|stack/);
      expect(bug.body, url).toMatch(/Internal server error \(request id [^)]+\); see the server log\./);
      expect(lines.join(''), url).toMatch(/"stack":"TypeError: secret path \/srv\/app\/x\.js broke/);
    }
  });

  it("answers unknown paths in the area's protocol", async () => {
    const mlflow = await get('/nowhere');
    expect([mlflow.statusCode, mlflow.json().error_code]).toEqual([404, 'ENDPOINT_NOT_FOUND']);
    const openai = await get('/v1/nowhere');
    expect(openai.statusCode).toBe(404);
    expect(openai.json().error).toMatchObject({ code: 'ENDPOINT_NOT_FOUND', type: 'invalid_request_error' });
    const wrongVerb = await app.inject({ method: 'POST', url: '/mlflow/internal' });
    expect([wrongVerb.statusCode, wrongVerb.headers.allow]).toEqual([405, 'GET']);
  });
});
