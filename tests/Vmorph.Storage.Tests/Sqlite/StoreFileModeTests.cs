using Microsoft.Extensions.Time.Testing;
using Vmorph.Storage.Sqlite;

namespace Vmorph.Storage.Tests.Sqlite;

/// <summary>The store is private to its user: the files vmorph creates are 0600 and the data directory 0700.</summary>
public sealed class StoreFileModeTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string root = Directory.CreateTempSubdirectory("vmorph-modes-").FullName;
    private readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public void Open_NewStoreInNewDirectory_Files0600AndDirectory0700()
    {
        var directory = Path.Combine(root, "data", "vmorph");
        var path = Path.Combine(directory, "vmorph.db");
        using (var store = SqliteFleetStore.Open(path, clock))
        {
            // While the store is open its -wal and -shm files exist: SQLite gives them the database file's mode.
            Assert.Equal(Private, File.GetUnixFileMode(path));
            Assert.Equal(Private, File.GetUnixFileMode(path + "-wal"));
            Assert.Equal(Private, File.GetUnixFileMode(path + "-shm"));
        }
        Assert.Equal(Private, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
    }

    [Fact]
    public void OpenJournal_NewStore_File0600()
    {
        var path = Path.Combine(root, "journal", "vmorph.db");
        using (SqliteMorphJournal.Open(path, clock)) { }
        Assert.Equal(Private, File.GetUnixFileMode(path));
    }
}
