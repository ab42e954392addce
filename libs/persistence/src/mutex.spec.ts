import { Mutex } from './mutex.js';

describe(Mutex.name, () => {
  it('lets one holder in at a time, in arrival order', async () => {
    const sut = new Mutex();
    const order: string[] = [];
    const hold = async (name: string, ms: number) => {
      const release = await sut.acquire();
      order.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      order.push(`${name} out`);
      release();
    };

    await Promise.all([hold('a', 20), hold('b', 1), hold('c', 1)]);

    expect(order).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
    expect(sut.busy).toBe(false);
  });

  it('ignores a second release', async () => {
    const sut = new Mutex();
    const first = await sut.acquire();
    const second = sut.acquire();
    first();
    first();
    const releaseSecond = await second;
    let thirdIn = false;
    const third = sut.acquire().then((release) => {
      thirdIn = true;
      return release;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));

    expect(thirdIn).toBe(false);
    releaseSecond();
    (await third)();
  });
});
