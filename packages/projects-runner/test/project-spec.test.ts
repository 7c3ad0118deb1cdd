import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { type EntryPoint, loadProject, quote, resolveCommand, resolveEntryPoint } from '../src/index.js';
import { fixture } from './helpers.js';

describe('MLproject', () => {
  it('reads entry points, typed parameters with defaults, and the declared environment', async () => {
    const { dir, cleanup } = await fixture('tools');
    const project = await loadProject(dir);
    expect(project.name).toBe('tools');
    expect([...project.entryPoints.keys()]).toEqual(['main', 'show', 'fail', 'sleep', 'env']);
    expect(project.entryPoints.get('main')!.parameters).toEqual([
      { name: 'alpha', type: 'float', default: '0.5' },
      { name: 'steps', type: 'int', default: '3' },
      { name: 'data', type: 'path' },
      { name: 'target', type: 'uri', default: 's3://bucket/out' },
      { name: 'note', type: 'string', default: 'plain' },
    ]);
    expect((await loadProject((await fixture('python-env')).dir)).environment.kind).toBe('python_env');
    expect((await loadProject((await fixture('docker-env')).dir)).environment).toMatchObject({
      kind: 'docker_env',
      image: 'example/trainer:1.0',
    });
    await cleanup();
  });

  it('runs .sh, .ts, .js and .py files of a project without MLproject, and names the choices otherwise', async () => {
    const { dir, cleanup } = await fixture('plain-files');
    const project = await loadProject(dir);
    expect(project.hasMLproject).toBe(false);
    expect((await resolveEntryPoint(project, 'report.sh')).command).toBe("bash 'report.sh'");
    expect((await resolveEntryPoint(project, 'hello.ts')).command).toBe("tsx 'hello.ts'");
    await expect(resolveEntryPoint(project, 'missing.js')).rejects.toThrow(
      /Could not find entry point 'missing.js'.*\.js, \.mjs/,
    );
    await expect(resolveEntryPoint(project, '../escape.sh')).rejects.toThrow(/Could not find entry point/);
    await cleanup();
  });
});

describe('parameters', () => {
  const entry: EntryPoint = {
    name: 'main',
    parameters: [
      { name: 'alpha', type: 'float', default: '0.5' },
      { name: 'steps', type: 'int' },
      { name: 'data', type: 'path' },
      { name: 'target', type: 'uri', default: 's3://b/out' },
    ],
    command: 'train --alpha {alpha} --steps {steps} {data} {target}',
  };

  it('fills {param} from values and defaults, types them, and appends extras as --key value', () => {
    const { command, params } = resolveCommand(entry, { steps: '10', data: 'in.csv', extra: 'x y' }, '/work');
    expect(command).toBe("train --alpha '0.5' --steps '10' '/work/in.csv' 's3://b/out' --extra 'x y'");
    expect(params).toEqual({
      alpha: '0.5',
      steps: '10',
      data: '/work/in.csv',
      target: 's3://b/out',
      extra: 'x y',
    });
  });

  it('refuses missing required parameters, wrong types and URIs given for paths', () => {
    expect(() => resolveCommand(entry, { data: 'x' })).toThrow(/required parameter 'steps'.*-P steps=/);
    expect(() => resolveCommand(entry, { steps: '1.5', data: 'x' })).toThrow(/'steps' must be of type int/);
    expect(() => resolveCommand(entry, { steps: '1', alpha: 'fast', data: 'x' })).toThrow(
      /'alpha' must be of type float/,
    );
    expect(() => resolveCommand(entry, { steps: '1', data: 's3://b/k' })).toThrow(
      /is a path, but 's3:\/\/b\/k' is a URI/,
    );
    expect(() => resolveCommand(entry, { steps: '1', data: 'x', 'bad key;': 'v' })).toThrow(
      /Invalid parameter name/,
    );
    expect(() => resolveCommand({ name: 'e', parameters: [], command: 'run {nope}' }, {})).toThrow(
      /uses \{nope\}/,
    );
  });

  it.each([
    '; rm -rf /',
    '$(touch /tmp/flowline-pwned)',
    '`id`',
    "it's",
    '"double"',
    'a\nb',
    '$HOME',
    '*',
    '--flag=1 && echo hacked',
    '',
  ])('passes %j through the shell as one literal word', (value) => {
    const out = execFileSync('/bin/sh', ['-c', `printf '%s' ${quote(value)}`]).toString();
    expect(out).toBe(value);
    const { command } = resolveCommand(
      { name: 'e', parameters: [{ name: 'v', type: 'string' }], command: 'printf %s {v}' },
      { v: value },
    );
    expect(execFileSync('/bin/sh', ['-c', command]).toString()).toBe(value);
  });
});
