using System.Diagnostics.Metrics;

namespace Swarm.Dispatcher.Leadership;

/// <summary>
/// <c>swarm.dispatcher.leader</c>: 1 while this replica leads (and has fenced the log with its term),
/// else 0, tagged with the replica's name; <c>swarm.dispatcher.leader_changes</c>: leaders this replica
/// learned of (a new leader, or the same one elected again after a time without one).
/// </summary>
public static class LeadershipMetrics
{
    public const string LeaderName = "swarm.dispatcher.leader";
    public const string LeaderChangesName = "swarm.dispatcher.leader_changes";
    public const string ReplicaTag = "swarm.dispatcher.replica";

    public static void Observe(LeadershipState state, Meter meter)
    {
        var replica = new KeyValuePair<string, object?>(ReplicaTag, state.ReplicaId);
        meter.CreateObservableGauge(LeaderName, () => new Measurement<int>(state.IsServing ? 1 : 0, replica),
            description: "1 while this dispatcher replica leads, else 0");
        var changes = meter.CreateCounter<long>(LeaderChangesName, "{change}", "Dispatcher leaders this replica learned of");
        state.LeaderChanged += _ => changes.Add(1, replica);
    }
}
