import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIXES } from '../src/build-server.js';
import { registeredSchemas } from '../src/route.js';
import { ROUTE_SCHEMAS } from '../src/route-schemas.js';
import { memoryServer } from './helpers.js';

let server: Awaited<ReturnType<typeof memoryServer>>;
beforeAll(async () => {
  server = await memoryServer({ webRoot: null });
});
afterAll(async () => server.close());

describe('ROUTE_SCHEMAS', () => {
  it('lists the very schemas each endpoint is registered with, under both API prefixes', () => {
    const routes = registeredSchemas(server.app);
    for (const [key, schemas] of Object.entries(ROUTE_SCHEMAS)) {
      const [verb, path] = key.split(' ');
      for (const prefix of API_PREFIXES) {
        const route = routes.get(`${verb} ${prefix}${path}`);
        expect(route, `${verb} ${prefix}${path} is registered`).toBeDefined();
        expect(route?.input, `${key} input`).toBe(schemas.input);
        expect(route?.output, `${key} output`).toBe(schemas.output);
      }
    }
  });

  it('finds a drift: a key whose route uses other schemas', () => {
    const routes = registeredSchemas(server.app);
    expect(routes.get('GET /ajax-api/2.0/mlflow/runs/get')?.input).not.toBe(
      ROUTE_SCHEMAS['POST /runs/search'].input,
    );
    expect(routes.size).toBeGreaterThan(Object.keys(ROUTE_SCHEMAS).length);
  });
});
