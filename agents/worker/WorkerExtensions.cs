using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Instrumentation.Http;
using OpenTelemetry.Trace;
using Swarm.Worker.Agent;
using Swarm.Worker.Cli;

namespace Swarm.Worker;

public static class WorkerExtensions
{
    /// <summary>The agent protocol's heartbeat call, as its HTTP/2 path ends.</summary>
    internal const string HeartbeatPath = "/Dispatcher/Heartbeat";

    /// <summary>The node agent's services: the agents, and the task lifecycle's spans (exported with the service defaults).</summary>
    public static HostApplicationBuilder AddWorker(this HostApplicationBuilder builder, WorkerOptions options)
    {
        builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddSource(TaskRunner.Source.Name));

        // a heartbeat every few seconds is not work anyone follows: no span (and no trace) for each
        builder.Services.Configure<HttpClientTraceInstrumentationOptions>(o =>
            o.FilterHttpRequestMessage = request => request.RequestUri?.AbsolutePath.EndsWith(HeartbeatPath, StringComparison.Ordinal) != true);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<WorkerHost>();
        return builder;
    }
}
