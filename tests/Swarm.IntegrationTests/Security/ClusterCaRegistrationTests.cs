using System.Runtime.Versioning;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Swarm.EventStore;
using Swarm.EventStore.Security;
using Swarm.Security;

namespace Swarm.IntegrationTests.Security;

/// <summary>How a manager process gets its CA: <c>AddClusterCa</c> and the key-encryption key's settings.</summary>
public sealed class ClusterCaRegistrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("swarm-ca-").FullName;

    private static IServiceCollection Services(Dictionary<string, string?> settings, out IConfiguration configuration)
    {
        settings.TryAdd("ConnectionStrings:Postgres", "Host=127.0.0.1;Database=none");
        configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSwarmEventStore(configuration, runRelay: false);
        return services;
    }

    [Fact]
    public void Without_a_key_the_process_stops_at_once_naming_both_settings()
    {
        var services = Services([], out var configuration);
        var ex = Assert.Throws<InvalidOperationException>(() => services.AddClusterCa(configuration));
        Assert.Contains("Swarm:Ca:KeyFile", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Swarm:Ca:Key ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_settings_at_once_are_refused()
    {
        var services = Services(new() { ["Swarm:Ca:KeyFile"] = "/nonexistent", ["Swarm:Ca:Key"] = KeyEncryptionKey.Generate() }, out var configuration);
        var ex = Assert.Throws<InvalidOperationException>(() => services.AddClusterCa(configuration));
        Assert.Contains("set only one", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_too_short_is_refused_without_repeating_it()
    {
        var services = Services(new() { ["Swarm:Ca:Key"] = "tiny-key" }, out var configuration);
        var ex = Assert.Throws<InvalidOperationException>(() => services.AddClusterCa(configuration));
        Assert.Contains("Swarm:Ca:Key", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tiny-key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public void A_key_file_others_may_read_is_refused_at_start_up()
    {
        var path = Path.Combine(_dir, "kek");
        File.WriteAllText(path, KeyEncryptionKey.Generate());
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        var services = Services(new() { ["Swarm:Ca:KeyFile"] = path }, out var configuration);
        var ex = Assert.Throws<InvalidOperationException>(() => services.AddClusterCa(configuration));
        Assert.Contains("Swarm:Ca:KeyFile", ex.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);

        File.Delete(path);
        Assert.Contains("does not exist", Assert.Throws<InvalidOperationException>(() => Services(new() { ["Swarm:Ca:KeyFile"] = path }, out var c).AddClusterCa(c)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_key_file_the_ca_is_one_singleton_over_the_store()
    {
        var path = Path.Combine(_dir, "kek");
        Pem.WritePrivate(path, KeyEncryptionKey.Generate());
        var services = Services(new() { ["Swarm:Ca:KeyFile"] = path }, out var configuration);
        services.AddClusterCa(configuration);
        using var provider = services.BuildServiceProvider();
        Assert.Same(provider.GetRequiredService<ClusterCa>(), provider.GetRequiredService<ClusterCa>());
        Assert.NotNull(provider.GetRequiredService<IDocumentStore>());
        Assert.Equal(path, provider.GetRequiredService<ClusterCaOptions>().KeyFile);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
