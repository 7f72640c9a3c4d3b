using Marten.Events.Aggregation;
using Swarm.Contracts.Events;
using Swarm.Domain.Secrets;

namespace Swarm.EventStore.Secrets;

/// <summary>Secrets' metadata, folded inline (the API reads its own writes).</summary>
public sealed class SecretProjection : SingleStreamProjection<Secret, Guid>
{
    public static Secret Create(SecretCreated e) => Secret.Create(e);

    public static Secret Apply(SecretRemoved e, Secret current) => current.Apply(e);
}

/// <summary>Configs' metadata, folded inline.</summary>
public sealed class ConfigProjection : SingleStreamProjection<Config, Guid>
{
    public static Config Create(ConfigCreated e) => Config.Create(e);

    public static Config Apply(ConfigRemoved e, Config current) => current.Apply(e);
}
