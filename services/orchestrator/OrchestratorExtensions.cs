using MassTransit;
using OpenTelemetry.Trace;
using Swarm.Orchestrator.Commands;
using Swarm.Orchestrator.Consumers;
using Swarm.Orchestrator.Reconciliation;
using Swarm.Messaging;

namespace Swarm.Orchestrator;

public static class OrchestratorExtensions
{
    /// <summary>
    /// The orchestrator: handles service and node commands, and reconciles each service's tasks with
    /// its spec whenever a service, a task's end or a node's failure says it may have drifted.
    /// </summary>
    public static IHostApplicationBuilder AddOrchestrator(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(ServiceReconciliation.Source.Name));
        builder.AddSwarmManager(x =>
        {
            x.AddConsumer<CreateServiceConsumer>();
            x.AddConsumer<UpdateServiceConsumer>();
            x.AddConsumer<RemoveServiceConsumer>();
            x.AddConsumer<UpdateNodeConsumer>();
            x.AddConsumer<RemoveNodeConsumer>();
            x.AddConsumer<UpdateClusterConsumer>();
            x.AddConsumer<CreateNetworkConsumer>();
            x.AddConsumer<RemoveNetworkConsumer>();
            x.AddConsumer<ServiceCreatedConsumer>();
            x.AddConsumer<ServiceUpdatedConsumer>();
            x.AddConsumer<ServiceRemovedConsumer>();
            x.AddConsumer<ServiceRolledBackConsumer>();
            x.AddConsumer<TaskStatusChangedConsumer, EndedTasksDefinition<TaskStatusChangedConsumer>>();
            x.AddConsumer<NodeStatusChangedConsumer>();
            x.AddConsumer<NodeSpecUpdatedConsumer>();
            x.AddConsumer<NodeRegisteredConsumer>();
            x.AddConsumer<NodeRemovedConsumer>();
            x.AddConsumer<ClusterUpdatedConsumer>();
        });
        builder.Services.AddSingleton<ServiceReconciliation>();
        builder.Services.Configure<ReconcileLoopOptions>(builder.Configuration.GetSection("Orchestrator"));
        builder.Services.AddHostedService<ReconcileLoop>();
        return builder;
    }
}
