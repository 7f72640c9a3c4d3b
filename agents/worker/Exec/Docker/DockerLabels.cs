namespace Swarm.Worker.Exec.Docker;

/// <summary>The labels that tie a container to its node, service, task and slot.</summary>
public static class DockerLabels
{
    public const string NodeId = "com.swarm.node.id";
    public const string NodeHostname = "com.swarm.node.hostname";
    public const string ServiceId = "com.swarm.service.id";
    public const string ServiceName = "com.swarm.service.name";
    public const string TaskId = "com.swarm.task.id";
    public const string TaskName = "com.swarm.task.name";
    public const string Slot = "com.swarm.task.slot";
    public const string StopGraceSeconds = "com.swarm.task.stop-grace-seconds";

    /// <summary>On a node network: the cluster network it realises.</summary>
    public const string NetworkId = "com.swarm.network.id";
    public const string NetworkName = "com.swarm.network.name";

    /// <summary>The container name: <c>service.slot.taskid</c>, as SwarmKit names them.</summary>
    public static string ContainerName(TaskAssignment task)
    {
        var name = $"{task.ServiceName}.{task.Slot}.{task.TaskId}";
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '-').ToArray();
        var clean = new string(chars).TrimStart('.', '-', '_');
        return clean.Length == 0 ? task.TaskId : clean;
    }
}
