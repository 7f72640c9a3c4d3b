using Swarm.Contracts.Model;

namespace Swarm.Domain.Orchestration;

/// <summary>The four service modes and what desired state their tasks run with.</summary>
public static class ServiceModes
{
    public const string Replicated = "replicated";
    public const string Global = "global";
    public const string ReplicatedJob = "replicated-job";
    public const string GlobalJob = "global-job";

    public static readonly IReadOnlyList<string> All = [Replicated, Global, ReplicatedJob, GlobalJob];

    public static string Of(ServiceSpec spec) => string.IsNullOrEmpty(spec.Mode) ? Replicated : spec.Mode;

    public static bool IsJob(string mode) => mode is ReplicatedJob or GlobalJob;

    public static bool IsGlobal(string mode) => mode is Global or GlobalJob;

    /// <summary>Job tasks run to completion (desired <c>completed</c>); service tasks keep running.</summary>
    public static DesiredState RunState(string mode) => IsJob(mode) ? DesiredState.Completed : DesiredState.Running;
}
