using Microsoft.Data.Sqlite;

namespace Vmorph.Storage.Sqlite;

/// <summary>
/// The commands a store runs on every cycle or every morph, each kept for the life of its connection: SQLite parses
/// and plans a statement once and runs it again with new values (a command made per call, as Dapper makes them, is
/// parsed and planned every time). Not safe from several threads, like the connection it runs on.
/// </summary>
internal sealed class PreparedStatements(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="sql"/> (no rows) with the parameters named in it, and returns the rows it changed.</summary>
    public int Execute(string sql, SqliteTransaction? transaction, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        Bound(sql, transaction, parameters).ExecuteNonQuery();

    /// <summary>Runs <paramref name="sql"/> and returns the first column of its first row, or null when it has none (or it is NULL).</summary>
    public object? Scalar(string sql, SqliteTransaction? transaction, params ReadOnlySpan<(string Name, object? Value)> parameters) =>
        Bound(sql, transaction, parameters).ExecuteScalar() is var value && value is DBNull ? null : value;

    private SqliteCommand Bound(string sql, SqliteTransaction? transaction, ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
            commands[sql] = command;
        }
        if (command.Parameters.Count != parameters.Length)
            throw new ArgumentException($"the statement takes {command.Parameters.Count} parameter(s), {parameters.Length} given: {sql}", nameof(parameters));
        command.Transaction = transaction;
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = command.Parameters[i];
            if (parameter.ParameterName != parameters[i].Name)
                throw new ArgumentException($"parameter {i} of the statement is {parameter.ParameterName}, not {parameters[i].Name}: {sql}", nameof(parameters));
            parameter.Value = parameters[i].Value ?? DBNull.Value;
        }
        return command;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var command in commands.Values) command.Dispose();
        commands.Clear();
    }
}
