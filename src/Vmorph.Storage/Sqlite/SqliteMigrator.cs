using System.Globalization;
using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Vmorph.Storage.Sqlite;

/// <summary>
/// Applies the numbered SQL scripts under <c>Migrations/</c> that a database has not had yet, each in its own
/// transaction, and records them in <c>schema_migrations</c>. A database newer than this build is refused. Several
/// processes may open a new store at once (tests, a collector beside an apply): each script runs under the write lock
/// (<c>BEGIN IMMEDIATE</c>) and is skipped if another process applied it while this one waited.
/// </summary>
internal static class SqliteMigrator
{
    public static IReadOnlyList<(int Version, string Name, string Sql)> Scripts { get; } = LoadScripts();

    public static void Migrate(SqliteConnection connection, TimeProvider clock)
    {
        connection.Execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
        var applied = connection.Query<int>("SELECT version FROM schema_migrations").ToHashSet();
        var newest = Scripts.Count == 0 ? 0 : Scripts[^1].Version;
        if (applied.Count > 0 && applied.Max() > newest)
            throw new InvalidOperationException($"the store at {connection.DataSource} has schema version {applied.Max()}, newer than this vmorph knows ({newest}); use a newer vmorph");
        foreach (var script in Scripts.Where(s => !applied.Contains(s.Version)))
            Apply(connection, script, clock);
    }

    /// <summary>
    /// Runs one script and records it, unless it is recorded already: the check is made again under the write lock,
    /// because another process may have applied it between this one's first look and now. True when it ran here.
    /// </summary>
    internal static bool Apply(SqliteConnection connection, (int Version, string Name, string Sql) script, TimeProvider clock)
    {
        var (version, name, sql) = script;
        using var transaction = connection.BeginTransaction(deferred: false);
        if (connection.ExecuteScalar<long>("SELECT count(*) FROM schema_migrations WHERE version = @version", new { version }, transaction) > 0)
            return false;
        connection.Execute(sql, transaction: transaction);
        connection.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
            new { version, name, at = clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) }, transaction);
        transaction.Commit();
        return true;
    }

    private static List<(int, string, string)> LoadScripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "Vmorph.Storage.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n[prefix.Length..^4];
                var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (version, name, reader.ReadToEnd());
            })
            .OrderBy(s => s.version)
            .ToList();
    }
}
