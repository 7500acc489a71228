using System.Globalization;
using System.Reflection;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Vmorph.Storage.Sqlite;

/// <summary>
/// Applies the numbered SQL scripts under <c>Migrations/</c> that a database has not had yet, each in its own
/// transaction, and records them in <c>schema_migrations</c>. A database newer than this build is refused.
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
        foreach (var (version, name, sql) in Scripts.Where(s => !applied.Contains(s.Version)))
        {
            using var transaction = connection.BeginTransaction();
            connection.Execute(sql, transaction: transaction);
            connection.Execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (@version, @name, @at)",
                new { version, name, at = clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) }, transaction);
            transaction.Commit();
        }
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
