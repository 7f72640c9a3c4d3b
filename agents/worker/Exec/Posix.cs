using System.Globalization;
using System.Runtime.InteropServices;

namespace Swarm.Worker.Exec;

/// <summary>Signals and <c>/proc</c> reads for the process executor (Linux).</summary>
internal static partial class Posix
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int AccessNative(string path, int mode);

    /// <summary>The filesystem type of tmpfs in <c>statfs</c>'s <c>f_type</c>.</summary>
    public const long TmpfsMagic = 0x01021994;

    [LibraryImport("libc", EntryPoint = "statfs", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatfsNative(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "lchown", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int LchownNative(string path, uint uid, uint gid);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GeteuidNative();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetegidNative();

    /// <summary>The effective user id of this process.</summary>
    public static uint EffectiveUserId => GeteuidNative();

    /// <summary>The effective group id of this process.</summary>
    public static uint EffectiveGroupId => GetegidNative();

    /// <summary>
    /// The type of the filesystem <paramref name="path"/> is on (<c>statfs</c>'s <c>f_type</c>, e.g. <see cref="TmpfsMagic"/>),
    /// or null with the error number when it cannot be read.
    /// </summary>
    public static unsafe long? FilesystemType(string path, out int errno)
    {
        // struct statfs is 120 bytes on 64-bit Linux (84 on 32-bit); f_type, a word, comes first
        var buffer = stackalloc byte[512];
        if (StatfsNative(path, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }

        errno = 0;
        return IntPtr.Size == 8 ? *(long*)buffer : *(int*)buffer;
    }

    /// <summary>Changes the owner of a file (not following a symbolic link); the error number when refused, else 0.</summary>
    public static int ChangeOwner(string path, uint uid, uint gid) => LchownNative(path, uid, gid) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>The text of an error number (<c>strerror</c>).</summary>
    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>Whether this process may execute the file (<c>access(path, X_OK)</c>).</summary>
    public static bool IsExecutable(string path) => AccessNative(path, 1) == 0;

    /// <summary>Sends a signal; false when the process does not exist (any more).</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && KillNative(pid, signal) == 0;

    /// <summary>
    /// Sends a signal to every process of the process group <paramref name="pgid"/> (a task process
    /// leads its own session and group, so its children are in it); false when the group is empty.
    /// </summary>
    public static bool SignalGroup(int pgid, int signal) => pgid > 1 && KillNative(-pgid, signal) == 0;

    /// <summary>The ids of the processes in <c>/proc</c> (a snapshot).</summary>
    public static IEnumerable<int> ProcessIds()
    {
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories("/proc").ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (var entry in entries)
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0)
            {
                yield return pid;
            }
        }
    }

    /// <summary>
    /// The session id of a live process (field 6 of <c>/proc/&lt;pid&gt;/stat</c>); a process that
    /// leads its session has <c>session == pid</c>. Null when there is no such process or it is a zombie.
    /// </summary>
    public static int? Session(int pid) =>
        StatFields(pid) is { } fields && int.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var session) ? session : null;

    /// <summary>
    /// The environment a process was started with (<c>/proc/&lt;pid&gt;/environ</c>); empty when it
    /// cannot be read (gone, or another user's).
    /// </summary>
    public static IReadOnlyDictionary<string, string> EnvironmentOf(int pid)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/environ");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return env;
        }

        foreach (var entry in text.Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                env.TryAdd(entry[..eq], entry[(eq + 1)..]);
            }
        }

        return env;
    }

    /// <summary>
    /// The start time of a live process (field 22 of <c>/proc/&lt;pid&gt;/stat</c>, clock ticks since
    /// boot); null when there is no such process or it is a zombie. With the pid it identifies one
    /// process even after the pid is reused.
    /// </summary>
    public static long? StartTime(int pid) =>
        StatFields(pid) is { } fields && long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var start) ? start : null;

    /// <summary>The fields of <c>/proc/&lt;pid&gt;/stat</c> after the command name (state first); null when gone or a zombie.</summary>
    private static string[]? StatFields(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }

        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length < 20 || fields[0] is "Z" or "X" or "x" ? null : fields;
    }

    /// <summary>Whether the process recorded as (<paramref name="pid"/>, <paramref name="startTime"/>) still runs.</summary>
    public static bool IsAlive(int pid, long startTime) => StartTime(pid) == startTime;
}
