using Dapper;
using Microsoft.Data.Sqlite;

namespace Vmorph.Storage.Sqlite;

/// <summary>
/// Creates the store's file and directory private to the user before SQLite writes anything to them: the directory
/// 0700 and the file 0600 (SQLite gives the <c>-wal</c> and <c>-shm</c> files the mode of the database file). The
/// store holds guest inventories and user names; nobody else on the host should read it. Existing files are left as
/// they are. Every store class opens its connection here, so the file's mode, the pragmas and the migrations are the
/// same whichever store opens the file first.
/// </summary>
internal static class StoreFile
{
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates what is missing of the directory of <paramref name="path"/> and the file itself, empty.</summary>
    public static void Prepare(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (OperatingSystem.IsWindows())
        {
            if (directory is not null) Directory.CreateDirectory(directory);
            return;
        }
        if (directory is not null && !Directory.Exists(directory)) Directory.CreateDirectory(directory, PrivateDirectory);
        if (File.Exists(full)) return;
        try
        {
            using var created = new FileStream(full, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PrivateFile });
        }
        catch (IOException) when (File.Exists(full))
        {
            // Another process created it meanwhile, with its own mode.
        }
    }

    /// <summary>
    /// How many pages the write-ahead log holds before a commit copies them into the database (<c>wal_autocheckpoint</c>,
    /// set alike on every connection, since whichever commits past it checkpoints): about two cycles of a 10,000-VM
    /// fleet's appended samples, so that a VM's page, written every cycle, is copied once for about two of its versions,
    /// and a serve cycle checkpoints once, not a dozen times. The log grows to about 128 MiB on disk.
    /// </summary>
    internal const int CheckpointPages = 32768;

    /// <summary>
    /// Opens a connection to the store file at <paramref name="path"/> (created private if missing) with the store's
    /// pragmas and migrates it. <paramref name="durable"/> syncs every commit to disk (<c>synchronous=FULL</c>): the
    /// journal and the access tables, whose last commit must survive a power cut. The fleet and control tables, written
    /// on every observation, trade their last commits on a power cut for speed (<c>NORMAL</c>: still consistent under WAL).
    /// The write-ahead log is checkpointed every <see cref="CheckpointPages"/> pages rather than SQLite's 1,000.
    /// </summary>
    public static SqliteConnection OpenMigrated(string path, TimeProvider clock, bool durable)
    {
        Prepare(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            connection.Execute($"PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; PRAGMA synchronous={(durable ? "FULL" : "NORMAL")}; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint={CheckpointPages};");
            SqliteMigrator.Migrate(connection, clock);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }
}
