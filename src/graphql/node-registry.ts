import { Injectable } from '@nestjs/common';
import type { Viewer } from '../common/viewer';
import type { RequestLoaders } from './loaders';
import type { Node } from './models/node.interface';

/** Fetches one object of a type by its database id, under that type's own rules; null when not found. */
type NodeFetcher = (dbId: string, viewer: Viewer, loaders: RequestLoaders) => Promise<Node | null>;

/** Each feature registers how its types are refetched by `node`/`nodes` (Relay). */
@Injectable()
export class NodeRegistry {
  private readonly fetchers = new Map<string, NodeFetcher>();

  register(typeName: string, fetch: NodeFetcher): void {
    if (this.fetchers.has(typeName)) throw new Error(`Node type ${typeName} is registered twice`);
    this.fetchers.set(typeName, fetch);
  }

  fetcherFor(typeName: string): NodeFetcher | undefined {
    return this.fetchers.get(typeName);
  }
}
