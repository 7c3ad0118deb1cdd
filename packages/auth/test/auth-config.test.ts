import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { authConfigFromText, BASIC_AUTH_FUNCTION, parseIni, readAuthConfig } from '../src/auth-config.js';

describe('readAuthConfig', () => {
  it("has MLflow's basic_auth.ini defaults without MLFLOW_AUTH_CONFIG_PATH", async () => {
    expect(await readAuthConfig({})).toMatchObject({
      defaultPermission: 'READ',
      databaseUri: 'sqlite:///basic_auth.db',
      adminUsername: 'admin',
      adminPassword: 'password1234',
      authorizationFunction: BASIC_AUTH_FUNCTION,
      authCacheTtlSeconds: 30,
    });
  });

  it('reads the file MLFLOW_AUTH_CONFIG_PATH names, as configparser would', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowline-auth-config-'));
    const path = join(dir, 'auth.ini');
    await writeFile(
      path,
      [
        '# team server',
        '[mlflow]',
        'default_permission = NO_PERMISSIONS',
        'database_uri: sqlite:///%(here)s/auth.db',
        'here = /srv/mlflow',
        'Admin_Username = root',
        'admin_password = 100%% secret pass',
        '; the default, spelled out',
        `authorization_function = ${BASIC_AUTH_FUNCTION}`,
        'auth_cache_ttl_seconds = 0',
      ].join('\n'),
    );
    expect(await readAuthConfig({ MLFLOW_AUTH_CONFIG_PATH: path })).toMatchObject({
      defaultPermission: 'NO_PERMISSIONS',
      databaseUri: 'sqlite:////srv/mlflow/auth.db',
      adminUsername: 'root',
      adminPassword: '100% secret pass',
      authCacheTtlSeconds: 0,
      source: path,
    });
    await expect(readAuthConfig({ MLFLOW_AUTH_CONFIG_PATH: join(dir, 'missing.ini') })).rejects.toThrow(
      /MLFLOW_AUTH_CONFIG_PATH points at .*missing\.ini, which cannot be read \(ENOENT\)/,
    );
  });

  it('refuses an authorization function other than basic auth, naming the one it supports', () => {
    const text = (fn: string) =>
      `[mlflow]\ndefault_permission = READ\ndatabase_uri = sqlite:///a.db\nadmin_username = a\nadmin_password = b\nauthorization_function = ${fn}`;
    expect(() => authConfigFromText(text('my_plugin:authenticate'), 'auth.ini')).toThrow(
      `authorization_function 'my_plugin:authenticate' in auth.ini is not supported: Flowline's basic-auth app implements MLflow's HTTP basic authentication only. Set it to ${BASIC_AUTH_FUNCTION} or remove the line.`,
    );
    expect(authConfigFromText(text(BASIC_AUTH_FUNCTION), 'auth.ini').authorizationFunction).toBe(
      BASIC_AUTH_FUNCTION,
    );
  });

  it('says which key is missing or wrong', () => {
    expect(() => authConfigFromText('[other]\nx = 1', 'a.ini')).toThrow(/a\.ini has no \[mlflow\] section/);
    expect(() => authConfigFromText('[mlflow]\ndefault_permission = READ', 'a.ini')).toThrow(
      "a.ini lacks 'database_uri' in its [mlflow] section; add it.",
    );
    expect(() => authConfigFromText('[mlflow]\ndefault_permission = WRITE', 'a.ini')).toThrow(
      "default_permission in a.ini must be READ, USE, EDIT, MANAGE or NO_PERMISSIONS, got 'WRITE'.",
    );
  });

  it('parses continuation lines and [DEFAULT] references', () => {
    const ini = parseIni('[DEFAULT]\nroot = /x\n[mlflow]\npath = %(root)s/y\nlong = a\n  b\n');
    expect(ini.get('mlflow')?.get('path')).toBe('/x/y');
    expect(ini.get('mlflow')?.get('long')).toBe('a\nb');
  });
});
