import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { listenersChanged, restoreEveryListener, restoreListeners, takeListenerBaseline } from '../adapter-kit/index.js';

describe('adapter-kit: a borrower leaves no listener behind', () => {
  it('restoreListeners: on the named events, a borrower\'s listeners go and the connection\'s own come back', () => {
    const client = new EventEmitter();
    const own = (): void => {};
    client.on('error', own);
    const baseline = takeListenerBaseline(client, ['error', 'notice']);
    expect(listenersChanged(client, baseline)).toBe(false);
    client.on('notice', () => {});
    client.removeAllListeners('error');
    expect(listenersChanged(client, baseline)).toBe(true);
    restoreListeners(client, baseline);
    expect(client.rawListeners('error')).toEqual([own]);
    expect(client.listenerCount('notice')).toBe(0);
    expect(listenersChanged(client, baseline)).toBe(false);
  });

  it('restoreEveryListener: any event a borrower listened to (symbols too) is emptied; removed own listeners return in order', () => {
    const socket = new EventEmitter();
    const first = (): void => {};
    const second = (): void => {};
    socket.on('error', first).on('error', second).on('close', first);
    const own = new Map(socket.eventNames().map((event) => [event, socket.rawListeners(event)] as const));
    const custom = Symbol('borrower');
    socket.on('data', () => {}).on(custom, () => {}).once('close', () => {});
    socket.removeAllListeners('error');
    restoreEveryListener(socket, own);
    expect(socket.eventNames()).toEqual(expect.arrayContaining(['error', 'close']));
    expect(socket.eventNames()).toHaveLength(2);
    expect(socket.rawListeners('error')).toEqual([first, second]);
    expect(socket.rawListeners('close')).toEqual([first]);
    const untouched = socket.rawListeners('error');
    restoreEveryListener(socket, own); // nothing changed: nothing is removed and re-added
    expect(socket.rawListeners('error')).toEqual(untouched);
  });
});
