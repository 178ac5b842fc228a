import { describe, expect, it } from 'vitest';
import { Channel } from './channel.js';

describe('Channel', () => {
  it('makes the sender wait while full, and delivers in order', async () => {
    const channel = new Channel<number>(2);
    const sent: number[] = [];
    const producer = (async () => {
      for (let i = 0; i < 5; i++) {
        await channel.send(i);
        sent.push(i);
      }
      channel.close();
    })();
    await new Promise((r) => setTimeout(r, 10));
    expect(sent).toEqual([0, 1]);
    const received: number[] = [];
    for await (const item of channel) received.push(item);
    await producer;
    expect(received).toEqual([0, 1, 2, 3, 4]);
  });

  it('fails both sides', async () => {
    const channel = new Channel<number>(1);
    await channel.send(1);
    const blocked = channel.send(2);
    channel.fail(new Error('boom'));
    await expect(blocked).rejects.toThrow('boom');
    await expect(channel.receive()).rejects.toThrow('boom');
  });
});
