using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Swarm.Security;

namespace Swarm.EventStore.Security;

public static class ClusterCaExtensions
{
    /// <summary>
    /// Registers the cluster CA (a singleton over the registered Marten store) with the key-encryption key of
    /// <c>Swarm:Ca:KeyFile</c> or <c>Swarm:Ca:Key</c>, read now: a missing, unreadable or badly protected key
    /// stops the process at start-up rather than at its first join.
    /// </summary>
    public static IServiceCollection AddClusterCa(this IServiceCollection services, IConfiguration configuration)
    {
        var options = ClusterCaOptions.From(configuration);
        var kek = options.LoadKey();
        services.AddSingleton(options);
        services.AddSingleton(new ManagerKeys(kek));
        services.AddSingleton(sp => new ClusterCa(
            sp.GetRequiredService<IDocumentStore>(),
            sp.GetRequiredService<ManagerKeys>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<ClusterCa>>()));
        return services;
    }
}
