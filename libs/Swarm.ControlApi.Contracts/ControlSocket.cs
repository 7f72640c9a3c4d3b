namespace Swarm.ControlApi.Contracts;

/// <summary>
/// Where the control API's unix socket is when <c>ControlApi:Socket</c> (the API) or <c>SWARM_API</c> / <c>--host</c>
/// (swarmctl) do not say: <c>/run/swarm/control.sock</c> for root, else <c>$XDG_RUNTIME_DIR/swarm/control.sock</c>,
/// else <c>/tmp/swarm-&lt;uid&gt;/control.sock</c>. Both sides compute it the same way, so swarmctl needs no flag.
/// </summary>
public static class ControlSocket
{
    public const string FileName = "control.sock";

    public static string DefaultPath() => DefaultPath(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR"), UserId());

    /// <summary>The default path for a user (<paramref name="uid"/>) with the given runtime directory (may be empty).</summary>
    public static string DefaultPath(string? xdgRuntimeDir, long uid)
    {
        if (uid == 0)
        {
            return Path.Combine("/run/swarm", FileName);
        }

        return !string.IsNullOrWhiteSpace(xdgRuntimeDir) && Path.IsPathRooted(xdgRuntimeDir)
            ? Path.Combine(xdgRuntimeDir, "swarm", FileName)
            : Path.Combine("/tmp", $"swarm-{uid}", FileName);
    }

    /// <summary>The process's real user id (read from /proc, so no native call is needed); -1 where there is none.</summary>
    public static long UserId()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    var fields = line["Uid:".Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return -1;
    }
}
