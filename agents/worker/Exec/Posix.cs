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

    /// <summary>Whether this process may execute the file (<c>access(path, X_OK)</c>).</summary>
    public static bool IsExecutable(string path) => AccessNative(path, 1) == 0;

    /// <summary>Sends a signal; false when the process does not exist (any more).</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && KillNative(pid, signal) == 0;

    /// <summary>
    /// The start time of a live process (field 22 of <c>/proc/&lt;pid&gt;/stat</c>, clock ticks since
    /// boot); null when there is no such process or it is a zombie. With the pid it identifies one
    /// process even after the pid is reused.
    /// </summary>
    public static long? StartTime(int pid)
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
        if (fields.Length < 20 || fields[0] is "Z" or "X" or "x")
        {
            return null;
        }

        return long.TryParse(fields[19], NumberStyles.Integer, CultureInfo.InvariantCulture, out var start) ? start : null;
    }

    /// <summary>Whether the process recorded as (<paramref name="pid"/>, <paramref name="startTime"/>) still runs.</summary>
    public static bool IsAlive(int pid, long startTime) => StartTime(pid) == startTime;
}
