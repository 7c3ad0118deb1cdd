import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, runCli, startCli } from './helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flowline-cli-auth-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string, extra = ''): Promise<string> {
  const path = join(dir, name);
  await writeFile(
    path,
    `[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///${join(dir, `${name}.db`)}\nadmin_username = root\nadmin_password = root-password-123\n${extra}`,
  );
  return path;
}

describe('flowline server --app-name basic-auth', () => {
  it("reads MLflow's auth config, creates its admin, and lets the CLI in with MLFLOW_TRACKING_USERNAME/PASSWORD", async () => {
    const config = await writeConfig('auth.ini');
    const port = await freePort();
    const server = await startCli(
      [
        'server',
        '-p',
        String(port),
        '--app-name',
        'basic-auth',
        '--backend-store-uri',
        `sqlite:///${join(dir, 'mlflow.db')}`,
      ],
      { cwd: dir, env: { MLFLOW_AUTH_CONFIG_PATH: config } },
      'flowline server listening',
    );
    const logs = server.logs();
    try {
      expect(logs).toContain("Created admin user 'root'");
      expect(logs).toContain('basic-auth enabled');
      const url = `http://127.0.0.1:${port}`;
      expect((await fetch(`${url}/api/2.0/mlflow/experiments/search?max_results=1`)).status).toBe(401);

      const env = {
        MLFLOW_TRACKING_URI: url,
        MLFLOW_TRACKING_USERNAME: 'root',
        MLFLOW_TRACKING_PASSWORD: 'root-password-123',
      };
      const created = await runCli(['experiments', 'create', '-n', 'from-cli'], { env, cwd: dir });
      expect(created.code, created.stderr).toBe(0);
      const refused = await runCli(['experiments', 'search'], {
        env: { ...env, MLFLOW_TRACKING_PASSWORD: 'wrong-password-1', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' },
        cwd: dir,
      });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('You are not authenticated');
    } finally {
      await server.stop();
    }
  });

  it('refuses an authorization_function it does not implement, with the reason', async () => {
    const config = await writeConfig('plugin.ini', 'authorization_function = my_company.auth:check\n');
    const port = await freePort();
    const result = await runCli(['server', '-p', String(port), '--app-name', 'basic-auth'], {
      env: { MLFLOW_AUTH_CONFIG_PATH: config },
      cwd: dir,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("authorization_function 'my_company.auth:check'");
    expect(result.stderr).toContain('is not supported');
  });
});
