// How the helper is started: as it is when already root, through pkexec otherwise on Linux
// (the packaged app's launcher when installed), and a clear refusal where no prompt exists yet.

import { describe, expect, it } from 'vitest';
import { helperCommand, type ElevationFacts } from './elevation.js';

const facts = (over: Partial<ElevationFacts>): ElevationFacts => ({
  platform: 'linux',
  isRoot: false,
  runtime: '/usr/bin/node',
  script: '/app/helper-main.js',
  electron: false,
  ...over,
});

describe('helperCommand', () => {
  it('starts the helper directly when already root (Electron acting as Node)', () => {
    expect(helperCommand(facts({ isRoot: true }), '/tmp/s/helper.sock')).toEqual({
      file: '/usr/bin/node',
      args: ['/app/helper-main.js', '/tmp/s/helper.sock'],
    });
    expect(helperCommand(facts({ isRoot: true, electron: true }), '/s').env).toEqual({
      ELECTRON_RUN_AS_NODE: '1',
    });
  });

  it('asks through pkexec on Linux, via the launcher the polkit action names', () => {
    expect(helperCommand(facts({}), '/s')).toEqual({
      file: 'pkexec',
      args: ['/usr/bin/node', '/app/helper-main.js', '/s'],
    });
    const launcher = '/opt/Spillway/resources/spillway-helper';
    expect(helperCommand(facts({ linuxLauncher: launcher }), '/s')).toEqual({
      file: 'pkexec',
      args: [launcher, '/s'],
    });
  });

  it('refuses, in words, where no elevation prompt is supported yet', () => {
    // macOS and Windows (no installer is built for them: README): run as an administrator.
    for (const platform of ['darwin', 'win32'] as const) {
      expect(() => helperCommand(facts({ platform }), '/s')).toThrow(/administrator rights/);
      try {
        helperCommand(facts({ platform }), '/s');
      } catch (error) {
        expect(error).toMatchObject({
          code: 'permission-denied',
          remedy: 'run-as-admin',
        });
      }
    }
  });
});
