using System.Text;
using MassTransit;
using RabbitMQ.Client;
using Swarm.Contracts.Commands;
using Swarm.Contracts.Model;
using Swarm.Domain.Services;
using Swarm.IntegrationTests.Infrastructure;
using Swarm.Testing;

namespace Swarm.IntegrationTests.ControlPlane;

/// <summary>Invalid commands are refused with the field named and write nothing; broken messages never stop a consumer.</summary>
public sealed class BadInputTests
{
    private static readonly ServiceSpec Valid = new() { Name = "api", Replicas = 1, Command = ["sleep", "60"] };

    public static TheoryData<ServiceSpec, string> InvalidSpecs() => new()
    {
        { Valid with { Replicas = -3 }, "spec.replicas" },
        { Valid with { Command = [] }, "spec.command" },
        { Valid with { RestartPolicy = new RestartPolicySpec { Condition = "sometimes" } }, "spec.restartPolicy.condition" },
        { Valid with { Name = "bad name!" }, "spec.name" },
        { Valid with { RestartPolicy = new RestartPolicySpec { DelaySeconds = 1e12 } }, "spec.restartPolicy.delaySeconds" },
        { Valid with { Resources = new ResourcesSpec { Limits = new ResourceAmounts { MemoryBytes = 1024 } } }, "spec.resources.limits.memoryBytes" },
    };

    [SkippableTheory]
    [MemberData(nameof(InvalidSpecs))]
    public async Task An_invalid_create_on_the_bus_is_rejected_with_the_field_and_writes_nothing(ServiceSpec spec, string field)
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var before = await managers.EventCountAsync();

        var response = await managers.SendAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = spec });

        Assert.True(response.Is(out Response<CommandRejected>? rejected), "the command was accepted");
        Assert.Equal(field, rejected!.Message.Field);
        Assert.Equal("invalid", rejected.Message.Code);
        await Task.Delay(500);
        Assert.Equal(before, await managers.EventCountAsync());
    }

    [SkippableFact]
    public async Task An_update_on_the_bus_with_an_out_of_range_value_is_rejected_with_the_field_and_writes_nothing()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Valid with { Replicas = 0 } });
        await managers.SettleAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
        var before = await managers.EventCountAsync();

        var response = await managers.SendAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = Valid.Name, StopGracePeriodSeconds = 1e12 });

        Assert.True(response.Is(out Response<CommandRejected>? rejected), "the update was accepted");
        Assert.Equal(("invalid", "spec.stopGracePeriodSeconds"), (rejected!.Message.Code, rejected.Message.Field));
        Assert.Equal(before, await managers.EventCountAsync());
    }

    [SkippableFact]
    public async Task A_duplicate_name_is_a_conflict_and_writes_nothing()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Valid with { Replicas = 0 } });
        await managers.SettleAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
        var before = await managers.EventCountAsync();

        var response = await managers.SendAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Valid });

        Assert.True(response.Is(out Response<CommandRejected>? rejected), "the duplicate was accepted");
        Assert.Equal(("conflict", "spec.name"), (rejected!.Message.Code, rejected.Message.Field));
        Assert.Contains("already exists", rejected.Message.Reason);
        Assert.Equal(before, await managers.EventCountAsync());
    }

    [SkippableFact]
    public async Task An_update_made_against_an_old_spec_version_is_a_conflict_and_writes_nothing()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var created = await managers.AcceptedAsync(new CreateService { CommandId = Guid.NewGuid(), Spec = Valid with { Replicas = 0 } });
        var updated = await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = Valid.Name, Image = "busybox:2", ExpectedVersion = created.Version });
        Assert.Equal(created.Version + 1, updated.Version);
        await managers.SettleAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20));
        var before = await managers.EventCountAsync();

        // a client that read the spec before that update sends a change derived from it
        var response = await managers.SendAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = Valid.Name, Replicas = 3, ExpectedVersion = created.Version });

        Assert.True(response.Is(out Response<CommandRejected>? rejected), "the stale update was accepted");
        Assert.Equal(("conflict", "version"), (rejected!.Message.Code, rejected.Message.Field));
        Assert.Equal(before, await managers.EventCountAsync());

        // without a version, a partial update merges into the spec as it is now: the image change stays
        var scaled = await managers.AcceptedAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = Valid.Name, Replicas = 2 });
        await using var query = managers.Store.QuerySession();
        var service = await query.LoadAsync<Service>(scaled.Id);
        Assert.Equal(("busybox:2", 2), (service!.Spec.Image, service.Spec.Replicas));
    }

    [SkippableFact]
    public async Task The_same_create_delivered_twice_makes_one_service()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var command = new CreateService { CommandId = Guid.NewGuid(), Spec = Valid with { Replicas = 0 } };

        var first = await managers.AcceptedAsync(command);
        var second = await managers.AcceptedAsync(command);

        Assert.Equal(first.Id, second.Id);
        await using var query = managers.Store.QuerySession();
        Assert.Equal(1, await Marten.QueryableExtensions.CountAsync(query.Query<Service>()));
    }

    [SkippableFact]
    public async Task Updating_or_removing_a_missing_service_is_not_found()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);

        var update = await managers.SendAsync(new UpdateService { CommandId = Guid.NewGuid(), Service = "ghost", Replicas = 2 });
        var remove = await managers.SendAsync(new RemoveService { CommandId = Guid.NewGuid(), Service = "ghost" });

        Assert.True(update.Is(out Response<CommandRejected>? u) && u!.Message.Code == "not-found");
        Assert.True(remove.Is(out Response<CommandRejected>? r) && r!.Message.Code == "not-found");
        Assert.Equal(1, await managers.EventCountAsync()); // the default network only
    }

    [SkippableFact]
    public async Task Plain_json_from_any_amqp_client_is_a_command_and_garbage_goes_to_the_error_queue()
    {
        await using var cluster = await IsolatedCluster.CreateAsync();
        await using var managers = await Managers.StartAsync(cluster);
        var factory = new ConnectionFactory { Uri = new Uri(cluster.RabbitMqUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties { ContentType = "application/json", DeliveryMode = DeliveryModes.Persistent };
        const string exchange = "Swarm.Contracts.Commands:CreateService";

        await channel.BasicPublishAsync(exchange, "", false, properties, Encoding.UTF8.GetBytes("{ this is not json"));
        await Eventually.WaitAsync(() => cluster.QueueDepthAsync("orchestrator-create-service_error"), n => n == 1, TimeSpan.FromSeconds(30), "the malformed message in the error queue");

        var json = """{ "commandId": "6f1c1d1e-0000-4000-8000-000000000001", "spec": { "name": "from-amqp", "replicas": 0, "command": ["sleep", "5"] } }""";
        await channel.BasicPublishAsync(exchange, "", false, properties, Encoding.UTF8.GetBytes(json));

        var services = await Eventually.WaitAsync(async () =>
        {
            await using var query = managers.Store.QuerySession();
            return await Marten.QueryableExtensions.ToListAsync(query.Query<Service>());
        }, s => s.Count == 1, TimeSpan.FromSeconds(30), "the service created from plain JSON");
        Assert.Equal("from-amqp", services[0].Name);
        Assert.Equal(["sleep", "5"], services[0].Spec.Command);

        // an invalid plain-JSON command is refused (published as CommandRejected) and writes nothing
        var before = await managers.EventCountAsync();
        await channel.BasicPublishAsync(exchange, "", false, properties, Encoding.UTF8.GetBytes("""{ "spec": { "name": "neg", "replicas": -1, "command": ["x"] } }"""));
        await Task.Delay(1000);
        Assert.Equal(before, await managers.EventCountAsync());
        Assert.Equal(1, await cluster.QueueDepthAsync("orchestrator-create-service_error"));
    }
}
