using Swarm.Contracts.Model;
using Swarm.Ctl.Api;

namespace Swarm.Ctl.Cli;

/// <summary>What <c>service update</c> asked to change.</summary>
public sealed record ServiceChanges
{
    public int? Replicas { get; init; }
    public string? Image { get; init; }
    public IReadOnlyList<string>? Command { get; init; }
    public IReadOnlyDictionary<string, string> EnvAdd { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> EnvRemove { get; init; } = [];
    public string? RestartCondition { get; init; }
    public TimeSpan? RestartDelay { get; init; }
    public int? RestartMaxAttempts { get; init; }
    public TimeSpan? RestartWindow { get; init; }
    public TimeSpan? StopGracePeriod { get; init; }

    public bool ChangesEnv => EnvAdd.Count > 0 || EnvRemove.Count > 0;

    public bool ChangesRestartPolicy => RestartCondition is not null || RestartDelay is not null || RestartMaxAttempts is not null || RestartWindow is not null;

    public bool IsEmpty => Replicas is null && Image is null && Command is null && !ChangesEnv && !ChangesRestartPolicy && StopGracePeriod is null;

    /// <summary>The request body, given the service's current spec (environment and restart policy are merged into it).</summary>
    public UpdateServiceBody ToBody(ServiceSpec current)
    {
        IReadOnlyDictionary<string, string>? env = null;
        if (ChangesEnv)
        {
            var merged = new Dictionary<string, string>(current.Env ?? new Dictionary<string, string>());
            foreach (var key in EnvRemove)
            {
                merged.Remove(key);
            }

            foreach (var (key, value) in EnvAdd)
            {
                merged[key] = value;
            }

            env = merged;
        }

        RestartPolicySpec? restart = null;
        if (ChangesRestartPolicy)
        {
            var now = current.RestartPolicy ?? new RestartPolicySpec();
            restart = now with
            {
                Condition = RestartCondition ?? now.Condition,
                DelaySeconds = RestartDelay?.TotalSeconds ?? now.DelaySeconds,
                MaxAttempts = RestartMaxAttempts ?? now.MaxAttempts,
                WindowSeconds = RestartWindow?.TotalSeconds ?? now.WindowSeconds,
            };
        }

        return new UpdateServiceBody
        {
            Replicas = Replicas,
            Image = Image,
            Command = Command,
            Env = env,
            RestartPolicy = restart,
            StopGracePeriodSeconds = StopGracePeriod?.TotalSeconds,
        };
    }
}
