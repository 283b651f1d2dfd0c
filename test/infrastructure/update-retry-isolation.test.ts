import { expect } from 'chai';
import { IsArray, IsString } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { Aggregate, AggregateRoot, Apply, DomainEvent, EventRepository } from '../../src';
import { InMemoryEventRepository } from '../../src/testing';
import { useTestDatabase } from '../support/database';

@DomainEvent('Test.Cart.Created')
class CartCreated {
  @IsArray() @IsString({ each: true }) readonly items: string[];
  constructor(items: string[]) {
    this.items = items;
  }
}

@DomainEvent('Test.Cart.ItemAdded')
class ItemAdded {
  @IsString() readonly item: string;
  constructor(item: string) {
    this.item = item;
  }
}

/** Its handlers alias the event's array on purpose: the pattern that once leaked between retries. */
@Aggregate('Test.Cart')
class Cart extends AggregateRoot {
  items: string[] = [];
  static create(id: string): Cart {
    const cart = new Cart(id);
    cart.raise(new CartCreated([]));
    return cart;
  }
  add(item: string): void {
    this.raise(new ItemAdded(item));
  }
  @Apply(CartCreated) protected onCreated(event: CartCreated): void {
    this.items = event.items;
  }
  @Apply(ItemAdded) protected onAdded(event: ItemAdded): void {
    this.items.push(event.item);
  }
}

describe('EventRepository.update retries and transactions', () => {
  const db = useTestDatabase();

  for (const [name, make] of [
    ['EventRepository', () => new EventRepository(db.dataSource)],
    ['InMemoryEventRepository', () => new InMemoryEventRepository()],
  ] as const) {
    it(`${name}: a retry starts from the stored state, not from what a failed attempt did to cached events`, async () => {
      const repository = make();
      const cart = Cart.create(randomUUID());
      await repository.save(cart);
      let attempts = 0;
      const result = await repository.update(
        Cart,
        cart.id,
        async (c) => {
          attempts++;
          c.add(`mine-${attempts}`);
          if (attempts === 1) await repository.update(Cart, cart.id, (rival) => rival.add('rival'));
        },
        { retries: 3, baseDelayMs: 0 },
      );
      expect(attempts).to.equal(2);
      expect(result.items).to.deep.equal(['rival', 'mine-2']);
      expect((await repository.load(Cart, cart.id)).items).to.deep.equal(['rival', 'mine-2']);
    });
  }

  it("update() with a manager reads through the caller's transaction", async () => {
    const repository = new EventRepository(db.dataSource);
    const id = randomUUID();
    await db.dataSource.transaction(async (manager) => {
      await repository.save(Cart.create(id), { manager });
      const updated = await repository.update(Cart, id, (c) => c.add('x'), { manager, retries: 0 });
      expect(updated.version).to.equal(2);
    });
    expect((await repository.load(Cart, id)).items).to.deep.equal(['x']);
  });
});
