using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Vmorph.Import;

/// <summary>
/// Whether a path is a regular file that import may open: decided from the file's type (<c>statx</c>), without opening
/// it, because opening a FIFO for reading waits for a writer for ever and a device such as <c>/dev/zero</c> never ends.
/// </summary>
/// <remarks>
/// Symbolic links are followed (a link to a regular file is fine; a link to a FIFO is refused as a FIFO). Where
/// <c>statx</c> is not available (not Linux, or a kernel without it) the check falls back to what .NET can tell:
/// a missing path, a directory, and a symbolic link loop are still recognised, other file types are not.
/// </remarks>
public static class RegularFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28; // struct statx: stx_mask, stx_blksize (u32), stx_attributes (u64), stx_nlink, stx_uid, stx_gid (u32), stx_mode (u16)
    private const int StatxSize = 256;
    private const int ENOENT = 2;
    private const int EACCES = 13;
    private const int ENOTDIR = 20;
    private const int ENAMETOOLONG = 36;
    private const int ELOOP = 40;
    private const int FileTypeMask = 0xF000;
    private static bool statxUnavailable;

    /// <summary>Why <paramref name="path"/> cannot be imported as a trace file, or null when it is a regular file.</summary>
    /// <returns>
    /// The reason, to follow "PATH: ": "no such file", "a symbolic link loop", "a directory, not a trace file",
    /// "not a regular file (a FIFO); vmorph imports regular files only", or "cannot be read: permission denied".
    /// </returns>
    public static string? Problem(string path)
    {
        var native = NativeProblem(path, out var known);
        if (known) return native;
        return ManagedProblem(path);
    }

    /// <summary>Whether <paramref name="path"/> is missing (not even a dangling symbolic link).</summary>
    public static bool IsMissing(string path) => !File.Exists(path) && !Directory.Exists(path) && !IsLink(path);

    private static string? NativeProblem(string path, out bool known)
    {
        known = false;
        if (statxUnavailable || !OperatingSystem.IsLinux()) return null;
        var buffer = new byte[StatxSize];
        int result;
        try
        {
            result = Statx(AtFdCwd, path, 0, StatxType, buffer);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            statxUnavailable = true;
            return null;
        }
        if (result != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            known = true;
            return errno switch
            {
                ENOENT => IsLink(path) ? "a symbolic link to a file that does not exist" : "no such file",
                ELOOP => "a symbolic link loop",
                EACCES => "cannot be read: permission denied",
                ENOTDIR => "no such file (a part of the path is not a directory)",
                ENAMETOOLONG => "the path is too long",
                _ => NotKnown(out known),
            };
        }
        known = true;
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(StatxModeOffset)) & FileTypeMask;
        return mode switch
        {
            0x8000 => null,
            0x4000 => "a directory, not a trace file",
            _ => NotRegular(mode switch
            {
                0x1000 => "a FIFO",
                0x2000 => "a character device",
                0x6000 => "a block device",
                0xC000 => "a socket",
                _ => "of an unknown type",
            }),
        };

        static string? NotKnown(out bool known)
        {
            // ENOSYS and the like: statx is not there (an old kernel, a seccomp filter); let .NET decide.
            statxUnavailable = true;
            known = false;
            return null;
        }
    }

    private static string NotRegular(string kind) => $"not a regular file ({kind}); vmorph imports regular files only";

    private static string? ManagedProblem(string path)
    {
        if (Directory.Exists(path)) return "a directory, not a trace file";
        if (File.Exists(path)) return null;
        if (!IsLink(path)) return "no such file";
        try
        {
            File.ResolveLinkTarget(path, returnFinalTarget: true);
        }
        catch (IOException)
        {
            return "a symbolic link loop";
        }
        return "a symbolic link to a file that does not exist";
    }

    private static bool IsLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int directory, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
