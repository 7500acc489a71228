using System.Security.Cryptography;

namespace Vmorph.Guest.Privacy;

/// <summary>
/// The installation's secret for anonymising user names (a keyed hash, <see cref="Profiles.UserBehaviorModel.Anonymise"/>):
/// 32 random bytes in <c>secret.key</c> in the data directory, created on first use with mode 0600 and never logged or
/// printed. Without the key nobody can tell which user a stored hash stands for, not even by trying likely names.
/// </summary>
public static class AnonymisationKeyFile
{
    /// <summary>The file name in the data directory.</summary>
    public const string FileName = "secret.key";

    /// <summary>The key's length in bytes.</summary>
    public const int Length = 32;

    /// <summary>Reads the key in <paramref name="dataDirectory"/>, creating it first if there is none.</summary>
    public static byte[] LoadOrCreate(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            if (File.Exists(path))
            {
                var key = File.ReadAllBytes(path);
                if (key.Length != Length)
                    throw new InvalidDataException($"{path} holds {key.Length} bytes, not a {Length}-byte key; move it away to have a new key made (user hashes made with the old key will no longer match)");
                return key;
            }
            var created = RandomNumberGenerator.GetBytes(Length);
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                using (var file = new FileStream(path, options)) file.Write(created);
                return created;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process made it first: use theirs.
            }
        }
        throw new IOException($"cannot create {path}");
    }
}
