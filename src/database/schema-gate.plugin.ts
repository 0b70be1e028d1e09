import { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';

/**
 * Holds back every query until the schema is known to be this version's (migrated at start, or once
 * PostgreSQL answers after a start without it): a query before then fails at once, as an unreachable
 * database does, instead of reading or writing a schema this version may not understand.
 */
export class SchemaGate implements KyselyPlugin {
  private open = false;

  openNow(): void {
    this.open = true;
  }

  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (!this.open) throw new Error('PostgreSQL has not answered since this process started, so its schema is not checked yet');
    return node;
  }

  async transformResult({ result }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return result;
  }
}
