using Npgsql;
using Swarm.EventStore;

namespace Swarm.IntegrationTests.ControlPlane;

public sealed class ConnectionStringTests
{
    [Fact]
    public void Statements_are_prepared_automatically_unless_the_connection_string_says_otherwise()
    {
        var given = new NpgsqlConnectionStringBuilder(SwarmStoreOptions.WithAutoPrepare("Host=127.0.0.1;Username=swarm;Password=secret;Database=swarm"));
        Assert.Equal(64, given.MaxAutoPrepare);
        Assert.Equal("secret", given.Password);

        var chosen = new NpgsqlConnectionStringBuilder(SwarmStoreOptions.WithAutoPrepare("Host=127.0.0.1;Max Auto Prepare=0"));
        Assert.Equal(0, chosen.MaxAutoPrepare);
    }
}
