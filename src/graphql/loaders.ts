import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';

/** Names one kind of loader and the types it loads; each feature declares its own (e.g. `ITEM_BY_ID`). */
export class LoaderKey<K, V> {
  /** Only carries the types; never read. */
  declare private readonly types: [K, V];
  constructor(readonly name: string) {}
}

type AnyLoader = DataLoader<unknown, unknown>;

/**
 * Every feature registers its loaders here at start-up; each request gets its
 * own set, created lazily on first use, so a request pays only for the
 * loaders it touches and adding a loader touches only its feature.
 */
@Injectable()
export class LoaderRegistry {
  private readonly factories = new Map<LoaderKey<unknown, unknown>, () => AnyLoader>();

  register<K, V>(key: LoaderKey<K, V>, create: () => DataLoader<K, V>): void {
    if (this.factories.has(key as LoaderKey<unknown, unknown>))
      throw new Error(`Loader ${key.name} is registered twice`);
    this.factories.set(key as LoaderKey<unknown, unknown>, create as () => AnyLoader);
  }

  forRequest(): RequestLoaders {
    return new RequestLoaders(this.factories);
  }
}

/** One request's loaders: batched and cached within this request only. */
export class RequestLoaders {
  private readonly created = new Map<LoaderKey<unknown, unknown>, AnyLoader>();

  constructor(
    private readonly factories: ReadonlyMap<LoaderKey<unknown, unknown>, () => AnyLoader>,
  ) {}

  get<K, V>(key: LoaderKey<K, V>): DataLoader<K, V> {
    const id = key as LoaderKey<unknown, unknown>;
    let loader = this.created.get(id);
    if (!loader) {
      const create = this.factories.get(id);
      if (!create) throw new Error(`No loader ${key.name}: its feature module registers it`);
      loader = create();
      this.created.set(id, loader);
    }
    return loader as unknown as DataLoader<K, V>;
  }
}

/**
 * A loader of documents by id through a repository's `findByIds`: one query per batch, results
 * in key order, `undefined` where nothing was found.
 */
export function idLoader<T extends { _id: string }>(
  findByIds: (ids: readonly string[]) => Promise<T[]>,
): () => DataLoader<string, T | undefined> {
  return () =>
    new DataLoader(
      async (ids: readonly string[]) => {
        const found = new Map((await findByIds(ids)).map((item) => [item._id, item]));
        return ids.map((id) => found.get(id));
      },
      { maxBatchSize: 1000 },
    );
}
