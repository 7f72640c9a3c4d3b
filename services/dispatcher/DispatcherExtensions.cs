using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Swarm.Dispatcher.Api;
using Swarm.Dispatcher.Consumers;
using Swarm.Dispatcher.Heartbeats;
using Swarm.Dispatcher.Leadership;
using Swarm.Dispatcher.Logs;
using Swarm.Dispatcher.Nodes;
using Swarm.Dispatcher.Security;
using Swarm.Dispatcher.Sessions;
using Swarm.Dispatcher.Tasks;
using Swarm.EventStore.Secrets;
using Swarm.EventStore.Security;
using Swarm.Messaging;

namespace Swarm.Dispatcher;

public static class DispatcherExtensions
{
    /// <summary>
    /// The dispatcher's services: the cluster log, the bus (task changes, node removals and CA changes arrive on
    /// a queue of this process's own, so every replica sees every change), agent sessions and heartbeat expiry,
    /// and mutual TLS with the cluster CA's certificates on the agent endpoint and between replicas.
    /// </summary>
    public static WebApplicationBuilder AddDispatcher(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(TaskSpans.Source.Name));
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter(DispatcherMetrics.MeterName));

        builder.Services.AddSingleton(AssignmentEndpoint.ForThisProcess());
        builder.Services.AddSingleton<AssignmentGapSignal>();
        builder.Services.AddReceiveEndpointObserver<AssignmentEndpointObserver>();
        builder.AddSwarmManager(x =>
        {
            x.AddConsumer<TasksAssignedConsumer, TasksAssignedConsumerDefinition>();
            x.AddConsumer<TaskDesiredStateChangedConsumer, TaskDesiredStateChangedConsumerDefinition>();
            x.AddConsumer<NodeRemovedConsumer, NodeRemovedConsumerDefinition>();
            x.AddConsumer<ClusterCaChangedConsumer, ClusterCaChangedConsumerDefinition>();
        });

        builder.Services.Configure<DispatcherOptions>(builder.Configuration.GetSection(DispatcherOptions.Section));
        builder.Services.Configure<RaftOptions>(builder.Configuration.GetSection(RaftOptions.Section));
        builder.Services.AddSingleton(sp =>
        {
            var raft = sp.GetRequiredService<IOptions<RaftOptions>>().Value;
            var state = new LeadershipState(raft.IsClustered ? raft.SelfEndPoint.ToString() : $"{Environment.MachineName}/{Environment.ProcessId}", raft.IsClustered);
            LeadershipMetrics.Observe(state, DispatcherMetrics.Of(sp));
            return state;
        });
        builder.Services.AddSingleton<TermFence>();
        // the key-encryption key (Swarm:Ca:KeyFile or Swarm:Ca:Key) is read when the CA is first used, at start-up
        // the keys this process holds: the key-encryption key and, once unlocked (autolock), the unlock key in memory
        builder.Services.TryAddSingleton(sp => new ManagerKeys(ClusterCaOptions.From(sp.GetRequiredService<IConfiguration>()).LoadKey()));
        builder.Services.TryAddSingleton(sp => new ClusterCa(
            sp.GetRequiredService<Marten.IDocumentStore>(),
            sp.GetRequiredService<ManagerKeys>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<ClusterCa>>()));
        builder.Services.TryAddSingleton<ICertificateAuthority>(sp => new ClusterCaAuthority(sp.GetRequiredService<ClusterCa>()));
        builder.Services.AddSingleton<ClusterTrust>();
        builder.Services.AddSingleton<RevokedNodes>();
        builder.Services.AddSingleton<NodeAuthenticator>();
        builder.Services.AddHostedService<ClusterTrustService>();
        builder.Services.AddSingleton<RevocationService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RevocationService>());
        builder.Services.AddHostedService<RootRotationService>();
        builder.Services.AddDispatcherTls();
        builder.Services.AddHostedService<LeaderElectionService>();
        builder.Services.AddSingleton<SessionRegistry>();
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DispatcherOptions>>().Value;
            return new HeartbeatMonitor(sp.GetRequiredService<TimeProvider>(), options.HeartbeatPeriod, Math.Max(1, options.MissedHeartbeats),
                new HeartbeatMetrics(DispatcherMetrics.Of(sp)));
        });
        builder.Services.AddSingleton<NodeStatusWriter>();
        builder.Services.AddSingleton<LogBroker>();
        builder.Services.AddSingleton<TaskStatusWriter>();
        builder.Services.AddSingleton<StatusBatcher>();
        builder.Services.AddSingleton<RegistrationBatcher>();
        builder.Services.AddScoped<AssignmentPusher>();
        // secret and config values, read when a task that references one is sent to its node
        // (with the CA's keys: one unlock opens both when autolock is on)
        builder.Services.TryAddSingleton(sp => new SecretStore(
            sp.GetRequiredService<Marten.IDocumentStore>(),
            sp.GetRequiredService<ManagerKeys>(),
            sp.GetService<TimeProvider>()));
        builder.Services.TryAddSingleton<ISecretSource>(sp => new StoreSecretSource(() => sp.GetRequiredService<SecretStore>(), sp.GetService<ILogger<StoreSecretSource>>()));
        builder.Services.AddSingleton(sp => new AssignmentReconciler(sp.GetRequiredService<SessionRegistry>(), sp.GetRequiredService<Marten.IDocumentStore>(), sp.GetRequiredService<ISecretSource>()));
        builder.Services.AddHostedService<AssignmentReconciliationService>();
        builder.Services.AddHostedService<HeartbeatExpiryService>();
        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = 16 * 1024 * 1024);
        return builder;
    }

    public static WebApplication MapDispatcher(this WebApplication app)
    {
        app.RefuseGrpcWithoutTls();
        app.MapGrpcService<DispatcherService>();
        app.MapGrpcService<NodeCaService>();
        app.MapLogEndpoint();
        app.MapAutolockEndpoint();
        app.MapRaftStatus();
        return app;
    }
}
