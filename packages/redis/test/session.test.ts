import { describe, expect, it } from 'vitest';
import { markClean, noteCommand, type SessionState } from '../src/session.js';

function fresh(): SessionState {
  return { watched: false, inMulti: false, selected: false, renamed: false, tainted: undefined, lastError: undefined, listeners: undefined };
}

describe('session tracking (what reset on release must undo)', () => {
  it('follows WATCH, MULTI, EXEC and DISCARD in any letter case', () => {
    const state = fresh();
    noteCommand(state, { name: 'WATCH', args: ['k'] });
    noteCommand(state, { name: 'multi', args: [] });
    expect(state).toMatchObject({ watched: true, inMulti: true });
    noteCommand(state, { name: 'Exec', args: [] });
    expect(state).toMatchObject({ watched: false, inMulti: false });
    noteCommand(state, { name: 'watch', args: ['k'] });
    noteCommand(state, { name: 'unwatch', args: [] });
    expect(state.watched).toBe(false);
  });

  it('SELECT and CLIENT SETNAME are undoable; RESET, HELLO and CLIENT switches taint the connection', () => {
    const state = fresh();
    noteCommand(state, { name: 'select', args: ['5'] });
    noteCommand(state, { name: 'client', args: [Buffer.from('SETNAME'), 'x'] });
    noteCommand(state, { name: 'client', args: ['INFO'] });
    noteCommand(state, { name: 'client', args: ['setinfo', 'LIB-NAME', 'x'] });
    expect(state).toMatchObject({ selected: true, renamed: true, tainted: undefined });
    noteCommand(state, { name: 'client', args: ['reply', 'off'] });
    expect(state.tainted).toBe('CLIENT REPLY');
    noteCommand(state, { name: 'hello', args: ['3'] });
    expect(state.tainted).toBe('CLIENT REPLY');
    markClean(state);
    expect(state).toMatchObject({ watched: false, inMulti: false, selected: false, renamed: false, tainted: undefined });
    noteCommand(state, { name: 'RESET', args: [] });
    expect(state.tainted).toBe('RESET');
    for (const name of ['auth', 'MONITOR', 'quit']) {
      const other = fresh();
      noteCommand(other, { name, args: [] });
      expect(other.tainted).toBe(name.toUpperCase());
    }
    const kill = fresh();
    noteCommand(kill, { name: 'client', args: ['KILL', 'ID', '7'] });
    expect(kill.tainted).toBeUndefined();
  });

  it('plain data commands leave nothing to undo', () => {
    const state = fresh();
    for (const name of ['get', 'set', 'blpop', 'xread', 'eval', 'ping', 'subscribe']) noteCommand(state, { name, args: ['k'] });
    expect(state).toEqual(fresh());
  });
});
