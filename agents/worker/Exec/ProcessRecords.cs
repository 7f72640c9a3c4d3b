using System.Text.Json;

namespace Swarm.Worker.Exec;

/// <summary>
/// A task process, as written to the state directory: first with <see cref="Pid"/> 0, just before it
/// is started (the task was started here, its process is found by its mark), then with its pid and
/// start time once it runs.
/// </summary>
public sealed record ProcessRecord(string TaskId, int Pid, long StartTime, double StopGracePeriodSeconds);

/// <summary>
/// The processes this node started, one file per task under <c>&lt;state-dir&gt;/tasks</c>, so that a
/// restarted agent finds them again.
/// </summary>
public sealed class ProcessRecords
{
    private readonly string _dir;

    public ProcessRecords(string stateDir)
    {
        _dir = Path.Combine(stateDir, "tasks");
    }

    public void Save(ProcessRecord record)
    {
        Directory.CreateDirectory(_dir);
        var path = PathOf(record.TaskId);
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(record));
        File.Move(temp, path, overwrite: true);
    }

    public ProcessRecord? Load(string taskId)
    {
        try
        {
            return JsonSerializer.Deserialize<ProcessRecord>(File.ReadAllText(PathOf(taskId)));
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public IReadOnlyList<ProcessRecord> All()
    {
        if (!Directory.Exists(_dir))
        {
            return [];
        }

        return Directory.EnumerateFiles(_dir, "*.json")
            .Select(f => Load(Path.GetFileNameWithoutExtension(f)))
            .OfType<ProcessRecord>()
            .ToList();
    }

    public void Delete(string taskId)
    {
        try
        {
            File.Delete(PathOf(taskId));
        }
        catch (IOException)
        {
            // gone already
        }
    }

    /// <summary>Whether a task id can name files in the state directory.</summary>
    public static bool IsValidTaskId(string taskId) =>
        taskId.Length > 0 && taskId.IndexOfAny(Path.GetInvalidFileNameChars()) < 0 && !taskId.Contains("..", StringComparison.Ordinal);

    /// <summary>The task id, when it can name files in the state directory.</summary>
    public static string CheckTaskId(string taskId) =>
        IsValidTaskId(taskId) ? taskId : throw new ArgumentException($"invalid task id '{taskId}'", nameof(taskId));

    private string PathOf(string taskId) => Path.Combine(_dir, CheckTaskId(taskId) + ".json");
}
