import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getNamedType,
  getNullableType,
  GraphQLError,
  type GraphQLField,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type GraphQLNamedType,
  type GraphQLSchema,
  parse,
  type SelectionSetNode,
  type ValueNode,
  visit,
} from 'graphql';
import { ErrorCode } from '../common/errors/app-error.js';

/**
 * What one GraphQL document may ask for. They are checked on the parsed document before
 * graphql-js validates it, because validation itself is the expensive part of a hostile query
 * (OverlappingFieldsCanBeMerged is quadratic in the fields of a selection), and before anything
 * runs. The numbers leave room for the web and admin apps' largest screens.
 */
export const QUERY_LIMITS = {
  /** Characters of the query text, checked before parsing. */
  maxCharacters: 100_000,
  /** Lexical tokens (names, punctuation, values); parsing stops at the first one over. */
  maxTokens: 5_000,
  /** Aliased fields, counting each fragment wherever it is spread. */
  maxAliases: 50,
  /** Nested selections: `{ uploads { importJob { id } } }` is 3 deep. */
  maxDepth: 10,
  /** Fields, each field inside a list counted once per item the list may hold. */
  maxCost: 10_000,
  /** Items assumed for a list field without a `limit` or `first` argument. */
  defaultListSize: 100,
} as const;

/** Arguments that bound how many items a list field returns. */
const LIST_SIZE_ARGUMENTS = ['limit', 'first'];

interface Measure {
  aliases: number;
  depth: number;
  cost: number;
}

const ZERO: Measure = { aliases: 0, depth: 0, cost: 0 };

export interface CheckedQuery {
  /** The refusal, when the document is over a limit. */
  error?: GraphQLError;
  /** The operation's name (the one asked for, else the document's first), for the logs. */
  operationName?: string;
}

/** A refusal in the shape every GraphQL client reads. */
function overLimit(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}

/**
 * Parses `query` within the token limit and measures it against QUERY_LIMITS. A document that
 * does not parse is not refused here: the GraphQL server reports its syntax error as usual.
 */
export function checkQuery(
  schema: GraphQLSchema,
  query: string,
  variables: Record<string, unknown> | null | undefined,
  operationName?: string | null,
): CheckedQuery {
  const { maxCharacters, maxTokens, maxAliases, maxDepth, maxCost } = QUERY_LIMITS;
  if (query.length > maxCharacters) {
    return {
      error: overLimit(
        `This query is ${query.length} characters long; at most ${maxCharacters} are allowed. Split it into smaller queries.`,
      ),
    };
  }
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens, noLocation: true });
  } catch (error) {
    if (error instanceof GraphQLError && error.message.includes('tokens')) {
      return {
        error: overLimit(
          `This query has more than ${maxTokens} tokens; at most ${maxTokens} are allowed. Split it into smaller queries.`,
        ),
      };
    }
    return { operationName: operationName ?? undefined };
  }
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const name = operationName ?? operations[0]?.name?.value;
  const measure = new DocumentMeasure(schema, document, variables ?? {}).total();
  const refusal =
    measure.aliases > maxAliases
      ? `This query asks for ${measure.aliases} aliases; at most ${maxAliases} are allowed.`
      : measure.depth > maxDepth
        ? `This query is nested ${measure.depth} levels deep; at most ${maxDepth} are allowed.`
        : measure.cost > maxCost
          ? `This query could return ${measure.cost} fields; at most ${maxCost} are allowed. Ask for fewer fields or smaller pages (limit).`
          : undefined;
  return { error: refusal ? overLimit(refusal) : undefined, operationName: name ?? undefined };
}

/**
 * Measures every operation of a document, and every fragment wherever it is spread. Each
 * fragment is measured once (so spreading one many times costs nothing extra here) and a
 * fragment that spreads itself counts as empty: validation refuses such a document anyway.
 */
class DocumentMeasure {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly measured = new Map<string, Measure>();
  private readonly inProgress = new Set<string>();
  private readonly variableDefaults = new Map<string, number>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly document: DocumentNode,
    private readonly variables: Record<string, unknown>,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
      // A variable that was not sent takes its declared default (`$n: Int = 500`).
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      for (const declared of definition.variableDefinitions ?? []) {
        if (declared.defaultValue?.kind === Kind.INT) {
          this.variableDefaults.set(declared.variable.name.value, Number(declared.defaultValue.value));
        }
      }
    }
  }

  /**
   * Sums over all operations (all are validated, whichever one runs). Aliases are the larger of
   * that sum and the aliases written in the document, since validation also walks fragments
   * that no operation spreads.
   */
  total(): Measure {
    const total = { ...ZERO };
    for (const definition of this.document.definitions) {
      if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
      const root = this.schema.getRootType(definition.operation) ?? undefined;
      const measure = this.selectionSet(definition.selectionSet, root);
      total.aliases += measure.aliases;
      total.cost += measure.cost;
      total.depth = Math.max(total.depth, measure.depth);
    }
    let written = 0;
    visit(this.document, { Field: (field) => void (field.alias && written++) });
    return { ...total, aliases: Math.max(total.aliases, written) };
  }

  private selectionSet(selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined): Measure {
    const sum = { ...ZERO };
    const add = (measure: Measure) => {
      sum.aliases += measure.aliases;
      sum.cost += measure.cost;
      sum.depth = Math.max(sum.depth, measure.depth);
    };
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const field = this.fieldOf(parent, selection.name.value);
        const type = field?.type;
        const inner = selection.selectionSet
          ? this.selectionSet(selection.selectionSet, type && getNamedType(type))
          : ZERO;
        const items = type && isListType(getNullableType(type)) ? this.listSize(field, selection.arguments ?? []) : 1;
        add({
          aliases: (selection.alias ? 1 : 0) + inner.aliases * items,
          depth: 1 + inner.depth,
          cost: 1 + inner.cost * items,
        });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition && this.schema.getType(selection.typeCondition.name.value);
        add(this.selectionSet(selection.selectionSet, condition ?? parent));
      } else {
        add(this.fragment(selection.name.value));
      }
    }
    return sum;
  }

  private fragment(name: string): Measure {
    const known = this.measured.get(name);
    if (known) return known;
    const definition = this.fragments.get(name);
    if (!definition || this.inProgress.has(name)) return ZERO;
    this.inProgress.add(name);
    const measure = this.selectionSet(
      definition.selectionSet,
      this.schema.getType(definition.typeCondition.name.value),
    );
    this.inProgress.delete(name);
    this.measured.set(name, measure);
    return measure;
  }

  private fieldOf(parent: GraphQLNamedType | undefined, name: string): GraphQLField<unknown, unknown> | undefined {
    if (!parent || !(isObjectType(parent) || isInterfaceType(parent))) return undefined;
    return parent.getFields()[name];
  }

  /** The `limit` (or `first`) the caller gave, else that argument's default, else the default size. */
  private listSize(
    field: GraphQLField<unknown, unknown>,
    given: readonly { name: { value: string }; value: ValueNode }[],
  ): number {
    for (const argument of field.args) {
      if (!LIST_SIZE_ARGUMENTS.includes(argument.name)) continue;
      const node = given.find((candidate) => candidate.name.value === argument.name)?.value;
      // What the resolver will get: a literal, a variable (as sent, else its declared default),
      // and otherwise, or for null, the argument's own default.
      const value =
        (node?.kind === Kind.INT
          ? Number(node.value)
          : node?.kind === Kind.VARIABLE
            ? (this.variables[node.name.value] ?? this.variableDefaults.get(node.name.value))
            : undefined) ?? argument.defaultValue;
      if (typeof value === 'number' && Number.isFinite(value)) return Math.max(value, 1);
    }
    return QUERY_LIMITS.defaultListSize;
  }
}
