using System.Globalization;
using Swarm.Contracts.Events;
using Swarm.Domain.Tasks;

namespace Swarm.ControlApi.Tasks;

/// <summary>One human line per task event, e.g. <c>state RUNNING: started</c>.</summary>
public static class TaskHistory
{
    public static string Summarize(object data, Func<Guid, string> nodeName) => data switch
    {
        TaskCreated e => Join(
            $"created for slot {e.Slot}, attempt {e.Attempt}, spec v{e.SpecVersion}, desired {Desired(e.DesiredState)}",
            e.Reason,
            e.StartAfter is { } at ? $"starts after {Time(at)}" : null),
        TaskAllocated e => $"allocated address {e.Address}",
        TaskUnschedulable e => $"unschedulable: {e.Reason}",
        TaskAssigned e => $"assigned to node {nodeName(e.NodeId)}",
        TaskStatusChanged e => Join(
            $"state {TaskStateMachine.Display(e.State)}: {e.Message}",
            e.Passed is { Count: > 0 } passed ? $"through {string.Join(", ", passed.Select(p => TaskStateMachine.Display(p.State)))}" : null,
            e.Error is { Length: > 0 } err ? $"error: {err}" : null,
            e.ExitCode is { } code ? $"exit code {code}" : null),
        TaskDesiredStateChanged e => Join($"desired state {Desired(e.DesiredState)}", e.Reason),
        _ => data.GetType().Name,
    };

    private static string Desired(Swarm.Contracts.Model.DesiredState state) => state.ToString().ToUpperInvariant();

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static string Join(string head, params string?[] parts)
    {
        var rest = parts.Where(p => !string.IsNullOrWhiteSpace(p)).ToList();
        return rest.Count == 0 ? head : $"{head} ({string.Join("; ", rest)})";
    }
}
