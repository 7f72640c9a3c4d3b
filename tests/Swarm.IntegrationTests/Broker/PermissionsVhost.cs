using System.Net.Http.Json;
using System.Security.Cryptography;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Swarm.Testing;

namespace Swarm.IntegrationTests.Broker;

/// <summary>
/// A fresh vhost on the test broker with the users of <see cref="BrokerPermissionTable"/> (under names of this run's
/// own, with generated passwords and the table's permissions and tags), the queues each component owns as
/// MassTransit names them, and the exchanges of the message types. Made through the management API as the test
/// administrator; the vhost and the users are deleted at the end.
/// </summary>
public sealed class PermissionsVhost : IAsyncLifetime
{
    /// <summary>The queues each component's endpoints declare (the dispatcher's per process, every reply queue per process).</summary>
    public static readonly IReadOnlyDictionary<string, string[]> OwnedQueues = new Dictionary<string, string[]>
    {
        ["orchestrator"] = ["orchestrator-create-service", "orchestrator-create-service_error", "orchestrator-task-status-changed", "vm_SwarmOrchestrator_bus_8kfyyybpo3a6b"],
        ["allocator"] = ["allocator-task-created", "allocator-task-status-changed", "vm_SwarmAllocator_bus_8kfyyybpo3a6b"],
        ["scheduler"] = ["scheduler-placement", "vm_SwarmScheduler_bus_8kfyyybpo3a6b"],
        ["dispatcher"] = ["dispatcher-assignments-vm-4242-50bd9da6", "vm_SwarmDispatcher_bus_8kfyyybpo3a6b"],
        ["controlapi"] = ["vm_SwarmControlApi_bus_6r4yyybpo3a6b"],
    };

    public const string CreateService = "Swarm.Contracts.Commands:CreateService";
    public const string CommandRejected = "Swarm.Contracts.Commands:CommandRejected";
    public const string NodeRegistered = "Swarm.Contracts.Events:NodeRegistered";
    public const string TaskStatusChanged = "swarm.task-status-changed";

    /// <summary>A queue only the administrator reads, bound to <see cref="CreateService"/>: what was published there.</summary>
    public const string CommandSink = "test-sink-create-service";

    private readonly string _run = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    private readonly Dictionary<string, string> _passwords = [];
    private readonly Dictionary<string, IConnection> _connections = [];
    private IConnection? _admin;
    private bool _created;

    public string VHost => $"swarm-test-perm-{_run}";
    public bool Available { get; private set; }
    public IReadOnlyList<BrokerUserPermissions> Users { get; } = BrokerPermissionTable.Load();

    /// <summary>The broker user this run made for a user of the table.</summary>
    public string UserName(string user) => $"perm{_run}-{user}";

    public async Task InitializeAsync()
    {
        await TestInfrastructure.ResolveAsync();
        if (TestInfrastructure.MissingReason is not null)
        {
            return;
        }

        using var api = TestInfrastructure.ManagementClient();
        (await api.PutAsync($"api/vhosts/{VHost}", null)).EnsureSuccessStatusCode();
        _created = true;
        var (admin, _) = TestInfrastructure.RabbitCredentials();
        (await api.PutAsJsonAsync($"api/permissions/{VHost}/{Uri.EscapeDataString(admin)}", new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        foreach (var user in Users)
        {
            _passwords[user.User] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            (await api.PutAsJsonAsync($"api/users/{UserName(user.User)}", new { password = _passwords[user.User], tags = user.Tags })).EnsureSuccessStatusCode();
            (await api.PutAsJsonAsync($"api/permissions/{VHost}/{UserName(user.User)}", new { configure = user.Configure, write = user.Write, read = user.Read })).EnsureSuccessStatusCode();
        }

        _admin = await new ConnectionFactory { Uri = new Uri($"{TestInfrastructure.RabbitMq}/{VHost}") }.CreateConnectionAsync();
        await using var channel = await _admin.CreateChannelAsync();
        foreach (var queue in OwnedQueues.Values.SelectMany(q => q))
        {
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        }

        await channel.ExchangeDeclareAsync(CreateService, ExchangeType.Fanout, durable: true);
        await channel.ExchangeDeclareAsync(CommandRejected, ExchangeType.Fanout, durable: true);
        await channel.ExchangeDeclareAsync(NodeRegistered, ExchangeType.Fanout, durable: true);
        await channel.ExchangeDeclareAsync(TaskStatusChanged, ExchangeType.Topic, durable: true);
        await channel.QueueDeclareAsync(CommandSink, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(CommandSink, CreateService, "");
        Available = true;
    }

    /// <summary>
    /// Runs <paramref name="action"/> on a new channel of <paramref name="user"/>'s connection; null when the broker
    /// allowed it, else the reason the broker closed the channel (403 ACCESS_REFUSED for a missing permission). The
    /// channel confirms publishes, so a refused publish is seen too.
    /// </summary>
    public async Task<ShutdownEventArgs?> AttemptAsync(string user, Func<IChannel, Task> action)
    {
        var connection = await ConnectAsync(user);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        try
        {
            await action(channel);

            // a round trip: the broker closes a channel after a refused publish asynchronously
            await channel.BasicQosAsync(0, 1, false);
            return null;
        }
        catch (Exception ex) when (ex is OperationInterruptedException or AlreadyClosedException or PublishException)
        {
            return channel.CloseReason ?? (ex as OperationInterruptedException)?.ShutdownReason
                ?? throw new InvalidOperationException($"{user}: the channel failed without a close reason", ex);
        }
    }

    /// <summary>Messages waiting in <paramref name="queue"/>, as the administrator sees them.</summary>
    public async Task<uint> MessagesInAsync(string queue)
    {
        await using var channel = await _admin!.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    private async Task<IConnection> ConnectAsync(string user)
    {
        if (!_connections.TryGetValue(user, out var connection))
        {
            var broker = new Uri(TestInfrastructure.RabbitMq!);
            var factory = new ConnectionFactory
            {
                HostName = broker.Host,
                Port = broker.IsDefaultPort || broker.Port <= 0 ? 5672 : broker.Port,
                VirtualHost = VHost,
                UserName = UserName(user),
                Password = _passwords[user],
            };
            _connections[user] = connection = await factory.CreateConnectionAsync();
        }

        return connection;
    }

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections.Values.Append(_admin).OfType<IConnection>())
        {
            await connection.DisposeAsync();
        }

        if (!_created)
        {
            return;
        }

        using var api = TestInfrastructure.ManagementClient();
        await api.DeleteAsync($"api/vhosts/{VHost}");
        foreach (var user in _passwords.Keys)
        {
            await api.DeleteAsync($"api/users/{UserName(user)}");
        }
    }
}
