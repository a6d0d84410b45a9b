import { Field, ID, InterfaceType } from '@nestjs/graphql';

/** The Relay Node interface: anything refetchable by its global id. */
@InterfaceType('Node', {
  description: 'An object with a globally unique id, refetchable with `node(id:)`.',
  // Every model class carries its GraphQL type name in `kind`.
  resolveType: (value: { kind?: string }) => value.kind,
})
export abstract class Node {
  @Field(() => ID, { description: 'Globally unique id: base64 of "<Type>:<database id>".' })
  id!: string;
}
