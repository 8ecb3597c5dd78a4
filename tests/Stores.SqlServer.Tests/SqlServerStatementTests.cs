using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using SessionStores.SqlServer.Internal;
using Xunit;

namespace SessionStores.SqlServer.Tests;

/// <summary>
/// Parses every T-SQL batch the store can send (<see cref="SqlServerCommands.All"/>) with Microsoft's own T-SQL
/// parser and checks its structure. This runs without a server: it proves the SQL is well-formed and shaped as
/// designed, not that SQL Server executes it as intended. That is what <see cref="SqlServerConformance"/> checks,
/// wherever a server is given.
/// </summary>
public sealed class SqlServerStatementTests
{
    /// <summary>The default names, the conformance names, and names that need quoting.</summary>
    private static readonly (string Schema, string Table)[] Names =
    [
        ("dbo", "Sessions"),
        ("dbo", "t0123456789abcdef0123"),
        ("odd]schema", "ta]ble; DROP TABLE x --"),
        ("Sch ema", "Ünïcode 表"),
    ];

    private static readonly HashSet<string> Parameters = new(StringComparer.OrdinalIgnoreCase)
    {
        "@Id", "@Data", "@Subject", "@TtlDays", "@TtlRemainderMs", "@ExpectedVersion", "@After", "@PageSize",
        "@BatchSize", "@MaxRows", "@LockResource", "@SchemaName", "@QualifiedName",
    };

    public static TheoryData<int, string> Statements()
    {
        var data = new TheoryData<int, string>();
        for (var i = 0; i < Names.Length; i++)
        {
            foreach (var (name, _) in Of(i).All)
            {
                data.Add(i, name);
            }
        }

        return data;
    }

    [Fact]
    public void All_holds_every_statement_the_class_exposes()
    {
        var statements = Of(0);
        var all = statements.All.Select(p => p.Value).ToHashSet();
        var exposed = typeof(SqlServerCommands).GetProperties()
            .Where(p => p.PropertyType == typeof(string) && p.Name is not nameof(SqlServerCommands.Table) and not nameof(SqlServerCommands.CreateTable))
            .Select(p => (string)p.GetValue(statements)!)
            .Concat(from s in new[] { false, true } from d in new[] { false, true } select statements.ListPage(s, d))
            .ToList();

        Assert.All(exposed, sql => Assert.Contains(sql, all));
        Assert.Equal(all.Count, statements.All.Count);
        Assert.Contains(statements.CreateTable, statements.EnsureSchema.Replace("\n    ", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void Every_statement_parses_without_errors_from_SQL_Server_2016_on(int names, string statement)
    {
        var sql = Sql(names, statement);
        foreach (var parser in new TSqlParser[] { new TSql130Parser(true), new TSql160Parser(true), new TSql170Parser(true) })
        {
            var fragment = parser.Parse(new StringReader(sql), out var errors);

            Assert.True(errors.Count == 0, $"{parser.GetType().Name}: {string.Join("; ", errors.Select(e => $"line {e.Line}: {e.Message}"))}\n{sql}");
            Assert.NotEmpty(Assert.IsType<TSqlScript>(fragment).Batches);
        }
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void Every_statement_touches_only_the_configured_table(int names, string statement)
    {
        var (schema, table) = Names[names];
        var visitor = new Collector();
        Parse(Sql(names, statement)).Accept(visitor);

        Assert.All(visitor.ObjectNames, name =>
        {
            if (name.SchemaIdentifier?.Value == "sys")
            {
                Assert.StartsWith("sp_", name.BaseIdentifier.Value, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(schema, name.SchemaIdentifier?.Value);
                Assert.Equal(table, name.BaseIdentifier.Value);
                Assert.Null(name.DatabaseIdentifier);
            }
        });
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void Every_value_is_a_parameter_or_a_variable_of_the_batch(int names, string statement)
    {
        var visitor = new Collector();
        Parse(Sql(names, statement)).Accept(visitor);

        var undeclared = visitor.Referenced.Except(visitor.Declared, StringComparer.OrdinalIgnoreCase).ToList();
        Assert.All(undeclared, name => Assert.Contains(name, Parameters));
        Assert.DoesNotContain(visitor.Literals, l => l.Contains("sample", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void Expiry_is_decided_by_the_server_clock_only(int names, string statement)
    {
        var sql = Sql(names, statement);
        if (statement is not nameof(SqlServerCommands.EnsureSchema) and not nameof(SqlServerCommands.ReleasePruneLock))
        {
            Assert.Contains("SYSUTCDATETIME()", sql, StringComparison.Ordinal);
        }

        foreach (var clock in new[] { "GETDATE", "GETUTCDATE", "SYSDATETIME()", "CURRENT_TIMESTAMP", "@UtcNow" })
        {
            Assert.DoesNotContain(clock, sql, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void Subjects_are_compared_exactly_including_trailing_spaces(int names, string statement)
    {
        var sql = Sql(names, statement);
        // Comparisons follow WHERE or AND; in SET lists the same text is an assignment.
        var comparisons = sql.Split("WHERE [Subject] = @Subject").Length + sql.Split("AND [Subject] = @Subject").Length - 2;

        // "=" pads with spaces, so "alice" would match "alice " without the length check.
        Assert.Equal(comparisons, sql.Split("[Subject] = @Subject AND DATALENGTH([Subject]) = DATALENGTH(@Subject)").Length - 1);
        Assert.Equal(statement.Contains("ForSubject", StringComparison.Ordinal), comparisons > 0);
    }

    [Fact]
    public void GetAndTouch_is_one_UPDATE_with_OUTPUT_and_no_separate_read()
    {
        var statements = Body(Of(0).GetAndTouch);

        var update = Assert.Single(statements.OfType<UpdateStatement>());
        Assert.NotNull(update.UpdateSpecification.OutputClause);
        Assert.Empty(statements.OfType<SelectStatement>());
    }

    [Fact]
    public void Compare_and_set_is_one_conditional_UPDATE_and_reports_the_conflict_in_the_same_batch()
    {
        var sql = Of(0).CompareAndSet;
        var statements = Body(sql);

        var update = Assert.Single(statements.OfType<UpdateStatement>());
        Assert.NotNull(update.UpdateSpecification.OutputClause);
        Assert.Contains("[Version] = @ExpectedVersion AND [ExpiresAt] > @Now", sql, StringComparison.Ordinal);
        var conflict = Assert.Single(statements.OfType<IfStatement>());
        Assert.IsType<SelectStatement>(conflict.ThenStatement);
    }

    [Theory]
    [InlineData(nameof(SqlServerCommands.Upsert))]
    [InlineData(nameof(SqlServerCommands.CreateOnly))]
    public void First_writes_hold_a_range_lock_from_the_update_to_the_insert_in_one_transaction(string statement)
    {
        var statements = Body(Sql(0, statement));

        var begin = statements.FindIndex(s => s is BeginTransactionStatement);
        var update = statements.FindIndex(s => s is UpdateStatement);
        var commit = statements.FindIndex(s => s is CommitTransactionStatement);
        Assert.True(begin >= 0 && begin < update && update < commit);
        Assert.Contains(statements, s => s is PredicateSetStatement { Options: SetOptions.XactAbort, IsOn: true });
        var target = Assert.IsType<NamedTableReference>(((UpdateStatement)statements[update]).UpdateSpecification.Target);
        Assert.Contains(target.TableHints, h => h.HintKind == TableHintKind.UpdLock);
        Assert.Contains(target.TableHints, h => h.HintKind == TableHintKind.Serializable);
        var visitor = new Collector();
        Parse(Sql(0, statement)).Accept(visitor);
        Assert.Equal(1, visitor.Inserts);
    }

    [Fact]
    public void Pruning_runs_bounded_batches_under_an_app_lock_that_it_always_releases()
    {
        var sql = Of(0).Prune;
        var visitor = new Collector();
        Parse(sql).Accept(visitor);

        var delete = Assert.Single(visitor.Deletes);
        Assert.Equal("@BatchSize", Assert.IsType<VariableReference>(((ParenthesisExpression)delete.DeleteSpecification.TopRowFilter.Expression).Expression).Name);
        Assert.Contains("@LockTimeout = 0", sql, StringComparison.Ordinal);
        Assert.Equal(2, visitor.Procedures.Count(p => p == "sp_releaseapplock"));
        Assert.Equal(1, visitor.Procedures.Count(p => p == "sp_getapplock"));
        Assert.Contains("@Deleted < @MaxRows", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_has_a_binary_collation_key_varbinary_data_and_both_indexes()
    {
        var visitor = new Collector();
        Parse(Of(0).EnsureSchema).Accept(visitor);

        var table = Assert.Single(visitor.Tables);
        var columns = table.Definition.ColumnDefinitions.ToDictionary(c => c.ColumnIdentifier.Value);
        Assert.Equal("Latin1_General_100_BIN2", columns["Id"].Collation.Value);
        Assert.Equal("varbinary", ((SqlDataTypeReference)columns["Data"].DataType).SqlDataTypeOption.ToString(), ignoreCase: true);
        Assert.Equal("DateTime2", ((SqlDataTypeReference)columns["ExpiresAt"].DataType).SqlDataTypeOption.ToString());
        Assert.Equal(2, visitor.Indexes.Count);
        Assert.Contains(visitor.Indexes, i => i.Columns.Single().Column.MultiPartIdentifier.Identifiers.Single().Value == "ExpiresAt");
        Assert.Contains(visitor.Indexes, i => i.Columns.First().Column.MultiPartIdentifier.Identifiers.Single().Value == "Subject");
        Assert.Contains("@LockOwner = N'Transaction'", Of(0).EnsureSchema, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shipped_script_is_the_statement_the_store_runs_for_the_default_names()
    {
        var path = Path.Combine(RepositoryRoot(), "src", "Stores.SqlServer", "sql", "create-session-table.sql");
        var expected = SqlServerSessionStore.GenerateSchemaScript();
        if (Environment.GetEnvironmentVariable("SESSIONSTORES_REGENERATE_SQL") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.Equal(expected, File.ReadAllText(path).ReplaceLineEndings("\n"));
        Parse(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\tname")]
    [InlineData("new\nline")]
    public void Invalid_identifiers_are_rejected(string name)
    {
        Assert.NotNull(SqlIdentifier.Problem(name, SqlIdentifier.MaxTableNameLength, "TableName"));
    }

    [Fact]
    public void Identifiers_are_quoted_like_QUOTENAME()
    {
        Assert.Equal("[a]]b]", SqlIdentifier.Quote("a]b"));
        Assert.Equal("[[x]", SqlIdentifier.Quote("[x"));
        Assert.Null(SqlIdentifier.Problem(new string('x', 100), SqlIdentifier.MaxTableNameLength, "TableName"));
        Assert.NotNull(SqlIdentifier.Problem(new string('x', 101), SqlIdentifier.MaxTableNameLength, "TableName"));
    }

    [Fact]
    public void Lock_resources_fit_sp_getapplock()
    {
        var statements = new SqlServerCommands(new string('s', 128), new string('t', 100));

        Assert.True(statements.LockResource("prune").Length <= 255);
        Assert.NotEqual(statements.LockResource("prune"), statements.LockResource("schema"));
        Assert.NotEqual(Of(0).LockResource("prune"), Of(1).LockResource("prune"));
    }

    private static SqlServerCommands Of(int names) => new(Names[names].Schema, Names[names].Table);

    private static string Sql(int names, string statement) => Of(names).All.Single(p => p.Key == statement).Value;

    private static TSqlFragment Parse(string sql)
    {
        var fragment = new TSql160Parser(true).Parse(new StringReader(sql), out var errors);
        Assert.Empty(errors);
        return fragment;
    }

    private static List<TSqlStatement> Body(string sql) =>
        [.. ((TSqlScript)Parse(sql)).Batches.Single().Statements];

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SessionStores.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("SessionStores.sln not found above " + AppContext.BaseDirectory);
    }

    private sealed class Collector : TSqlFragmentVisitor
    {
        public List<SchemaObjectName> ObjectNames { get; } = [];

        public HashSet<string> Referenced { get; } = new(StringComparer.OrdinalIgnoreCase);

        public HashSet<string> Declared { get; } = new(StringComparer.OrdinalIgnoreCase);

        public List<string> Literals { get; } = [];

        public List<DeleteStatement> Deletes { get; } = [];

        public List<CreateTableStatement> Tables { get; } = [];

        public List<CreateIndexStatement> Indexes { get; } = [];

        public List<string> Procedures { get; } = [];

        public int Inserts { get; private set; }

        /// <summary>Every object named as a table, index target or procedure (data types are names too, and skipped).</summary>
        public override void ExplicitVisit(NamedTableReference node)
        {
            ObjectNames.Add(node.SchemaObject);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(VariableReference node)
        {
            Referenced.Add(node.Name);
            base.ExplicitVisit(node);
        }

        /// <summary>In <c>EXEC p @Name = value</c> the name is the procedure's parameter, not a variable of the batch.</summary>
        public override void ExplicitVisit(ExecuteParameter node) => node.ParameterValue.Accept(this);

        public override void ExplicitVisit(DeclareVariableElement node)
        {
            Declared.Add(node.VariableName.Value);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(DeclareTableVariableBody node)
        {
            Declared.Add(node.VariableName.Value);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(StringLiteral node)
        {
            Literals.Add(node.Value);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(DeleteStatement node)
        {
            Deletes.Add(node);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(InsertStatement node)
        {
            Inserts++;
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(CreateTableStatement node)
        {
            ObjectNames.Add(node.SchemaObjectName);
            Tables.Add(node);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(CreateIndexStatement node)
        {
            ObjectNames.Add(node.OnName);
            Indexes.Add(node);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(ProcedureReference node)
        {
            ObjectNames.Add(node.Name);
            Procedures.Add(node.Name.BaseIdentifier.Value);
            base.ExplicitVisit(node);
        }
    }
}
