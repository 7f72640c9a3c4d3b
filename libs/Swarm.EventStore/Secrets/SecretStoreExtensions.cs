using Marten;
using Microsoft.Extensions.DependencyInjection;
using Swarm.EventStore.Security;

namespace Swarm.EventStore.Secrets;

public static class SecretStoreExtensions
{
    /// <summary>
    /// Registers <see cref="SecretStore"/> with the process's <see cref="ManagerKeys"/> (registered by
    /// <c>AddClusterCa</c>: the key-encryption key of <c>Swarm:Ca</c> and the unlock key once given).
    /// </summary>
    public static IServiceCollection AddSecretStore(this IServiceCollection services) =>
        services.AddSingleton(sp => new SecretStore(
            sp.GetRequiredService<IDocumentStore>(),
            sp.GetService<ManagerKeys>() ?? new ManagerKeys(sp.GetRequiredService<ClusterCaOptions>().LoadKey()),
            sp.GetService<TimeProvider>()));
}
