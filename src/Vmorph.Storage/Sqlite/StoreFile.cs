namespace Vmorph.Storage.Sqlite;

/// <summary>
/// Creates the store's file and directory private to the user before SQLite writes anything to them: the directory
/// 0700 and the file 0600 (SQLite gives the <c>-wal</c> and <c>-shm</c> files the mode of the database file). The
/// store holds guest inventories and user names; nobody else on the host should read it. Existing files are left as
/// they are.
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
}
