using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using Swarm.Worker.Agent;
using Swarm.Worker.Cli;

namespace Swarm.Worker;

public static class WorkerExtensions
{
    /// <summary>The node agent's services: the agents, and the task lifecycle's spans (exported with the service defaults).</summary>
    public static HostApplicationBuilder AddWorker(this HostApplicationBuilder builder, WorkerOptions options)
    {
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(TaskRunner.Source.Name));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<WorkerHost>();
        return builder;
    }
}
