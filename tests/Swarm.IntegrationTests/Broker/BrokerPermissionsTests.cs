using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Swarm.IntegrationTests.Broker;

/// <summary>
/// The broker users of <c>infra/rabbitmq/permissions.tsv</c>, as <c>./swarm up</c> and the compose deployment make
/// them, on a real RabbitMQ: each component reads only its own queues, declares no other component's, and only the
/// relay's hosts publish events; the operator publishes commands and can do nothing else; nobody is an administrator.
/// </summary>
public sealed class BrokerPermissionsTests(PermissionsVhost vhost) : IClassFixture<PermissionsVhost>
{
    public static readonly TheoryData<string> Components = new(PermissionsVhost.OwnedQueues.Keys);

    /// <summary>The processes that may run the relay, which publishes every event of the log (Swarm__Relay in ./swarm).</summary>
    private static readonly string[] RelayHosts = ["controlapi", "orchestrator"];

    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"commandId":"6f1c1d1e-0000-4000-8000-00000000f00d"}""");
    private static readonly BasicProperties Json = new() { ContentType = "application/json" };

    [SkippableFact]
    public void The_table_has_a_user_per_component_and_the_operator_and_none_is_an_administrator()
    {
        Assert.Equal(PermissionsVhost.OwnedQueues.Keys.Append("operator").Order(StringComparer.Ordinal), vhost.Users.Select(u => u.User).Order(StringComparer.Ordinal));
        Assert.All(vhost.Users, u => Assert.True(u.Tags is "" or "monitoring", $"{u.User} has the tags '{u.Tags}': a component needs none (at most monitoring)"));
    }

    [SkippableTheory]
    [MemberData(nameof(Components))]
    public async Task A_component_consumes_its_own_queues_and_is_refused_on_every_other(string component)
    {
        Skip.IfNot(vhost.Available, "needs the test RabbitMQ and its management API (./swarm test sets them)");
        foreach (var (owner, queues) in PermissionsVhost.OwnedQueues)
        {
            foreach (var queue in queues)
            {
                var refusal = await vhost.AttemptAsync(component, c => c.BasicGetAsync(queue, autoAck: false));
                if (owner == component)
                {
                    Assert.True(refusal is null, $"{component} could not read its own queue {queue}: {refusal?.ReplyText}");
                }
                else
                {
                    AssertRefused(refusal, $"{component} reading {owner}'s queue {queue}");
                }
            }
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Components))]
    public async Task A_component_sets_up_its_endpoints_but_cannot_declare_another_components_queue(string component)
    {
        Skip.IfNot(vhost.Available, "needs the test RabbitMQ and its management API (./swarm test sets them)");
        var own = component == "controlapi" ? "vm_SwarmControlApi_bus_newendpoint" : $"{component}-new-endpoint";

        // what MassTransit does for a consumer's endpoint: the queue and its exchange, the message type's exchange bound to it
        var refusal = await vhost.AttemptAsync(component, async c =>
        {
            await c.QueueDeclareAsync(own, durable: component != "controlapi", exclusive: false, autoDelete: component == "controlapi");
            await c.ExchangeDeclareAsync(own, ExchangeType.Fanout, durable: component != "controlapi", autoDelete: component == "controlapi");
            await c.QueueBindAsync(own, own, "");
            await c.ExchangeDeclareAsync(PermissionsVhost.NodeRegistered, ExchangeType.Fanout, durable: true);
            await c.ExchangeDeclareAsync(PermissionsVhost.CommandRejected, ExchangeType.Fanout, durable: true);
            if (component != "controlapi")
            {
                await c.ExchangeBindAsync(own, PermissionsVhost.NodeRegistered, "");
            }

            await c.QueueDeleteAsync(own);
            await c.ExchangeDeleteAsync(own);
        });
        Assert.True(refusal is null, $"{component} could not set up its endpoint {own}: {refusal?.ReplyText}");

        // the orchestrator answers the control API's requests, and MassTransit declares a reply's exchange (named as the
        // control API's reply queue) before it sends: it may configure those names, though never read them
        foreach (var other in PermissionsVhost.OwnedQueues.Keys.Where(k => k != component && (component, k) is not ("orchestrator", "controlapi")))
        {
            var theirs = other == "controlapi" ? "vm_SwarmControlApi_bus_stolen" : $"{other}-stolen";
            AssertRefused(await vhost.AttemptAsync(component, c => c.QueueDeclareAsync(theirs, durable: true, exclusive: false, autoDelete: false)),
                $"{component} declaring a queue named as {other}'s ({theirs})");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Components))]
    public async Task Only_the_relay_hosts_publish_events_and_only_the_orchestrator_reads_commands(string component)
    {
        Skip.IfNot(vhost.Available, "needs the test RabbitMQ and its management API (./swarm test sets them)");
        foreach (var exchange in new[] { PermissionsVhost.NodeRegistered, PermissionsVhost.TaskStatusChanged })
        {
            var refusal = await vhost.AttemptAsync(component, c => c.BasicPublishAsync(exchange, "ended.failed", false, Json, Body).AsTask());
            if (RelayHosts.Contains(component))
            {
                Assert.True(refusal is null, $"{component} hosts the relay but may not publish to {exchange}: {refusal?.ReplyText}");
            }
            else
            {
                AssertRefused(refusal, $"{component} publishing an event to {exchange}");
            }
        }

        // a copy of every command (their bodies carry service specs, env included) for the command consumer only
        var queue = PermissionsVhost.OwnedQueues[component][0];
        var bind = await vhost.AttemptAsync(component, c => c.QueueBindAsync(queue, PermissionsVhost.CreateService, ""));
        if (component == "orchestrator")
        {
            Assert.True(bind is null, $"the orchestrator may not bind to {PermissionsVhost.CreateService}: {bind?.ReplyText}");
        }
        else
        {
            AssertRefused(bind, $"{component} binding its queue {queue} to the commands of {PermissionsVhost.CreateService}");
        }
    }

    [SkippableFact]
    public async Task The_operator_publishes_commands_and_can_do_nothing_else()
    {
        Skip.IfNot(vhost.Available, "needs the test RabbitMQ and its management API (./swarm test sets them)");
        var before = await vhost.MessagesInAsync(PermissionsVhost.CommandSink);
        var publish = await vhost.AttemptAsync("operator", c => c.BasicPublishAsync(PermissionsVhost.CreateService, "", false, Json, Body).AsTask());
        Assert.True(publish is null, $"the operator could not publish to {PermissionsVhost.CreateService}: {publish?.ReplyText}");
        Assert.Equal(before + 1, await vhost.MessagesInAsync(PermissionsVhost.CommandSink));

        foreach (var queue in PermissionsVhost.OwnedQueues.Values.SelectMany(q => q).Append(PermissionsVhost.CommandSink))
        {
            AssertRefused(await vhost.AttemptAsync("operator", c => c.BasicGetAsync(queue, autoAck: false)), $"the operator reading {queue}");
        }

        AssertRefused(await vhost.AttemptAsync("operator", c => c.QueueDeclareAsync("operator-replies", durable: false, exclusive: true, autoDelete: true)), "the operator declaring a queue");
        AssertRefused(await vhost.AttemptAsync("operator", c => c.QueueDeclareAsync()), "the operator declaring a server-named queue");
        AssertRefused(await vhost.AttemptAsync("operator", c => c.ExchangeDeclareAsync("Swarm.Contracts.Commands:Invented", ExchangeType.Fanout, durable: true)), "the operator declaring an exchange");
        AssertRefused(await vhost.AttemptAsync("operator", c => c.BasicPublishAsync(PermissionsVhost.CommandRejected, "", false, Json, Body).AsTask()), "the operator forging a CommandRejected");
        AssertRefused(await vhost.AttemptAsync("operator", c => c.BasicPublishAsync(PermissionsVhost.NodeRegistered, "", false, Json, Body).AsTask()), "the operator publishing an event");
        AssertRefused(await vhost.AttemptAsync("operator", c => c.BasicPublishAsync("", PermissionsVhost.OwnedQueues["orchestrator"][0], false, Json, Body).AsTask()), "the operator publishing through the default exchange");
    }

    private static void AssertRefused(ShutdownEventArgs? refusal, string what)
    {
        Assert.True(refusal is not null, $"{what} was allowed");
        Assert.True(refusal.ReplyCode == 403 && refusal.ReplyText.StartsWith("ACCESS_REFUSED", StringComparison.Ordinal),
            $"{what}: expected 403 ACCESS_REFUSED, the broker answered {refusal.ReplyCode} {refusal.ReplyText}");
    }
}
