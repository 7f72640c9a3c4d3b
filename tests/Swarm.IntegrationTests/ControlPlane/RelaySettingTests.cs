using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Swarm.EventStore;
using Swarm.Messaging;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary><c>Swarm:Relay</c>: whether a manager competes to be the relay from the log to the bus.</summary>
public sealed class RelaySettingTests
{
    [Fact]
    public void A_manager_competes_to_be_the_relay_when_the_setting_is_missing_or_empty()
    {
        Assert.True(MessagingExtensions.RelayEnabled(Configuration()));
        Assert.True(MessagingExtensions.RelayEnabled(Configuration("")));
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("TRUE", true)]
    [InlineData("false", false)]
    [InlineData("False", false)]
    [InlineData("FALSE", false)]
    public void The_setting_is_true_or_false_in_any_case(string value, bool enabled) =>
        Assert.Equal(enabled, MessagingExtensions.RelayEnabled(Configuration(value)));

    [Theory]
    [InlineData("yes")]
    [InlineData("0")]
    [InlineData("off")]
    [InlineData("flase")]
    public void Anything_else_is_refused_naming_the_setting_and_the_value(string value)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => MessagingExtensions.RelayEnabled(Configuration(value)));
        Assert.Contains("Swarm:Relay", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    public void A_manager_registers_the_relay_unless_the_setting_is_false(string? value, bool relay)
    {
        var configuration = Configuration(value);
        var services = new ServiceCollection().AddSwarmManager(configuration, _ => { });
        Assert.Equal(relay, services.Any(s => s.ServiceType == typeof(RelayLag)));
    }

    private static IConfiguration Configuration(string? relay = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Username=swarm;Database=swarm",
            ["ConnectionStrings:RabbitMq"] = "amqp://swarm:secret@127.0.0.1:5672/swarm",
        };
        if (relay is not null)
        {
            settings["Swarm:Relay"] = relay;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
    }
}
