import { Global, Module } from '@nestjs/common';
import { LoaderRegistry } from './loaders';
import { NodeRegistry } from './node-registry';
import { NodeResolver } from './node.resolver';

/**
 * What every feature's GraphQL module builds on: the loader and node
 * registries each feature contributes to, and the `node`/`nodes` queries.
 */
@Global()
@Module({
  providers: [LoaderRegistry, NodeRegistry, NodeResolver],
  exports: [LoaderRegistry, NodeRegistry],
})
export class GraphQLInfrastructureModule {}
