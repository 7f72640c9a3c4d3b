using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Swarm.Allocator;
using Swarm.ControlApi.Hosting;
using Swarm.Dispatcher;
using Swarm.EventStore;
using Swarm.Orchestrator;
using Swarm.Scheduler;
using Swarm.ServiceDefaults;

namespace Swarm.IntegrationTests.Metrics;

/// <summary>Listeners are process-wide: these tests run while no other test listens.</summary>
[CollectionDefinition(nameof(TelemetryRegistration), DisableParallelization = true)]
public sealed class TelemetryRegistration;

/// <summary>
/// What a service exports when a collector is configured: its own ActivitySource and Meter, and those of
/// the infrastructure it uses (the relay, MassTransit, Marten, Npgsql); nothing listens without a collector.
/// </summary>
[Collection(nameof(TelemetryRegistration))]
public sealed class TelemetryRegistrationTests
{
    private static readonly string[] SwarmNames = ["Swarm.EventRelay", "Swarm.Orchestrator", "Swarm.Allocator", "Swarm.Scheduler", "Swarm.Dispatcher", "Swarm.Worker", "Swarm.ControlApi"];

    public static TheoryData<string, string[], string[]> Services => new()
    {
        { "orchestrator", ["Swarm.Orchestrator"], [] },
        { "allocator", ["Swarm.Allocator"], [] },
        { "scheduler", ["Swarm.Scheduler"], ["Swarm.Scheduler"] },
        { "dispatcher", ["Swarm.Dispatcher"], ["Swarm.Dispatcher"] },
        { "controlapi", [], ["Swarm.ControlApi"] },
    };

    [Theory]
    [MemberData(nameof(Services))]
    public async Task With_a_collector_a_service_exports_its_own_sources_and_meters_and_its_infrastructures(string service, string[] sources, string[] meters)
    {
        await using var app = Build(service, collector: true);
        Assert.NotNull(app.Services.GetService<TracerProvider>());
        Assert.NotNull(app.Services.GetService<MeterProvider>());

        string[] tracedInfrastructure = ["Swarm.EventRelay", "MassTransit", "Marten", "Npgsql"];
        string[] meteredInfrastructure = ["Swarm.EventRelay", "MassTransit", "Marten"];
        foreach (var name in SwarmNames.Concat(tracedInfrastructure).Distinct())
        {
            Assert.True(Listened(name) == (sources.Contains(name) || tracedInfrastructure.Contains(name)), $"{service}: ActivitySource {name}");
        }

        foreach (var name in SwarmNames.Concat(meteredInfrastructure).Distinct())
        {
            Assert.True(Measured(name) == (meters.Contains(name) || meteredInfrastructure.Contains(name)), $"{service}: Meter {name}");
        }
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Without_a_collector_nothing_listens(string service, string[] sources, string[] meters)
    {
        await using var app = Build(service, collector: false);
        Assert.Null(app.Services.GetService<TracerProvider>());
        Assert.Null(app.Services.GetService<MeterProvider>());
        Assert.All(SwarmNames.Concat(sources).Concat(["MassTransit", "Marten", "Npgsql"]), name => Assert.False(Listened(name), name));
        Assert.All(SwarmNames.Concat(meters).Concat(["MassTransit", "Marten"]), name => Assert.False(Measured(name), name));
    }

    /// <summary>The service wired as its Program.cs wires it (not started).</summary>
    private static WebApplication Build(string service, bool collector)
    {
        // the component stamped on appended events is process-wide: the other tests' hosts append without one
        var component = TraceContext.Component;
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = "Host=127.0.0.1;Username=swarm;Database=swarm",
            ["ConnectionStrings:RabbitMq"] = "amqp://swarm:secret@127.0.0.1:5672/swarm",
            ["Swarm:EndpointPrefix"] = service,
            ["Swarm:Relay"] = "false",
            ["Swarm:Ca:Key"] = Swarm.Security.KeyEncryptionKey.Generate(),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector ? "http://127.0.0.1:1" : null,
        });
        builder.AddSwarmDefaults(service);
        _ = service switch
        {
            "orchestrator" => builder.AddOrchestrator(),
            "allocator" => builder.AddAllocator(),
            "scheduler" => builder.AddScheduler(),
            "dispatcher" => builder.AddDispatcher(),
            "controlapi" => builder.AddControlApi(),
            _ => throw new ArgumentException(service),
        };
        TraceContext.Component = component;
        return builder.Build();
    }

    private static bool Listened(string name)
    {
        using var source = new ActivitySource(name);
        return source.HasListeners();
    }

    private static bool Measured(string name)
    {
        using var meter = new Meter(name);
        return meter.CreateCounter<long>("probe").Enabled;
    }
}
