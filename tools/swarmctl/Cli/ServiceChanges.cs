using Swarm.Contracts.Model;
using Swarm.ControlApi.Contracts;
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

    /// <summary>Rolling update settings given (null members were not given).</summary>
    public UpdateConfigSpec? UpdateConfig { get; init; }

    /// <summary>Rollback settings given (null members were not given).</summary>
    public UpdateConfigSpec? RollbackConfig { get; init; }

    /// <summary>Placement, resource and port changes; when any is given the whole merged spec is sent.</summary>
    public PlacementChanges Placement { get; init; } = new();

    /// <summary>Network and endpoint mode changes; when any is given the whole merged spec is sent.</summary>
    public NetworkChanges Networks { get; init; } = new();

    /// <summary>Secret and config changes; when any is given the whole merged spec is sent.</summary>
    public SecretChanges Secrets { get; init; } = new();

    /// <summary>Replace every task even if nothing else changed.</summary>
    public bool Force { get; init; }

    /// <summary>Return to the previous spec; nothing else may be asked with it.</summary>
    public bool Rollback { get; init; }

    public bool ChangesEnv => EnvAdd.Count > 0 || EnvRemove.Count > 0;

    public bool ChangesRestartPolicy => RestartCondition is not null || RestartDelay is not null || RestartMaxAttempts is not null || RestartWindow is not null;

    /// <summary>Nothing but <see cref="Force"/> and <see cref="Rollback"/>: no value of the spec is changed.</summary>
    public bool ChangesNoValue =>
        Replicas is null && Image is null && Command is null && !ChangesEnv && !ChangesRestartPolicy && StopGracePeriod is null
        && UpdateConfig is null && RollbackConfig is null && Placement.IsEmpty && Networks.IsEmpty && Secrets.IsEmpty;

    public bool IsEmpty => ChangesNoValue && !Force && !Rollback;

    /// <summary>
    /// The request body, given the service's current spec: environment, restart policy and update
    /// settings are merged into the current values; placement, resource and port changes are merged
    /// into the whole spec, which is then sent as <c>spec</c>, as are network changes (<paramref name="networks"/>, the
    /// service's networks as the API resolved them, lets <c>--network-rm</c> name a network either way). A rollback is sent alone.
    /// </summary>
    public UpdateServiceRequest ToBody(ServiceSpec current, IReadOnlyList<ServiceNetworkView>? networks = null)
    {
        if (Rollback)
        {
            return new UpdateServiceRequest { Rollback = true };
        }

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

        return new UpdateServiceRequest
        {
            Replicas = Replicas,
            Image = Image,
            Command = Command,
            Env = env,
            RestartPolicy = restart,
            StopGracePeriodSeconds = StopGracePeriod?.TotalSeconds,
            UpdateConfig = UpdateConfig is { } update ? UpdateConfigOptions.Merge(current.UpdateConfig, update) : null,
            RollbackConfig = RollbackConfig is { } rollback ? UpdateConfigOptions.Merge(current.RollbackConfig, rollback) : null,
            Force = Force,
            Spec = Placement.IsEmpty && Networks.IsEmpty && Secrets.IsEmpty ? null : Secrets.Apply(Networks.Apply(Placement.Apply(current), networks)),
        };
    }
}
