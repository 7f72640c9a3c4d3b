using Marten;
using Microsoft.Extensions.DependencyInjection;
using Swarm.EventStore.Security;

namespace Swarm.EventStore.Secrets;

public static class SecretStoreExtensions
{
    /// <summary>Registers <see cref="SecretStore"/> with the key-encryption key of <c>Swarm:Ca</c> (the one the CA's key is sealed with).</summary>
    public static IServiceCollection AddSecretStore(this IServiceCollection services) =>
        services.AddSingleton(sp => new SecretStore(
            sp.GetRequiredService<IDocumentStore>(),
            sp.GetRequiredService<ClusterCaOptions>().LoadKey(),
            sp.GetService<TimeProvider>()));
}
