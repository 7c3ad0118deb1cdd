import { expect, it } from 'vitest';
import { AdmissionQueue } from '../src/admission-queue.js';

const signal = () => new AbortController().signal;

it('admits up to the limit, queues in arrival order, refuses past the queue, frees a slot once', async () => {
  const queue = new AdmissionQueue({ maxConcurrent: 1, maxQueue: 2 });
  const releaseA = await queue.acquire(signal());
  const order: string[] = [];
  const admitted = (name: string) => (release: () => void) => {
    order.push(name);
    return release;
  };
  const b = queue.acquire(signal()).then(admitted('b'));
  const c = queue.acquire(signal()).then(admitted('c'));
  expect(queue.depth).toBe(2);
  await expect(queue.acquire(signal())).rejects.toMatchObject({ errorCode: 'RESOURCE_EXHAUSTED' });
  releaseA();
  releaseA();
  const releaseB = await b;
  expect(order).toEqual(['b']);
  expect(queue.running).toBe(1);
  releaseB();
  (await c)();
  expect(order).toEqual(['b', 'c']);
  expect(queue.running).toBe(0);
});

it('drops a waiter whose signal aborts', async () => {
  const queue = new AdmissionQueue({ maxConcurrent: 1, maxQueue: 1 });
  const release = await queue.acquire(signal());
  const controller = new AbortController();
  const waiting = queue.acquire(controller.signal);
  controller.abort();
  await expect(waiting).rejects.toMatchObject({ errorCode: 'CANCELLED' });
  expect(queue.depth).toBe(0);
  release();
  expect(queue.running).toBe(0);
});
