namespace Swarm.Worker.Exec;

/// <summary>
/// How a task process is marked so that it is found even when no record of it was written (the agent
/// was killed between starting it and recording it): it leads its own session (<c>setsid</c>), so it
/// and its children form one group, and its environment names its task and node.
/// </summary>
internal static class TaskProcesses
{
    /// <summary>The environment variable naming the task a process runs.</summary>
    public const string TaskIdVariable = "SWARM_TASK_ID";

    /// <summary>The environment variable naming the node whose agent started the process.</summary>
    public const string NodeIdVariable = "SWARM_NODE_ID";

    /// <summary>A live task process found in <c>/proc</c>.</summary>
    public sealed record Found(string TaskId, int Pid, long StartTime);

    /// <summary>
    /// The live task processes of a node: session leaders whose environment carries
    /// <see cref="NodeIdVariable"/> = <paramref name="nodeId"/> and a <see cref="TaskIdVariable"/>.
    /// A task's children inherit its environment but not its session, so they are not listed.
    /// </summary>
    public static IReadOnlyList<Found> OfNode(string nodeId)
    {
        var found = new List<Found>();
        foreach (var pid in Posix.ProcessIds())
        {
            if (Posix.Session(pid) != pid || Posix.StartTime(pid) is not { } startTime)
            {
                continue;
            }

            var env = Posix.EnvironmentOf(pid);
            if (env.TryGetValue(NodeIdVariable, out var node) && node == nodeId
                && env.TryGetValue(TaskIdVariable, out var taskId) && ProcessRecords.IsValidTaskId(taskId))
            {
                found.Add(new Found(taskId, pid, startTime));
            }
        }

        return found;
    }
}
