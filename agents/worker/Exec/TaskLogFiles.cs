using System.Runtime.CompilerServices;
using System.Text;

namespace Swarm.Worker.Exec;

/// <summary>
/// The output of process tasks, one file per task: <c>&lt;state-dir&gt;/tasks/&lt;task&gt;.log</c>.
/// The task process writes it itself (its stdout and stderr are the file, opened for appending), so
/// nothing is lost or blocked while the agent is down, and an adopted process keeps writing to the
/// same file. Both streams share the file in the order they were written, as a terminal shows them;
/// lines are reported as <c>stdout</c>.
/// <para>
/// A file that grows past the size limit is copied to <c>&lt;task&gt;.log.1</c> (replacing the
/// previous copy) and truncated; the process appends, so it carries on at the start of the file.
/// Lines written between the copy and the truncation are lost, as with logrotate's copytruncate.
/// </para>
/// </summary>
internal sealed class TaskLogFiles
{
    public const string Stream = "stdout";

    /// <summary>Longer lines are cut into pieces of this many bytes.</summary>
    private const int MaxLineBytes = 64 * 1024;

    private const int ChunkBytes = 64 * 1024;

    /// <summary>The most one read takes from a file.</summary>
    private const long MaxReadBytes = 32L * 1024 * 1024;

    private readonly string _dir;
    private readonly TimeProvider _time;

    public TaskLogFiles(string stateDir, TimeProvider time)
    {
        _dir = Path.Combine(stateDir, "tasks");
        _time = time;
    }

    public string PathOf(string taskId) => Path.Combine(_dir, ProcessRecords.CheckTaskId(taskId) + ".log");

    public static string RotatedPath(string path) => path + ".1";

    /// <summary>Creates the task's log file (kept when it exists) and returns its path.</summary>
    public string Create(string taskId)
    {
        Directory.CreateDirectory(_dir);
        var path = PathOf(taskId);
        using (new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
        }

        return path;
    }

    /// <summary>Moves the file's content to <c>.log.1</c> when it is larger than <paramref name="maxBytes"/>; true when it did.</summary>
    public bool RotateIfLarger(string taskId, long maxBytes)
    {
        var path = PathOf(taskId);
        var info = new FileInfo(path);
        if (!info.Exists || info.Length <= maxBytes)
        {
            return false;
        }

        var rotated = RotatedPath(path);
        var temp = rotated + ".tmp";
        File.Copy(path, temp, overwrite: true);
        File.Move(temp, rotated, overwrite: true);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        file.SetLength(0);
        return true;
    }

    public void Delete(string taskId)
    {
        var path = PathOf(taskId);
        foreach (var file in new[] { path, RotatedPath(path) })
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // in use or gone
            }
        }
    }

    /// <summary>Task ids with a log file here, with the time each was last written.</summary>
    public IReadOnlyList<(string TaskId, DateTime LastWriteUtc)> All()
    {
        if (!Directory.Exists(_dir))
        {
            return [];
        }

        return Directory.EnumerateFiles(_dir, "*.log")
            .Select(f => (Path.GetFileNameWithoutExtension(f), File.GetLastWriteTimeUtc(f)))
            .ToList();
    }

    /// <summary>
    /// The last <paramref name="tail"/> lines (all when 0); then, with <paramref name="follow"/>, lines
    /// as they are appended (checked every <paramref name="pollInterval"/>) until <paramref name="running"/>
    /// says the task has ended and everything it wrote was read. Nothing when the task has no file and,
    /// when following, does not run.
    /// </summary>
    public async IAsyncEnumerable<LogEntry> ReadAsync(string taskId, bool follow, int tail, Func<bool> running, TimeSpan pollInterval, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var path = PathOf(taskId);
        var rotated = RotatedPath(path);
        while (!File.Exists(path) && !File.Exists(rotated))
        {
            // a task that is about to start has no file yet
            var alive = follow && running();
            if (File.Exists(path))
            {
                break;
            }

            if (!alive)
            {
                yield break;
            }

            await Task.Delay(pollInterval, _time, cancellationToken);
        }

        var at = new DateTimeOffset(File.Exists(path) ? File.GetLastWriteTimeUtc(path) : File.GetLastWriteTimeUtc(rotated), TimeSpan.Zero);
        var length = LengthOf(path);

        // when following, a last line without its newline is still being written: it comes with the rest
        var end = follow ? EndOfLastLine(path, length) : length;
        var (start, found) = StartOfLastLines(path, end, tail);
        if (start == 0 && (tail == 0 || found < tail))
        {
            var rotatedLength = LengthOf(rotated);
            var (rotatedStart, _) = StartOfLastLines(rotated, rotatedLength, tail == 0 ? 0 : tail - found);
            foreach (var line in Lines(ReadRange(rotated, rotatedStart, rotatedLength), final: true))
            {
                yield return new LogEntry(taskId, Stream, line, at);
            }
        }

        foreach (var line in Lines(ReadRange(path, start, end), final: true))
        {
            yield return new LogEntry(taskId, Stream, line, at);
        }

        if (!follow)
        {
            yield break;
        }

        var offset = end;
        var pending = new List<byte>();
        while (true)
        {
            var alive = running();
            length = LengthOf(path);
            if (length < offset)
            {
                // rotated: what was written since the last read is at the end of the copy
                pending.AddRange(ReadRange(rotated, offset, LengthOf(rotated)));
                offset = 0;
            }

            if (length > offset)
            {
                pending.AddRange(ReadRange(path, offset, length));
                offset = length;
            }

            var now = _time.GetUtcNow();
            foreach (var line in TakeLines(pending, final: !alive))
            {
                yield return new LogEntry(taskId, Stream, line, now);
            }

            if (!alive && LengthOf(path) == offset)
            {
                yield break;
            }

            if (alive)
            {
                await Task.Delay(pollInterval, _time, cancellationToken);
            }
        }
    }

    private static long LengthOf(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? info.Length : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    private static FileStream? Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The bytes [<paramref name="from"/>, <paramref name="to"/>) of the file, fewer when it is shorter now.</summary>
    private static byte[] ReadRange(string path, long from, long to)
    {
        // more than this only after a long time without an agent to trim the file: the start is skipped
        from = Math.Max(from, to - MaxReadBytes);
        if (to <= from)
        {
            return [];
        }

        using var file = Open(path);
        if (file is null)
        {
            return [];
        }

        var buffer = new byte[to - from];
        file.Position = from;
        var total = 0;
        int read;
        while (total < buffer.Length && (read = file.Read(buffer, total, buffer.Length - total)) > 0)
        {
            total += read;
        }

        return total == buffer.Length ? buffer : buffer[..total];
    }

    /// <summary>The offset just past the last newline before <paramref name="length"/> (0 when there is none).</summary>
    private static long EndOfLastLine(string path, long length)
    {
        using var file = Open(path);
        if (file is null)
        {
            return 0;
        }

        var buffer = new byte[ChunkBytes];
        var end = length;
        while (end > 0)
        {
            var n = (int)Math.Min(buffer.Length, end);
            file.Position = end - n;
            file.ReadExactly(buffer, 0, n);
            var newline = Array.LastIndexOf(buffer, (byte)'\n', n - 1, n);
            if (newline >= 0)
            {
                return end - n + newline + 1;
            }

            end -= n;
        }

        return 0;
    }

    /// <summary>
    /// Where the last <paramref name="count"/> lines of [0, <paramref name="end"/>) start (all lines when
    /// <paramref name="count"/> is 0), and how many lines there are from there.
    /// </summary>
    private static (long Start, int Lines) StartOfLastLines(string path, long end, int count)
    {
        if (end <= 0)
        {
            return (0, 0);
        }

        using var file = Open(path);
        if (file is null)
        {
            return (0, 0);
        }

        var buffer = new byte[ChunkBytes];
        var last = new byte[1];
        file.Position = end - 1;
        file.ReadExactly(last);

        // the newline that ends the last line does not start another one
        var scanEnd = last[0] == '\n' ? end - 1 : end;
        var newlines = 0;
        while (scanEnd > 0)
        {
            var n = (int)Math.Min(buffer.Length, scanEnd);
            file.Position = scanEnd - n;
            file.ReadExactly(buffer, 0, n);
            for (var i = n - 1; i >= 0; i--)
            {
                if (buffer[i] == '\n' && ++newlines == count)
                {
                    return (scanEnd - n + i + 1, count);
                }
            }

            scanEnd -= n;
        }

        return (0, newlines + 1);
    }

    private static IEnumerable<string> Lines(byte[] bytes, bool final)
    {
        var pending = new List<byte>(bytes);
        return TakeLines(pending, final).ToList();
    }

    /// <summary>
    /// The complete lines at the start of <paramref name="pending"/> (removed from it); with
    /// <paramref name="final"/>, what is left too. Lines longer than the limit are cut.
    /// </summary>
    private static IEnumerable<string> TakeLines(List<byte> pending, bool final)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < pending.Count; i++)
        {
            if (pending[i] == '\n' || i - start + 1 >= MaxLineBytes)
            {
                var count = pending[i] == '\n' ? i - start : i - start + 1;
                lines.Add(Decode(pending, start, count));
                start = i + 1;
            }
        }

        if (final && start < pending.Count)
        {
            lines.Add(Decode(pending, start, pending.Count - start));
            start = pending.Count;
        }

        pending.RemoveRange(0, start);
        return lines;
    }

    private static string Decode(List<byte> bytes, int start, int count)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes).Slice(start, count);
        if (span.Length > 0 && span[^1] == '\r')
        {
            span = span[..^1];
        }

        return Encoding.UTF8.GetString(span);
    }
}
