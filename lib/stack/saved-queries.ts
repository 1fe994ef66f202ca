/**
 * The files of `athena/queries/` as Athena named queries in the workgroup, so the console's
 * "Saved queries" tab offers what `lakehouse sql --file athena/queries/<name>.sql` runs locally.
 */
import { aws_athena as athena } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { listSavedQueries } from '../catalog/saved-queries.ts';

export interface SavedQueriesProps {
  /** Glue database the queries run in. */
  readonly databaseName: string;
  /** The workgroup they are saved in (created by the catalog construct). */
  readonly workGroup: athena.CfnWorkGroup;
}

export class SavedQueries extends Construct {
  /** Named query per file name. */
  readonly queries: Readonly<Record<string, athena.CfnNamedQuery>>;

  constructor(scope: Construct, id: string, props: SavedQueriesProps) {
    super(scope, id);
    const queries: Record<string, athena.CfnNamedQuery> = {};
    for (const q of listSavedQueries()) {
      const named = new athena.CfnNamedQuery(this, q.name, {
        name: q.name,
        description: q.description || undefined,
        database: props.databaseName,
        workGroup: props.workGroup.ref,
        queryString: q.sql,
      });
      queries[q.name] = named;
    }
    this.queries = queries;
  }
}
