using Microsoft.Data.Sqlite;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Storage.Tests.Sqlite;

public sealed class PreparedStatementsTests : IDisposable
{
    private readonly SqliteConnection connection = new("Data Source=:memory:");

    public PreparedStatementsTests()
    {
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)";
        create.ExecuteNonQuery();
    }

    public void Dispose() => connection.Dispose();

    [Fact]
    public void AStatementRunAgain_TakesItsNewValues_NullsIncluded_InsideAndOutsideATransaction()
    {
        using var statements = new PreparedStatements(connection);
        const string insert = "INSERT INTO t (k, v) VALUES (@k, @v)";
        const string read = "SELECT v FROM t WHERE k = @k";

        Assert.Equal(1, statements.Execute(insert, null, ("@k", "a"), ("@v", 1L)));
        using (var transaction = connection.BeginTransaction())
        {
            Assert.Equal(1, statements.Execute(insert, transaction, ("@k", "b"), ("@v", null)));
            Assert.Equal(1L, statements.Scalar(read, transaction, ("@k", "a")));
            transaction.Commit();
        }
        Assert.Equal(1, statements.Execute(insert, null, ("@k", "c"), ("@v", 3L)));

        Assert.Equal(1L, statements.Scalar(read, null, ("@k", "a")));
        Assert.Null(statements.Scalar(read, null, ("@k", "b")));
        Assert.Equal(3L, statements.Scalar(read, null, ("@k", "c")));
        Assert.Null(statements.Scalar(read, null, ("@k", "missing")));
        Assert.Equal(0, statements.Execute("UPDATE t SET v = @v WHERE k = @k", null, ("@v", 9L), ("@k", "missing")));
    }

    [Fact]
    public void ParametersGivenOtherwiseThanTheFirstTime_AreRefusedNamingTheStatement()
    {
        using var statements = new PreparedStatements(connection);
        const string insert = "INSERT INTO t (k, v) VALUES (@k, @v)";
        statements.Execute(insert, null, ("@k", "a"), ("@v", 1L));

        var swapped = Assert.Throws<ArgumentException>(() => statements.Execute(insert, null, ("@v", 2L), ("@k", "b")));
        Assert.Contains("parameter 0 of the statement is @k, not @v", swapped.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<ArgumentException>(() => statements.Execute(insert, null, ("@k", "b")));
        Assert.Contains(insert, missing.Message, StringComparison.Ordinal);
    }
}
